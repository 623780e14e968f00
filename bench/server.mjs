// Benchmark server runner: starts roomcast or socket.io 4.8 with identical options and app code, then obeys the
// orchestrator over IPC (broadcast bursts, paced broadcasts, memory after GC, CPU usage). Run with --expose-gc.
//
//   node --expose-gc bench/server.mjs <roomcast|socketio> [redis-url] [streams]
// (with "streams", socket.io uses @socket.io/redis-streams-adapter instead of @socket.io/redis-adapter)
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { serveIpc } from "./ipc.mjs";

const require = createRequire(import.meta.url);
const impl = process.argv[2];
const redisUrl = process.argv[3];
const streams = process.argv[4] === "streams";
const now = () => performance.timeOrigin + performance.now();

// Same engine.io options for both (all defaults except what we name here).
const options = { pingInterval: 25_000, pingTimeout: 20_000, perMessageDeflate: false, connectTimeout: 45_000 };

const clients = [];
let io;
if (impl === "roomcast") {
  const { Server } = await import("../dist/server/index.js");
  if (redisUrl) {
    const { createClient } = require("redis");
    const { createAdapter } = await import("../dist/server/adapter/redis/index.js");
    const pub = createClient({ url: redisUrl });
    await pub.connect();
    clients.push(pub);
    options.adapter = createAdapter(pub, undefined, { key: "bench" });
  }
  io = new Server(options);
} else if (impl === "socketio") {
  const { Server } = require("socket.io");
  io = new Server({ ...options, serveClient: false });
  if (redisUrl && streams) {
    const { createClient } = require("redis");
    const { createAdapter } = require("@socket.io/redis-streams-adapter");
    const client = createClient({ url: redisUrl });
    await client.connect();
    clients.push(client);
    io.adapter(createAdapter(client, { streamName: "bench", channelPrefix: "bench" }));
  } else if (redisUrl) {
    const { createClient } = require("redis");
    const { createAdapter } = require("@socket.io/redis-adapter");
    const pub = createClient({ url: redisUrl });
    const sub = pub.duplicate();
    await Promise.all([pub.connect(), sub.connect()]);
    clients.push(pub, sub);
    io.adapter(createAdapter(pub, sub, { key: "bench" }));
  }
} else if (impl === "engineio") {
  // diagnostics only (not part of the A/B): bare engine.io with the least Socket.IO work, the floor for memory
  const { Server } = require("engine.io");
  const engine = new Server(options);
  let n = 0;
  const room = new Set();
  io = {
    attach: (http) => engine.attach(http, { path: "/socket.io" }),
    on() {},
    of: () => ({ sockets: { size: room.size } }),
    to: () => ({ emit: (ev, ...args) => { const data = "2" + JSON.stringify([ev, ...args]); for (const s of room) s.write(data); } }),
  };
  engine.on("connection", (s) => {
    s.on("message", (d) => {
      if (d === "0") {
        s.write('0{"sid":"' + (++n).toString(36) + '"}');
        room.add(s);
      }
    });
    s.on("close", () => room.delete(s));
  });
} else {
  throw new Error(`unknown implementation ${impl}`);
}

// The app: every socket joins "room" and answers "echo" acks.
if (impl !== "engineio") io.on("connection", (socket) => {
  socket.join("room");
  socket.on("echo", (x, cb) => {
    if (typeof cb === "function") cb(x);
  });
});

const http = createServer();
io.attach(http);
await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));

function memory() {
  for (let i = 0; i < 4; i++) global.gc?.();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, rss: m.rss, external: m.external };
}

let cpuStart = process.cpuUsage();
let wallStart = performance.now();

const PAD = "x".repeat(100);

async function handle(msg) {
  switch (msg.op) {
    case "memory":
      // let pending handshakes and timers settle first
      await new Promise((r) => setTimeout(r, 200));
      return memory();
    case "count":
      return { sockets: io.of("/").sockets.size };
    case "cpu-start":
      cpuStart = process.cpuUsage();
      wallStart = performance.now();
      return {};
    case "cpu-stop": {
      const cpu = process.cpuUsage(cpuStart);
      const wall = performance.now() - wallStart;
      return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs: wall, cpuPct: ((cpu.user + cpu.system) / 1000 / wall) * 100 };
    }
    case "burst": {
      // n broadcasts to "room", as fast as the server can: one synchronous loop
      const t0 = now();
      const pad = PAD.slice(0, msg.size ?? 100);
      for (let i = 0; i < msg.n; i++) io.to("room").emit("m", now(), pad);
      return { t0, syncMs: now() - t0 };
    }
    case "paced": {
      // msg.rate broadcasts per second, msg.n of them, on a drift-free schedule
      const pad = PAD.slice(0, msg.size ?? 100);
      const interval = 1000 / msg.rate;
      const start = performance.now();
      const spent = [];
      for (let i = 0; i < msg.n; i++) {
        const due = start + i * interval;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const t = now();
        io.to("room").emit("m", t, pad);
        spent.push(now() - t);
      }
      spent.sort((a, b) => a - b);
      // server-side time of one broadcast call (synchronous part)
      return { emitP50Ms: spent[spent.length >> 1], emitMaxMs: spent[spent.length - 1] };
    }
    case "fetch": {
      // msg.n sequential io.fetchSockets() once they see msg.expected sockets (after msg.warm untimed calls)
      const deadline = Date.now() + 10_000;
      let last = 0;
      while ((last = (await io.fetchSockets()).length) !== msg.expected) {
        if (Date.now() > deadline) throw new Error(`fetchSockets saw ${last} sockets, expected ${msg.expected}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      for (let i = 0; i < (msg.warm ?? 50); i++) await io.fetchSockets();
      const times = [];
      for (let i = 0; i < msg.n; i++) {
        const t = performance.now();
        last = (await io.fetchSockets()).length;
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
      return { p50: at(0.5), p99: at(0.99), count: last };
    }
    case "snapshot": {
      // diagnostics: a heap snapshot at msg.path (compare two with Chrome DevTools)
      const { writeHeapSnapshot } = await import("node:v8");
      for (let i = 0; i < 4; i++) global.gc?.();
      return { path: writeHeapSnapshot(msg.path) };
    }
    default:
      throw new Error(`unknown op ${msg.op}`);
  }
}

serveIpc(handle, { port: http.address().port });
