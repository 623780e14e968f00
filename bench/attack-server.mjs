// Attack-measurement server (driven by bench/attacks.mjs over IPC): roomcast or socket.io 4.8 with the same options
// and app code as bench/server.mjs, plus what the attack runner needs: which build it runs, memory sampled WITHOUT a
// forced GC (cheap enough to call every 250 ms while an attack is going on), the live session counts, and memory
// after GC (the baseline, and what is still held at the end).
//
//   node --expose-gc [--max-old-space-size=N] bench/attack-server.mjs <roomcast|socketio> [roomcast dist dir]
//
// The roomcast dist dir defaults to this checkout's dist/ (pass another checkout's, or a `tsc --outDir` build, to
// measure that one); it must contain server/index.js.
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { serveIpc } from "./ipc.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const impl = process.argv[2];
const distDir = resolve(process.argv[3] ?? join(here, "..", "dist"));

// Same engine.io options as bench/server.mjs (all defaults except what is named here).
const options = { pingInterval: 25_000, pingTimeout: 20_000, perMessageDeflate: false, connectTimeout: 45_000 };

/** Version of `pkg` as `from` (a file path or URL) would resolve it (its package.json need not be exported). */
function versionOf(pkg, from) {
  try {
    let dir = dirname(createRequire(from).resolve(pkg));
    for (;;) {
      const file = join(dir, "package.json");
      if (existsSync(file)) {
        const json = JSON.parse(readFileSync(file, "utf8"));
        if (json.name === pkg) return json.version;
      }
      const up = dirname(dir);
      if (up === dir) return undefined;
      dir = up;
    }
  } catch {
    return undefined;
  }
}

let io;
const versions = { node: process.version };
if (impl === "roomcast") {
  const entry = join(distDir, "server", "index.js");
  if (!existsSync(entry)) throw new Error(`no roomcast build at ${entry}`);
  const { Server } = await import(pathToFileURL(entry).href);
  io = new Server(options);
  versions.roomcast = distDir;
  versions.engineio = versionOf("engine.io", entry);
  // perMessageDeflate is off, so engine.io runs roomcast's own WebSocket engine, not ws
} else if (impl === "socketio") {
  const require = createRequire(import.meta.url);
  const { Server } = require("socket.io");
  io = new Server({ ...options, serveClient: false });
  versions.socketio = versionOf("socket.io", import.meta.url);
  const engineEntry = createRequire(require.resolve("socket.io")).resolve("engine.io");
  versions.engineio = versionOf("engine.io", require.resolve("socket.io"));
  versions.ws = versionOf("ws", engineEntry); // the ws engine.io itself loads (may differ from the top-level one)
} else {
  throw new Error(`unknown implementation ${impl}`);
}

// The app (as in bench/server.mjs): every socket joins "room" and answers "echo" acks. It never writes otherwise.
io.on("connection", (socket) => {
  socket.join("room");
  socket.on("echo", (x, cb) => {
    if (typeof cb === "function") cb(x);
  });
});

const http = createServer();
io.attach(http);
await new Promise((r) => http.listen(0, "127.0.0.1", r));

function counts() {
  return { sessions: io.engine?.clientsCount ?? -1, sockets: io.of("/").sockets.size };
}

async function handle(msg) {
  switch (msg.op) {
    case "sample": {
      // no GC: what the process holds right now, garbage included
      const m = process.memoryUsage();
      return { heapUsed: m.heapUsed, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers, ...counts() };
    }
    case "memory": {
      await new Promise((r) => setTimeout(r, msg.settleMs ?? 200));
      for (let i = 0; i < 4; i++) global.gc?.();
      const m = process.memoryUsage();
      return { heapUsed: m.heapUsed, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers, ...counts() };
    }
    case "info":
      return { versions, heapLimit: (await import("node:v8")).getHeapStatistics().heap_size_limit, ...counts() };
    default:
      throw new Error(`unknown op ${msg.op}`);
  }
}

serveIpc(handle, { port: http.address().port });
