// `npm run size`: min+gzip bytes of the socket.io.min.js roomcast serves vs socket.io-client's, built the same way
// (esbuild, same flags, an IIFE that sets the global `io`), from fresh in-memory builds. Fails (exit 1) when ours is
// over LIMIT × theirs; test/client/bundle-size.test.ts runs the same check in CI. Also printed, for context: both
// with and without the engine.io-client transport trim our bundle uses (see scripts/bundle-client.mjs; our bundle's
// other plugin, engine.io-client's URI parser read from the platform's URL parser, applies to our lines), and the
// socket.io.min.js socket.io-client ships (its own rollup + terser build).
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import {
  bundleFlags,
  pollingAndWebSocketOnly,
  shippedBuild,
  socketIoClientBuild,
  urlParserFromPlatform,
} from "./bundle-client.mjs";

/** Ours must be at most this fraction of socket.io-client's min+gzip size. */
export const LIMIT = 0.9;

const gzip = (code) => gzipSync(code, { level: 9 }).length;
const br = (code) => brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

async function measure(label, options) {
  const result = await build({ ...options, write: false, logLevel: "silent" });
  const code = result.outputFiles[0].contents;
  return { label, min: code.length, gzip: gzip(code) };
}

/** The figures the limit is about: our shipped socket.io.min.js vs socket.io-client's IIFE, same bundler and flags. */
export async function measureShipped() {
  const ours = await measure("roomcast socket.io.min.js (what we serve: polling + websocket)", shippedBuild("socket.io.min.js"));
  const theirs = await measure("socket.io-client, esbuild, same flags (its default transports)", socketIoClientBuild());
  return { ours, theirs, ratio: ours.gzip / theirs.gzip };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { ours, theirs, ratio } = await measureShipped();
  const everyTransport = shippedBuild("socket.io.min.js");
  const oursAll = await measure("roomcast with every engine.io-client transport (incl. WebTransport)", {
    ...everyTransport,
    plugins: [urlParserFromPlatform],
  });
  const theirsTrimmed = await measure("socket.io-client, same transport trim", socketIoClientBuild(bundleFlags, [pollingAndWebSocketOnly]));
  const shipped = readFileSync(new URL("../node_modules/socket.io-client/dist/socket.io.min.js", import.meta.url));
  const theirsShipped = { label: "socket.io-client's own dist/socket.io.min.js", min: shipped.length, gzip: gzip(shipped) };
  for (const r of [ours, theirs, oursAll, theirsTrimmed, theirsShipped]) {
    console.log(`${String(r.min).padStart(7)} B min  ${String(r.gzip).padStart(6)} B min+gzip  ${r.label}`);
  }
  const delta = theirs.gzip - ours.gzip;
  console.log(`roomcast is ${delta} B smaller (${ratio.toFixed(3)}×; limit ≤ ${LIMIT}× = ${Math.floor(theirs.gzip * LIMIT)} B)`);
  console.log("served files (raw / gzip -9 / brotli 11):");
  for (const name of ["socket.io.js", "socket.io.min.js", "socket.io.esm.min.js"]) {
    const out = await build({ ...shippedBuild(name), write: false, logLevel: "silent" });
    const code = out.outputFiles[0].contents;
    console.log(`  ${name.padEnd(22)} ${String(code.length).padStart(7)} B ${String(gzip(code)).padStart(7)} B ${String(br(code)).padStart(7)} B`);
  }
  if (ratio > LIMIT) {
    console.error(`roomcast's socket.io.min.js is ${ratio.toFixed(3)}× socket.io-client's: over the ${LIMIT}× limit`);
    process.exitCode = 1;
  }
}
