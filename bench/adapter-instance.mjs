// One server instance of the adapter comparison (bench/adapters.mjs), in its own process so that it can be SIGKILLed:
// roomcast + roomcast/redis, or socket.io 4.8 + @socket.io/redis-adapter or @socket.io/redis-streams-adapter, with the
// same app code and options. Obeys the orchestrator over IPC (bench/ipc.mjs).
//
//   node bench/adapter-instance.mjs <roomcast|redis-adapter|streams-adapter> <redis-url> <key> [recovery]
//
// Unhandled rejections and uncaught exceptions are counted, not fatal: the official adapters' failures under a Redis
// outage are part of what is measured (a real app would have crashed, which the report says).
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { serveIpc } from "./ipc.mjs";

const require = createRequire(import.meta.url);
const [impl, redisUrl, key, recoveryArg] = process.argv.slice(2);
const recovery = recoveryArg === "recovery";
const crashes = { unhandledRejection: 0, uncaughtException: 0 };
process.on("unhandledRejection", () => crashes.unhandledRejection++);
process.on("uncaughtException", () => crashes.uncaughtException++);

const options = { pingInterval: 25_000, pingTimeout: 20_000, perMessageDeflate: false };
if (recovery) options.connectionStateRecovery = { maxDisconnectionDuration: 60_000, skipMiddlewares: true };
const { createClient } = require("redis");
let io;
const errors = [];
if (impl === "roomcast") {
  const { Server } = await import("../dist/server/index.js");
  const { createAdapter } = await import("../dist/server/adapter/redis/index.js");
  const onError = (err) => errors.push(String(err?.message ?? err)); // counted (health), not printed
  io = new Server({ ...options, onError, adapter: createAdapter(createClient({ url: redisUrl }), undefined, { key }) });
  io.of("/").adapter.on("error", (err) => errors.push(String(err?.message ?? err)));
} else {
  const { Server } = require("socket.io");
  io = new Server({ ...options, serveClient: false });
  const client = createClient({ url: redisUrl });
  client.on("error", (err) => errors.push(String(err?.message ?? err)));
  await client.connect();
  if (impl === "redis-adapter") {
    const sub = client.duplicate();
    sub.on("error", (err) => errors.push(String(err?.message ?? err)));
    await sub.connect();
    const { createAdapter } = require("@socket.io/redis-adapter");
    io.adapter(createAdapter(client, sub, { key }));
  } else if (impl === "streams-adapter") {
    const { createAdapter } = require("@socket.io/redis-streams-adapter");
    io.adapter(createAdapter(client, { streamName: key, channelPrefix: key }));
  } else {
    throw new Error(`unknown implementation ${impl}`);
  }
}

io.on("connection", (socket) => {
  if (!socket.recovered) socket.join(socket.handshake.auth?.room ?? "room");
});
io.on("ping", (cb) => typeof cb === "function" && cb("pong"));

const http = createServer();
io.attach(http);
await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));

let ticker;
let sent = 0;

/** Runs `fn` with a clock: { ms, result } or { ms, error }. */
async function timed(fn) {
  const t = performance.now();
  try {
    const result = await fn();
    return { ms: performance.now() - t, result };
  } catch (err) {
    return { ms: performance.now() - t, error: String(err?.message ?? err) };
  }
}

async function handle(msg) {
  switch (msg.op) {
    case "server-count": {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const n = await io.of("/").adapter.serverCount();
        if (n >= msg.n) return { n };
        if (Date.now() > deadline) throw new Error(`serverCount ${n} < ${msg.n}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    case "tick-start": {
      // msg.rate broadcasts per second to everyone: "tick" (index, sent at)
      sent = 0;
      const start = performance.now();
      const step = () => {
        const due = Math.floor(((performance.now() - start) * msg.rate) / 1000);
        while (sent <= due) io.emit("tick", sent++, Date.now());
      };
      ticker = setInterval(step, 1000 / msg.rate);
      return {};
    }
    case "tick-stop":
      clearInterval(ticker);
      return { sent };
    case "emit":
      io.to(msg.room).emit(msg.event, ...msg.args);
      return {};
    case "fetch": {
      const r = await timed(() => io.fetchSockets());
      return { ms: r.ms, error: r.error, ids: r.result?.map((s) => s.id) };
    }
    case "ask": {
      const r = await timed(() => io.serverSideEmitWithAck("ping")); // default timeouts: 5 s in all three
      return { ms: r.ms, error: r.error, responses: r.result?.length };
    }
    case "socket": {
      const s = io.of("/").sockets.get(msg.sid);
      return { exists: s !== undefined, recovered: s?.recovered === true };
    }
    case "health":
      return { crashes, errors: errors.length };
    default:
      throw new Error(`unknown op ${msg.op}`);
  }
}

serveIpc(handle, { port: http.address().port });
