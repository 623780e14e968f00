// Browser bundles of roomcast/client, named as socket.io-client's and served at the same URLs (server/serve-client.ts):
// socket.io.js (IIFE, readable), socket.io.min.js (IIFE, minified) — both set the global `io` as socket.io-client's
// browser build does — and socket.io.esm.min.js (ESM), each with a source map, in dist/client/bundle/.
// `npm run build` runs this after tsc.
import { build } from "esbuild";
import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = `${root}dist/client/bundle/`;

/** The flags used for our bundle and, by scripts/size.mjs, for socket.io-client's. */
export const bundleFlags = {
  bundle: true,
  minify: true,
  platform: "browser",
  target: "es2022",
  legalComments: "none",
  logLevel: "warning",
};

/**
 * engine.io-client's Socket imports its default transport table statically, which pulls in WebTransport even when
 * only long-polling and WebSocket are used (the package has no tree-shakable Socket without it). The browser bundle
 * swaps that table for one with the two transports roomcast's bundle supports: "polling" and "websocket".
 * (The npm module, used through Node or an app's own bundler, keeps all of engine.io-client's transports.)
 */
export const pollingAndWebSocketOnly = {
  name: "engine.io-client-transports",
  setup(b) {
    b.onLoad({ filter: /engine\.io-client[\\/]build[\\/]esm[\\/]transports[\\/]index\.js$/ }, (args) => ({
      contents:
        'import { XHR } from "./polling-xhr.node.js";\n' +
        'import { WS } from "./websocket.node.js";\n' +
        "export const transports = { websocket: WS, polling: XHR };\n",
      loader: "js",
      resolveDir: dirname(args.path),
    }));
  },
};

/**
 * engine.io-client parses the URI its Socket is given with a regex parser of its own (contrib/parseuri.js), while
 * roomcast's client already parses every URL with the platform's URL parser (client/url.ts): the browser bundle swaps
 * the former for client/parse-uri.ts, which reads the same fields with URL, so it carries one URL parser, not two.
 * (The npm module, used through Node or an app's own bundler, keeps engine.io-client's parser.)
 */
export const urlParserFromPlatform = {
  name: "engine.io-client-parseuri",
  setup(b) {
    b.onLoad({ filter: /engine\.io-client[\\/]build[\\/]esm[\\/]contrib[\\/]parseuri\.js$/ }, () => ({
      contents: `export { parse } from ${JSON.stringify(`${root}client/parse-uri.ts`)};\n`,
      loader: "js",
    }));
  },
};

/**
 * engine.io-client's long-polling transport keeps two fallbacks for Internet Explorer: an `ActiveXObject` request
 * when `XMLHttpRequest` is missing, and an `attachEvent("onunload")` before `addEventListener`. The browser bundle
 * targets ES2022 (class fields, private methods), which no browser with either API can parse, so both are dead code
 * there and are cut (in a browser without `XMLHttpRequest`, e.g. a service worker, `newRequest` returns undefined
 * either way: the ActiveXObject lookup throws and is caught). The build fails if the file no longer has them as
 * written, rather than ship them silently. (The npm module keeps engine.io-client's file as it is.)
 */
export const noInternetExplorerFallbacks = {
  name: "engine.io-client-no-ie",
  setup(b) {
    b.onLoad({ filter: /engine\.io-client[\\/]build[\\/]esm[\\/]transports[\\/]polling-xhr\.js$/ }, async (args) => {
      let contents = await readFile(args.path, "utf8");
      for (const [dead, kept] of ieFallbacks) {
        if (!dead.test(contents)) throw new Error(`${args.path}: the Internet Explorer fallback ${dead} is not there any more`);
        contents = contents.replace(dead, kept);
      }
      return { contents, loader: "js" };
    });
  },
};

/** The two fallbacks, as engine.io-client 6.6 writes them, and what is left in their place. */
const ieFallbacks = [
  [/if \(typeof attachEvent === "function"\) \{\s*\/\/ @ts-ignore\s*attachEvent\("onunload", unloadHandler\);\s*\}\s*else /, ""],
  [/if \(!xdomain\) \{\s*try \{\s*return new globalThis\[\["Active"\]\.concat\("Object"\)\.join\("X"\)\]\("Microsoft\.XMLHTTP"\);\s*\}\s*catch \(e\) \{ \}\s*\}/, ""],
];

/**
 * Our own internal member names, which roomcast's bundle shortens (mangleProps): the Manager/Socket members marked
 * @internal (stripped from the .d.ts, called only between our two classes), the members of the helpers the client
 * uses internally (ack table, catch-all listeners, decoder, retry queue) and PacketType's keys (the packets apps see
 * carry the numeric values). The list is explicit and holds no name engine.io-client, engine.io-parser or the
 * component emitter use: their own `_`-members are called by name across their modules and are left alone; generic
 * names (add, list, reset, …) stay out too, so that a built-in method of the same name is never renamed.
 */
const internalMembers = [
  // client/manager.ts <-> client/socket.ts
  ...["_readyState", "_reconnecting", "_autoConnect", "_onopen", "_onpacket", "_onerror", "_onclose", "_destroy"],
  ...["_packet"],
  ...["settle", "failAll", "errorFirst", "timer", "onGone", "added", "removed"], // shared/ack-table.ts
  ...["prepend"], // shared/any-listeners.ts
  ...["awaitingAttachments"], // shared/decoder.ts
  ...["flags", "tries", "pending", "fromQueue"], // client/retry-queue.ts
  ...["CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"], // shared/packet.ts
];

/** Flags for roomcast's own bundle only (not applied to socket.io-client when it is measured). */
export const roomcastFlags = {
  mangleProps: new RegExp(`^(${internalMembers.join("|")})$`),
};

/** What we ship: our flags plus the transport trim and the URL parser swap. */
export const shippedBundle = {
  ...bundleFlags,
  ...roomcastFlags,
  plugins: [pollingAndWebSocketOnly, urlParserFromPlatform, noInternetExplorerFallbacks],
};

/**
 * The global socket.io-client's browser build sets: `io` is the lookup function, and `io.Manager`, `io.Socket`,
 * `io.io` and `io.connect` hang off it (its UMD wrapper returns that function; no `protocol` on it).
 */
const globalIo = (from) =>
  `import { io, Manager, Socket } from ${JSON.stringify(from)};\n` +
  "globalThis.io = Object.assign(io, { Manager, Socket, io, connect: io });\n";

/**
 * The ESM bundle: roomcast/client's own exports (io, connect, default, Manager, Socket, protocol), `io` carrying the
 * same members — not the engine.io-client transports the npm module re-exports (the bundle has long-polling and
 * WebSocket only).
 */
const esmEntry = (from) =>
  `import { io, Manager, Socket } from ${JSON.stringify(from)};\n` +
  "Object.assign(io, { Manager, Socket, io, connect: io });\n" +
  `export { io, connect, default, Manager, Socket, protocol } from ${JSON.stringify(from)};\n`;

const clientEntry = `${root}client/index.ts`;

/** esbuild options of one shipped file, by name (what scripts/size.mjs measures is exactly this). */
export function shippedBuild(name) {
  const minify = name !== "socket.io.js";
  const esm = name === "socket.io.esm.min.js";
  return {
    ...(minify ? shippedBundle : { ...bundleFlags, minify: false, plugins: shippedBundle.plugins }),
    stdin: {
      contents: esm ? esmEntry(clientEntry) : globalIo(clientEntry),
      resolveDir: root,
      sourcefile: esm ? "socket.io.esm.js" : "socket.io.global.js",
      loader: "js",
    },
    format: esm ? "esm" : "iife",
  };
}

/** socket.io-client's IIFE built the same way (its `io` already carries Manager, Socket, io and connect). */
export function socketIoClientBuild(flags = bundleFlags, plugins = []) {
  return {
    ...flags,
    stdin: { contents: 'import { io } from "socket.io-client";\nglobalThis.io = io;\n', resolveDir: root, loader: "js" },
    format: "iife",
    plugins,
  };
}

export const SHIPPED = ["socket.io.js", "socket.io.min.js", "socket.io.esm.min.js"];

export async function bundleClient() {
  await Promise.all(SHIPPED.map((name) => build({ ...shippedBuild(name), sourcemap: true, outfile: `${outdir}${name}` })));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundleClient();
