// Benchmark load generator: a separate process speaking raw Engine.IO v4 / Socket.IO v5 frames over WebSocket and
// HTTP long-polling (no client library), so the client-side cost is identical whichever server is measured.
// Driven by the orchestrator over IPC; reports its own CPU so a saturated load generator is visible.
// The WebSocket and HTTP clients are minimal ones over node:net (raw-client.mjs): cheap per operation, so the server
// under test rather than this process is the bottleneck.
import { RawWebSocket, HttpConnection } from "./raw-client.mjs";

const now = () => performance.timeOrigin + performance.now();
const sockets = []; // open WebSocket sessions (with .group)

// ---- receive side ----------------------------------------------------------------------------------------------

const recv = {
  mode: "off", // "count" (arrival times only) | "latency" (parse the send timestamp) | "off"
  expected: 0,
  received: 0,
  last: 0,
  arrivals: new Float64Array(0),
  latencies: [[], []], // per group
  done: undefined,
};

function arm(mode, expected) {
  recv.mode = mode;
  recv.expected = expected;
  recv.received = 0;
  if (mode === "count") recv.arrivals = new Float64Array(expected);
  recv.latencies = [[], []];
  return new Promise((resolve) => (recv.done = resolve));
}

function onEvent(data, group) {
  const i = recv.received++;
  recv.last = performance.now();
  if (recv.mode === "count") {
    if (i < recv.expected) recv.arrivals[i] = performance.now();
  } else if (recv.mode === "latency") {
    // 42["m",<timestamp>,"pad"]
    const comma = data.indexOf(0x2c, 7);
    const ts = Number(data.toString("latin1", 7, comma));
    recv.latencies[group].push(now() - ts);
  }
  if (recv.received === recv.expected && recv.done) {
    const done = recv.done;
    recv.done = undefined;
    done();
  }
}

// ack waiters: per socket, the pending ack id and its callback
function onMessage(data) {
  // `this` is the RawWebSocket; data is a Buffer view of the frame payload (no decoding)
  const c0 = data[0];
  if (c0 === 0x34 /* 4: socket.io packet */) {
    const c1 = data[1];
    if (c1 === 0x32 /* 2: EVENT */) onEvent(data, this.group);
    else if (c1 === 0x33 /* 3: ACK */) this.onack?.(data);
    else if (c1 === 0x30 /* 0: CONNECT */) this.onconnect?.();
  } else if (c0 === 0x32 /* ping */) this.send("3");
  else if (c0 === 0x30 /* open */) this.send("40");
}

/** Opens a WebSocket session and completes the Socket.IO CONNECT to "/"; resolves once the CONNECT reply came. */
function openSocket(port, group) {
  return new Promise((resolve, reject) => {
    const ws = new RawWebSocket(port, WS_PATH);
    ws.group = group;
    ws.onmessage = onMessage;
    ws.onconnect = () => {
      ws.onconnect = undefined;
      ws.onclose = undefined;
      resolve(ws);
    };
    ws.onclose = (err) => reject(err ?? new Error("closed before connect"));
  });
}

async function pool(n, concurrency, task) {
  let next = 0;
  const workers = [];
  for (let w = 0; w < Math.min(concurrency, n); w++) {
    workers.push(
      (async () => {
        while (next < n) await task(next++);
      })(),
    );
  }
  await Promise.all(workers);
}

const WS_PATH = "/socket.io/?EIO=4&transport=websocket";

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// ---- operations -------------------------------------------------------------------------------------------------

let cpuStart = process.cpuUsage();
let wallStart = performance.now();
function cpuReport() {
  const cpu = process.cpuUsage(cpuStart);
  const wall = performance.now() - wallStart;
  return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs: wall, cpuPct: ((cpu.user + cpu.system) / 1000 / wall) * 100 };
}

async function connect({ port, n, concurrency = 50, group = 0 }) {
  const t0 = performance.now();
  await pool(n, concurrency, async () => {
    sockets.push(await openSocket(port, group));
  });
  return { ms: performance.now() - t0, open: sockets.length };
}

/** Starts counting broadcast deliveries: arrival times ("count") or send→arrival latencies ("latency"). */
let armed;
function armOp({ mode, expected }) {
  cpuStart = process.cpuUsage();
  wallStart = performance.now();
  armed = arm(mode, expected);
  return {};
}

/** Waits until the armed number of deliveries arrived (or `timeoutMs`), then reports. */
async function collect({ timeoutMs }) {
  let timedOut = false;
  let timer;
  await Promise.race([armed, new Promise((r) => (timer = setTimeout(() => ((timedOut = true), r()), timeoutMs)))]);
  clearTimeout(timer);
  const cpu = cpuReport();
  const { mode, expected, received } = recv;
  recv.mode = "off";
  recv.done = undefined;
  const origin = performance.timeOrigin;
  const lastAt = origin + recv.last;
  if (mode === "count") {
    const arrivals = recv.arrivals.subarray(0, Math.min(received, expected));
    // arrivals are in order already; absolute ms for the orchestrator
    const pick = (p) => origin + percentile(arrivals, p);
    return { received, timedOut, cpu, p50At: pick(50), p99At: pick(99), lastAt };
  }
  const groups = recv.latencies.map((l) => {
    const s = Float64Array.from(l).sort();
    return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] };
  });
  return { received, timedOut, cpu, groups, lastAt };
}

/** Each of the first `n` sockets does sequential emit-with-ack for `durationMs`. */
async function acks({ n, durationMs }) {
  const rtts = [];
  const deadline = performance.now() + durationMs;
  cpuStart = process.cpuUsage();
  wallStart = performance.now();
  const t0 = performance.now();
  await Promise.all(
    sockets.slice(0, n).map(
      (ws) =>
        new Promise((resolve) => {
          let id = 0;
          let sentAt = 0;
          const sendNext = () => {
            if (performance.now() >= deadline) {
              ws.onack = undefined;
              resolve();
              return;
            }
            id++;
            sentAt = performance.now();
            ws.send(`42${id}["echo",${id}]`);
          };
          ws.onack = (data) => {
            // 43<id>[...]
            const bracket = data.indexOf(0x5b, 2);
            if (Number(data.toString("latin1", 2, bracket)) !== id) return;
            rtts.push(performance.now() - sentAt);
            sendNext();
          };
          sendNext();
        }),
    ),
  );
  const wall = performance.now() - t0;
  const cpu = cpuReport();
  const s = Float64Array.from(rtts).sort();
  return { acks: s.length, perSec: (s.length / wall) * 1000, p50: percentile(s, 50), p99: percentile(s, 99), cpu };
}

/** `n` full handshakes (open → CONNECT → CONNECT ack → close), `concurrency` at a time. */
async function handshakes({ port, n, concurrency }) {
  cpuStart = process.cpuUsage();
  wallStart = performance.now();
  const t0 = performance.now();
  let failed = 0;
  await pool(n, concurrency, async () => {
    try {
      const ws = await openSocket(port, 0);
      // closing handshake: our close frame, the server's, then both ends of the TCP connection
      await new Promise((resolve) => {
        ws.onclose = resolve;
        if (ws.closed) resolve();
        else ws.close();
      });
    } catch {
      failed++;
    }
  });
  const wall = performance.now() - t0;
  return { n, failed, perSec: (n / wall) * 1000, ms: wall, cpu: cpuReport() };
}

// ---- HTTP long-polling ------------------------------------------------------------------------------------------

// Each session has two keep-alive connections: one for its long-poll GETs, one for its POSTs (one request in flight
// on each, as engine.io allows per session).
const http = (conn, method, query, body) => conn.request(method, `/socket.io/?EIO=4&transport=polling${query}`, body);

/** `n` polling-only sessions, each doing sequential emit-with-ack for `durationMs`. */
async function polling({ port, n, durationMs }) {
  // handshakes first (not timed)
  const sessions = [];
  await pool(n, 10, async () => {
    const get = new HttpConnection(port);
    const post = new HttpConnection(port);
    const open = await http(get, "GET", "");
    const sid = JSON.parse(open.slice(1)).sid;
    const s = { sid, q: `&sid=${sid}`, get, post, closed: false };
    await http(post, "POST", s.q, "40");
    // the CONNECT ack
    let got = "";
    while (!got.includes("40")) got = await http(get, "GET", s.q);
    sessions.push(s);
  });
  const rtts = [];
  let errors = 0;
  const deadline = performance.now() + durationMs;
  cpuStart = process.cpuUsage();
  wallStart = performance.now();
  const t0 = performance.now();
  await Promise.all(
    sessions.map(async (s) => {
      let id = 0;
      // one long-poll GET at a time, re-issued until the session is done
      let waiter;
      const wake = () => {
        const w = waiter;
        waiter = undefined;
        w?.();
      };
      const inbox = [];
      const poller = (async () => {
        while (!s.closed) {
          let body;
          try {
            body = await http(s.get, "GET", s.q);
          } catch {
            if (!s.closed) errors++;
            s.closed = true;
            break;
          }
          for (const p of body.split("\x1e")) {
            // (a pong queues behind an echo POST in flight: engine.io rejects overlapping POSTs)
            if (p === "2") void http(s.post, "POST", s.q, "3").catch(() => errors++);
            else if (p.startsWith("43")) inbox.push(p);
          }
          wake();
        }
        wake();
      })();
      const waitFor = async (want) => {
        for (;;) {
          const i = inbox.findIndex((p) => p.startsWith(want));
          if (i >= 0) {
            inbox.splice(i, 1);
            return true;
          }
          if (s.closed) return false;
          await new Promise((r) => (waiter = r));
        }
      };
      while (performance.now() < deadline && !s.closed) {
        id++;
        const sentAt = performance.now();
        await http(s.post, "POST", s.q, `42${id}["echo",${id}]`);
        if (await waitFor(`43${id}[`)) rtts.push(performance.now() - sentAt);
      }
      // close the session: the pending GET ends with a NOOP/close
      s.closed = true;
      await http(s.post, "POST", s.q, "1").catch(() => {});
      await Promise.race([poller, new Promise((r) => setTimeout(r, 2000))]);
      s.get.close();
      s.post.close();
    }),
  );
  const wall = performance.now() - t0;
  const cpu = cpuReport();
  const sorted = Float64Array.from(rtts).sort();
  return { acks: sorted.length, perSec: (sorted.length / wall) * 1000, p50: percentile(sorted, 50), p99: percentile(sorted, 99), errors, cpu };
}

async function closeAll() {
  for (const ws of sockets) ws.terminate();
  sockets.length = 0;
  return {};
}

const ops = { connect, arm: armOp, collect, acks, handshakes, polling, close: closeAll, exit: () => (setTimeout(() => process.exit(0), 10), {}) };

process.on("message", (msg) => {
  Promise.resolve()
    .then(() => ops[msg.op](msg))
    .then(
      (result) => process.send({ id: msg.id, result }),
      (err) => process.send({ id: msg.id, error: String(err?.stack ?? err) }),
    );
});
process.on("disconnect", () => process.exit(0));
process.send({ ready: true });
