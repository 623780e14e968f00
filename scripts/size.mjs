// `npm run size`: min+gzip bytes of roomcast's browser bundle vs socket.io-client's, built the same way
// (esbuild, same flags, IIFE of `import { io }`), from fresh in-memory builds. Also printed: both built with and
// without the engine.io-client transport trim our bundle uses (see scripts/bundle-client.mjs; our bundle's other
// plugin, engine.io-client's URI parser read from the platform's URL parser, applies to our two lines).
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { bundleFlags, pollingAndWebSocketOnly, roomcastFlags, urlParserFromPlatform } from "./bundle-client.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

async function measure(label, contents, plugins = [], extra = {}) {
  const result = await build({
    ...bundleFlags,
    ...extra,
    stdin: { contents, resolveDir: root, loader: "ts" },
    format: "iife",
    globalName: "lib",
    write: false,
    plugins,
  });
  const code = result.outputFiles[0].contents;
  const gz = gzipSync(code, { level: 9 }).length;
  return { label, min: code.length, gzip: gz };
}

const ours = await measure("roomcast.min.js (what we ship: polling + websocket)", `export { io } from "./client/index.ts";`, [
  pollingAndWebSocketOnly,
  urlParserFromPlatform,
], roomcastFlags);
const theirs = await measure("socket.io-client", `export { io } from "socket.io-client";`);
const oursAll = await measure("roomcast/client with every engine.io-client transport (incl. WebTransport)", `export { io } from "./client/index.ts";`, [
  urlParserFromPlatform,
], roomcastFlags);
const theirsTrimmed = await measure("socket.io-client, same transport trim", `export { io } from "socket.io-client";`, [
  pollingAndWebSocketOnly,
]);
for (const r of [ours, theirs, oursAll, theirsTrimmed]) {
  console.log(`${String(r.min).padStart(7)} B min  ${String(r.gzip).padStart(6)} B min+gzip  ${r.label}`);
}
const delta = theirs.gzip - ours.gzip;
console.log(delta > 0 ? `roomcast/client is ${delta} B (${((delta / theirs.gzip) * 100).toFixed(1)}%) smaller` : `roomcast/client is ${-delta} B larger`);
