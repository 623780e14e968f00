// `npm run bench`: roomcast vs socket.io 4.8 (+ @socket.io/redis-adapter), same scenarios, interleaved A B A B…
// for ≥ 3 rounds. Prints medians (min–max) and the roomcast/socket.io ratio per figure, saves
// bench/results/latest.json and bench/results/latest.svg.
//
//   node bench/run.mjs [--rounds 5] [--only fanout,acks] [--no-save]
//   node bench/run.mjs --render      re-renders latest.md / latest.svg from latest.json (no measuring)
//
// Every load is bounded in count and time and stays on 127.0.0.1.
import { fork } from "node:child_process";
import { mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const ROUNDS = Math.max(1, Number(flag("rounds", "5"))); // medians of 5: a single figure swings ±8 % on 2 shared cores
const ONLY = flag("only", "")?.split(",").filter(Boolean);
const SAVE = !args.includes("--no-save");
const IMPLS = ["roomcast", "socketio"];
const LABEL = { roomcast: "roomcast", socketio: "socket.io" };

// ---- child processes ------------------------------------------------------------------------------------------

function child(script, argv, execArgv = []) {
  const proc = fork(join(here, script), argv, { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  let seq = 0;
  const pending = new Map();
  let readyInfo;
  const ready = new Promise((resolve, reject) => {
    proc.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
    proc.on("message", (msg) => {
      if (msg.ready) {
        readyInfo = msg;
        resolve(msg);
        return;
      }
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`${script}: ${msg.error}`));
      else p.resolve(msg.result);
    });
  });
  proc.on("exit", () => {
    for (const p of pending.values()) p.reject(new Error(`${script} exited`));
    pending.clear();
  });
  const call = (op, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++seq;
      pending.set(id, { resolve, reject });
      proc.send({ id, op, ...params });
    });
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  };
  return { ready, call, stop, get info() { return readyInfo; } };
}

async function startServer(impl, redisUrl, variant) {
  // BENCH_CPU_PROF=1 writes a V8 CPU profile per server process to bench/results/ (git-ignored)
  const prof = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${join(here, "results")}`, `--cpu-prof-name=${impl}-${Date.now()}.cpuprofile`] : [];
  const argv = redisUrl ? [impl, redisUrl, ...(variant ? [variant] : [])] : [impl];
  const s = child("server.mjs", argv, ["--expose-gc", ...prof]);
  const info = await s.ready;
  return { ...s, port: info.port };
}

async function startLoad() {
  const l = child("load.mjs", []);
  await l.ready;
  return l;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function withProcs(impl, fn, redisUrl) {
  const server = await startServer(impl, redisUrl);
  const load = await startLoad();
  try {
    return await fn(server, load);
  } finally {
    await load.stop();
    await server.stop();
  }
}

/** Warm-up: a few broadcasts until every socket got them (JIT, lazy paths, cluster subscriptions). */
async function warmup(server, load, sockets) {
  for (let attempt = 0; attempt < 10; attempt++) {
    await load.call("arm", { mode: "count", expected: 3 * sockets });
    await server.call("burst", { n: 3 });
    const r = await load.call("collect", { timeoutMs: 2000 });
    if (!r.timedOut) return;
    await sleep(300);
  }
  throw new Error("warm-up broadcasts never reached every socket");
}

// ---- scenarios -------------------------------------------------------------------------------------------------
// Each returns { metrics: { name: value }, cpu: { server, load } } (CPU in % of one core over the measured window).

const scenarios = {
  async memory(impl) {
    return withProcs(impl, async (server, load) => {
      const N = 2000;
      await load.call("connect", { port: server.port, n: 1, concurrency: 1 });
      const before = await server.call("memory");
      await load.call("connect", { port: server.port, n: N, concurrency: 50 });
      const { sockets } = await server.call("count");
      if (sockets !== N + 1) throw new Error(`expected ${N + 1} sockets, server has ${sockets}`);
      const after = await server.call("memory");
      return {
        metrics: {
          heapPerSocket: (after.heapUsed - before.heapUsed) / N,
          rssPerSocket: (after.rss - before.rss) / N,
        },
      };
    });
  },

  async fanout(impl) {
    return withProcs(impl, async (server, load) => {
      const N = 1000;
      const M = 300;
      await load.call("connect", { port: server.port, n: N, concurrency: 50 });
      await warmup(server, load, N);
      await sleep(200);
      await load.call("arm", { mode: "count", expected: N * M });
      await server.call("cpu-start");
      const { t0 } = await server.call("burst", { n: M, size: 100 });
      const r = await load.call("collect", { timeoutMs: 30_000 });
      const serverCpu = await server.call("cpu-stop");
      return {
        metrics: {
          msgsPerSec: (r.received / (r.lastAt - t0)) * 1000,
          p50Ms: r.p50At - t0,
          p99Ms: r.p99At - t0,
        },
        cpu: { server: serverCpu.cpuPct, load: r.cpu.cpuPct },
        note: r.timedOut ? `timed out: ${r.received}/${N * M}` : undefined,
      };
    });
  },

  async paced(impl) {
    return withProcs(impl, async (server, load) => {
      const N = 1000;
      const RATE = 50;
      const COUNT = 150; // 3 s
      await load.call("connect", { port: server.port, n: N, concurrency: 50 });
      await warmup(server, load, N);
      await sleep(200);
      await load.call("arm", { mode: "latency", expected: N * COUNT });
      await server.call("cpu-start");
      const emit = await server.call("paced", { rate: RATE, n: COUNT, size: 100 });
      const r = await load.call("collect", { timeoutMs: 10_000 });
      const serverCpu = await server.call("cpu-stop");
      const g = r.groups[0];
      return {
        metrics: { p50Ms: g.p50, p99Ms: g.p99, emitMs: emit.emitP50Ms },
        cpu: { server: serverCpu.cpuPct, load: r.cpu.cpuPct },
        note: r.timedOut ? `timed out: ${r.received}/${N * COUNT}` : undefined,
      };
    });
  },

  async acks(impl) {
    return withProcs(impl, async (server, load) => {
      await load.call("connect", { port: server.port, n: 100, concurrency: 50 });
      await load.call("acks", { n: 100, durationMs: 1000 }); // warm-up
      await server.call("cpu-start");
      const r = await load.call("acks", { n: 100, durationMs: 10_000 });
      const serverCpu = await server.call("cpu-stop");
      return {
        metrics: { perSec: r.perSec, p50Ms: r.p50, p99Ms: r.p99 },
        cpu: { server: serverCpu.cpuPct, load: r.cpu.cpuPct },
      };
    });
  },

  async handshakes(impl) {
    return withProcs(impl, async (server, load) => {
      await load.call("handshakes", { port: server.port, n: 3000, concurrency: 50 }); // warm-up: both servers reach their steady rate only after ~3,000 (JIT)
      await sleep(200);
      await server.call("cpu-start");
      const r = await load.call("handshakes", { port: server.port, n: 1000, concurrency: 50 });
      const serverCpu = await server.call("cpu-stop");
      return {
        metrics: { perSec: r.perSec },
        cpu: { server: serverCpu.cpuPct, load: r.cpu.cpuPct },
        note: r.failed ? `${r.failed} failed` : undefined,
      };
    });
  },

  async polling(impl) {
    return withProcs(impl, async (server, load) => {
      await load.call("polling", { port: server.port, n: 50, durationMs: 1000 }); // warm-up
      await sleep(200);
      await server.call("cpu-start");
      const r = await load.call("polling", { port: server.port, n: 50, durationMs: 5000 });
      const serverCpu = await server.call("cpu-stop");
      return {
        metrics: { perSec: r.perSec, p50Ms: r.p50, p99Ms: r.p99 },
        cpu: { server: serverCpu.cpuPct, load: r.cpu.cpuPct },
        note: r.errors ? `${r.errors} errors` : undefined,
      };
    });
  },

  async redis(impl, ctx) {
    const redis = await ctx.redis();
    await redis.restart(); // a clean Redis for every run
    const a = await startServer(impl, redis.url);
    const b = await startServer(impl, redis.url);
    const load = await startLoad();
    try {
      const N = 500;
      const M = 300;
      await load.call("connect", { port: a.port, n: N, concurrency: 50, group: 0 });
      await load.call("connect", { port: b.port, n: N, concurrency: 50, group: 1 });
      await sleep(300);
      await warmup(a, load, 2 * N);
      await sleep(200);
      await load.call("arm", { mode: "latency", expected: 2 * N * M });
      await a.call("cpu-start");
      await b.call("cpu-start");
      const { t0 } = await a.call("burst", { n: M, size: 100 });
      const r = await load.call("collect", { timeoutMs: 30_000 });
      const cpuA = await a.call("cpu-stop");
      const cpuB = await b.call("cpu-stop");
      const remote = r.groups[1];
      return {
        metrics: { msgsPerSec: (r.received / (r.lastAt - t0)) * 1000, crossP50Ms: remote.p50, crossP99Ms: remote.p99 },
        cpu: { server: cpuA.cpuPct, serverB: cpuB.cpuPct, load: r.cpu.cpuPct },
        note: r.timedOut ? `timed out: ${r.received}/${2 * N * M}` : undefined,
      };
    } finally {
      await load.stop();
      await a.stop();
      await b.stop();
    }
  },
};

/**
 * `io.fetchSockets()` on one instance, 1000 sockets on the other (two instances, one redis-server): p50/p99 of 300
 * sequential calls. socket.io runs it twice, with @socket.io/redis-adapter (the figure compared) and with
 * @socket.io/redis-streams-adapter (streamsP50Ms / streamsP99Ms, printed and saved, not in the ratio table).
 */
scenarios.fetchSockets = async (impl, ctx) => {
  const redis = await ctx.redis();
  await redis.restart();
  const N = 1000;
  const metrics = {};
  for (const variant of impl === "socketio" ? [undefined, "streams"] : [undefined]) {
    const a = await startServer(impl, redis.url, variant);
    const b = await startServer(impl, redis.url, variant);
    const load = await startLoad();
    try {
      await load.call("connect", { port: b.port, n: N, concurrency: 50 });
      const r = await a.call("fetch", { n: 300, warm: 50, expected: N });
      const prefix = variant === "streams" ? "streams" : "";
      metrics[prefix ? `${prefix}P50Ms` : "p50Ms"] = r.p50;
      metrics[prefix ? `${prefix}P99Ms` : "p99Ms"] = r.p99;
    } finally {
      await load.stop();
      await a.stop();
      await b.stop();
    }
  }
  return { metrics };
};

// Figures, how to read them and the issue's targets (ratio = roomcast / socket.io).
const FIGURES = [
  { key: "memory.heapPerSocket", label: "Idle heap per socket", unit: "B", better: "lower", target: 0.7 },
  { key: "memory.rssPerSocket", label: "Idle RSS per socket", unit: "B", better: "lower" },
  { key: "fanout.msgsPerSec", label: "Fan-out delivered", unit: "msg/s", better: "higher", target: 3 },
  { key: "fanout.p50Ms", label: "Fan-out time to p50 delivery", unit: "ms", better: "lower" },
  { key: "fanout.p99Ms", label: "Fan-out time to p99 delivery", unit: "ms", better: "lower" },
  { key: "paced.p50Ms", label: "Paced fan-out latency p50", unit: "ms", better: "lower" },
  { key: "paced.p99Ms", label: "Paced fan-out latency p99", unit: "ms", better: "lower", target: 0.5 },
  { key: "acks.perSec", label: "Ack round-trips", unit: "acks/s", better: "higher", target: 1.2 },
  { key: "acks.p50Ms", label: "Ack RTT p50", unit: "ms", better: "lower" },
  { key: "acks.p99Ms", label: "Ack RTT p99", unit: "ms", better: "lower" },
  { key: "handshakes.perSec", label: "Handshakes", unit: "conn/s", better: "higher", target: 1.2 },
  { key: "polling.perSec", label: "Long-polling acks", unit: "acks/s", better: "higher", target: 1.2 },
  { key: "polling.p99Ms", label: "Long-polling ack RTT p99", unit: "ms", better: "lower" },
  { key: "redis.msgsPerSec", label: "Redis 2×500 delivered", unit: "msg/s", better: "higher", target: 1.5 },
  { key: "redis.crossP50Ms", label: "Redis cross-instance p50", unit: "ms", better: "lower" },
  { key: "redis.crossP99Ms", label: "Redis cross-instance p99", unit: "ms", better: "lower" },
  { key: "fetchSockets.p50Ms", label: "fetchSockets 1000 remote p50", unit: "ms", better: "lower", target: 1 },
  { key: "fetchSockets.p99Ms", label: "fetchSockets 1000 remote p99", unit: "ms", better: "lower" },
  // the same roomcast figure against socket.io + @socket.io/redis-streams-adapter (the faster official adapter here)
  { key: "fetchSockets.p50Ms", theirs: "streamsP50Ms", label: "fetchSockets p50 vs streams adapter", unit: "ms", better: "lower", target: 1 },
  { key: "bundle.gzipBytes", label: "Client bundle min+gzip", unit: "B", better: "lower", target: 0.9 },
];

// ---- client bundle ----------------------------------------------------------------------------------------------

async function bundleSizes() {
  // The artefacts `npm run size` compares (scripts/size.mjs): the socket.io.min.js roomcast serves (esbuild IIFE
  // setting the global `io`, engine.io-client trimmed to polling + websocket) vs socket.io-client built with the same
  // bundler and flags into the same global (its default transports, WebTransport included).
  const { measureShipped } = await import("../scripts/size.mjs");
  const { ours, theirs } = await measureShipped();
  return {
    roomcast: { minBytes: ours.min, gzipBytes: ours.gzip },
    socketio: { minBytes: theirs.min, gzipBytes: theirs.gzip },
  };
}

// ---- statistics and output --------------------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function fmt(v, unit) {
  if (v === undefined || Number.isNaN(v)) return "–";
  if (unit === "B") return v >= 10_000 ? `${(v / 1000).toFixed(1)} kB` : `${Math.round(v)} B`;
  if (unit === "ms") return v < 10 ? `${v.toFixed(2)} ms` : `${v.toFixed(1)} ms`;
  return v >= 10_000 ? `${(v / 1000).toFixed(1)}k ${unit}` : `${Math.round(v)} ${unit}`;
}

function summarize(runs) {
  const rows = [];
  for (const fig of FIGURES) {
    const [scenario, metric] = fig.key.split(".");
    const per = {};
    for (const impl of IMPLS) {
      const name = impl === "socketio" && fig.theirs ? fig.theirs : metric;
      const values = (runs[scenario]?.[impl] ?? []).map((r) => r.metrics?.[name]).filter((v) => typeof v === "number" && Number.isFinite(v));
      if (values.length) per[impl] = { median: median(values), min: Math.min(...values), max: Math.max(...values), values };
    }
    if (!per.roomcast || !per.socketio) continue;
    const ratio = per.roomcast.median / per.socketio.median;
    const advantage = fig.better === "higher" ? ratio : 1 / ratio;
    const met = fig.target === undefined ? undefined : fig.better === "higher" ? ratio >= fig.target : ratio <= fig.target;
    rows.push({ ...fig, roomcast: per.roomcast, socketio: per.socketio, ratio, advantage, met });
  }
  return rows;
}

function cpuSummary(runs) {
  const out = {};
  for (const [scenario, byImpl] of Object.entries(runs)) {
    for (const impl of IMPLS) {
      const rs = (byImpl[impl] ?? []).filter((r) => r.cpu);
      if (!rs.length) continue;
      out[scenario] ??= {};
      out[scenario][impl] = { server: median(rs.map((r) => r.cpu.server)), load: median(rs.map((r) => r.cpu.load)) };
      if (rs[0].cpu.serverB !== undefined) out[scenario][impl].serverB = median(rs.map((r) => r.cpu.serverB));
    }
  }
  return out;
}

function table(rows) {
  const head = ["Figure", "roomcast median (min–max)", "socket.io median (min–max)", "ratio", "target"];
  const lines = rows.map((r) => [
    r.label,
    `${fmt(r.roomcast.median, r.unit)} (${fmt(r.roomcast.min, r.unit)}–${fmt(r.roomcast.max, r.unit)})`,
    `${fmt(r.socketio.median, r.unit)} (${fmt(r.socketio.min, r.unit)}–${fmt(r.socketio.max, r.unit)})`,
    `${r.ratio.toFixed(2)}×`,
    r.target === undefined ? "" : `${r.better === "higher" ? "≥" : "≤"} ${r.target}× ${r.met ? "✓" : "✗"}`,
  ]);
  return { head, lines };
}

function markdown({ head, lines }) {
  return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...lines.map((l) => `| ${l.join(" | ")} |`)].join("\n");
}

function plain({ head, lines }) {
  const all = [head, ...lines];
  const widths = head.map((_, i) => Math.max(...all.map((l) => [...l[i]].length)));
  return all.map((l) => l.map((c, i) => c + " ".repeat(widths[i] - [...c].length)).join("  ")).join("\n");
}

const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** Horizontal bars: how many times better roomcast is than socket.io per figure (1 = equal), log scale. */
function svg(rows, machine) {
  const W = 860;
  const rowH = 26;
  const left = 250;
  const right = 90;
  const top = 56;
  const H = top + rows.length * rowH + 40;
  const maxAdv = Math.max(4, ...rows.map((r) => r.advantage));
  const minAdv = Math.min(0.5, ...rows.map((r) => r.advantage));
  const lo = Math.log(minAdv);
  const hi = Math.log(maxAdv);
  const x = (v) => left + ((Math.log(v) - lo) / (hi - lo)) * (W - left - right);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="600">roomcast vs socket.io 4.8 — times better (log scale; &gt; 1 = roomcast better)</text>`,
    `<text x="10" y="38" fill="#555">${esc(machine)}</text>`,
  ];
  for (const tick of [0.25, 0.5, 1, 2, 3, 5, 10, 20, 50].filter((t) => t >= minAdv && t <= maxAdv)) {
    parts.push(`<line x1="${x(tick)}" y1="${top - 6}" x2="${x(tick)}" y2="${H - 30}" stroke="${tick === 1 ? "#000" : "#ddd"}"/>`);
    parts.push(`<text x="${x(tick)}" y="${H - 16}" text-anchor="middle" fill="#555">${tick}×</text>`);
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const x1 = x(1);
    const x2 = x(r.advantage);
    const color = r.met === false ? "#d9534f" : r.advantage >= 1 ? "#2e7d32" : "#e69500";
    parts.push(`<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(r.label)}</text>`);
    parts.push(`<rect x="${Math.min(x1, x2)}" y="${y + 4}" width="${Math.max(1, Math.abs(x2 - x1))}" height="${rowH - 10}" fill="${color}"/>`);
    if (r.target !== undefined) {
      const tAdv = r.better === "higher" ? r.target : 1 / r.target;
      parts.push(`<line x1="${x(tAdv)}" y1="${y + 1}" x2="${x(tAdv)}" y2="${y + rowH - 3}" stroke="#000" stroke-width="2" stroke-dasharray="3,2"/>`);
    }
    parts.push(`<text x="${Math.max(x1, x2) + 6}" y="${y + 15}">${r.advantage.toFixed(2)}×</text>`);
  });
  parts.push(`<text x="${W - 10}" y="${H - 4}" text-anchor="end" fill="#777">dashed mark = issue target</text>`);
  parts.push("</svg>");
  return parts.join("\n");
}

function machine() {
  let model = cpus()[0]?.model ?? "unknown CPU";
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m) model = m[1].trim();
  } catch {
    // not Linux
  }
  return { nproc: cpus().length, cpu: model, memGB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform} ${process.arch}` };
}

// ---- main --------------------------------------------------------------------------------------------------------

/** Rebuilds the table and chart from a saved latest.json (after a change to the figures or the chart). */
function render() {
  const dir = join(here, "results");
  const saved = JSON.parse(readFileSync(join(dir, "latest.json"), "utf8"));
  const rows = summarize(saved.runs);
  const m = saved.machine;
  const lb = saved.loadavg.before.map((v) => v.toFixed(2)).join(" ");
  const machineLine = `${m.nproc} × ${m.cpu}, ${m.memGB} GB, Node ${m.node}, ${m.platform}; ${saved.rounds} rounds; load avg before ${lb}`;
  const t = table(rows);
  saved.figures = rows.map(({ key, label, unit, better, target, ratio, met, roomcast, socketio }) => ({ key, label, unit, better, target, ratio, met, roomcast, socketio }));
  writeFileSync(join(dir, "latest.json"), JSON.stringify(saved, null, 2) + "\n");
  writeFileSync(join(dir, "latest.svg"), svg(rows, machineLine) + "\n");
  writeFileSync(join(dir, "latest.md"), `${markdown(t)}\n\n${machineLine}\n`);
  console.log(`${plain(t)}\n\n${machineLine}`);
}

async function main() {
  if (args.includes("--render")) return render();
  const names = Object.keys(scenarios).filter((n) => !ONLY?.length || ONLY.includes(n));
  const runs = {};
  let redis;
  const ctx = {
    async redis() {
      if (!redis) {
        const { RedisProcess } = await import("../dist/test/helpers/redis.js");
        redis = await RedisProcess.start();
      }
      return redis;
    },
  };
  const started = Date.now();
  const loadBefore = loadavg();
  const errors = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const name of names) {
        for (const impl of IMPLS) {
          const t = Date.now();
          try {
            const r = await scenarios[name](impl, ctx);
            (runs[name] ??= {})[impl] ??= [];
            runs[name][impl].push(r);
            const ms = Object.entries(r.metrics).map(([k, v]) => `${k}=${v.toFixed(v < 100 ? 2 : 0)}`).join(" ");
            const cpu = r.cpu ? ` cpu server ${r.cpu.server.toFixed(0)}% load ${r.cpu.load.toFixed(0)}%` : "";
            console.log(`[round ${round}] ${name.padEnd(10)} ${LABEL[impl].padEnd(9)} ${ms}${cpu}${r.note ? ` (${r.note})` : ""} [${((Date.now() - t) / 1000).toFixed(1)} s]`);
          } catch (err) {
            errors.push(`${name}/${impl} round ${round}: ${err.message}`);
            console.log(`[round ${round}] ${name.padEnd(10)} ${LABEL[impl].padEnd(9)} FAILED: ${err.message}`);
          }
        }
      }
    }
  } finally {
    await redis?.stop();
  }
  if (!ONLY?.length || ONLY.includes("bundle")) {
    try {
      const b = await bundleSizes();
      runs.bundle = { roomcast: [{ metrics: b.roomcast }], socketio: [{ metrics: b.socketio }] };
      console.log(`bundle     roomcast ${b.roomcast.gzipBytes} B gzip (${b.roomcast.minBytes} min), socket.io-client ${b.socketio.gzipBytes} B gzip (${b.socketio.minBytes} min)`);
    } catch (err) {
      errors.push(`bundle: ${err.message}`);
      console.log(`bundle FAILED: ${err.message}`);
    }
  }
  const rows = summarize(runs);
  const cpu = cpuSummary(runs);
  const m = machine();
  const loadAfter = loadavg();
  const t = table(rows);
  console.log(`\n${plain(t)}\n`);
  console.log("CPU (% of one core, medians; server | load generator):");
  for (const [scenario, byImpl] of Object.entries(cpu)) {
    console.log(`  ${scenario.padEnd(10)} ${IMPLS.map((i) => `${LABEL[i]} ${byImpl[i]?.server.toFixed(0)}%${byImpl[i]?.serverB !== undefined ? `+${byImpl[i].serverB.toFixed(0)}%` : ""} | ${byImpl[i]?.load.toFixed(0)}%`).join("   ")}`);
  }
  const machineLine = `${m.nproc} × ${m.cpu}, ${m.memGB} GB, Node ${m.node}, ${m.platform}; ${ROUNDS} rounds; load avg before ${loadBefore.map((v) => v.toFixed(2)).join(" ")}`;
  console.log(`\n${machineLine}; ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (errors.length) console.log(`\nErrors:\n  ${errors.join("\n  ")}`);
  if (SAVE) {
    const dir = join(here, "results");
    mkdirSync(dir, { recursive: true });
    const result = {
      date: new Date().toISOString(),
      machine: m,
      rounds: ROUNDS,
      loadavg: { before: loadBefore, after: loadAfter },
      durationSec: (Date.now() - started) / 1000,
      figures: rows.map(({ key, label, unit, better, target, ratio, met, roomcast, socketio }) => ({ key, label, unit, better, target, ratio, met, roomcast, socketio })),
      cpu,
      errors,
      runs,
    };
    writeFileSync(join(dir, "latest.json"), JSON.stringify(result, null, 2) + "\n");
    writeFileSync(join(dir, "latest.svg"), svg(rows, machineLine) + "\n");
    writeFileSync(join(dir, "latest.md"), `${markdown(t)}\n\n${machineLine}\n`);
    console.log(`saved bench/results/latest.{json,svg,md}`);
  }
  if (errors.length) process.exitCode = 1;
}

await main();
