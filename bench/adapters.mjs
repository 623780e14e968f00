// `npm run bench:adapters`: roomcast/redis vs @socket.io/redis-adapter vs @socket.io/redis-streams-adapter, measured
// the same way: real redis-server processes (test/helpers/redis.ts), every server instance in its own child process
// (bench/adapter-instance.mjs), official socket.io-client clients here. Prints a markdown table (README's and
// docs/scaling-redis.md's adapter comparison) and writes bench/results/adapters.{json,md}.
//
//   node bench/adapters.mjs [--only outage,kill,recovery,fetch] [--impls roomcast,redis-adapter] [--outage-runs 3]
//                           [--no-save]
//
// (a) outage: Redis stopped 2 s while instance A broadcasts 200 msg/s; lost per remote client (on B), worst local
//     latency (client on A) during the outage, resume (Redis back → first broadcast reaching the remote client).
//     Without connectionStateRecovery (with it, socket.io's ClusterAdapter awaits the publish before local delivery).
//     Run --outage-runs times (3): the official adapters' figures vary from run to run.
// (b) kill: B SIGKILLed; fetchSockets and serverSideEmitWithAck on A started 0.2 s and 10.2 s after: time to settle,
//     and whether A's own socket is in the fetchSockets answer.
// (c) recovery: 2 clients of B lose their connection (B keeps their sessions), B is SIGKILLed, the clients reconnect
//     to A with their session (connectionStateRecovery): how many are recovered with both packets they missed (one
//     broadcast before the kill, one after).
// (d) connect: time for those clients' connect to A right after the kill, and a fresh client's.
// (e) fetch: io.fetchSockets() p50/p99 on A, 1000 sockets on B (bench/server.mjs, bench/load.mjs).
//
// Bounded: each scenario has its own deadline; the whole run takes ~2 min on 2 cores. Not part of `npm test`.
import { fork } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { io as ioc } from "socket.io-client";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]?.split(",").filter(Boolean) : undefined;
};
const ONLY = flag("only");
const IMPLS = flag("impls") ?? ["roomcast", "redis-adapter", "streams-adapter"];
const SAVE = !args.includes("--no-save");
// the official adapters' outage figures vary a lot from run to run (a crash, or node-redis's offline queue keeping
// what was published while away): the outage runs several times and the table gives every run
const OUTAGE_RUNS = Number(flag("outage-runs")?.[0] ?? 3);
const LABEL = { roomcast: "roomcast/redis", "redis-adapter": "`@socket.io/redis-adapter`", "streams-adapter": "`@socket.io/redis-streams-adapter`" };

const { RedisProcess } = await import("../dist/test/helpers/redis.js");

// ---- child processes ----------------------------------------------------------------------------------------------

const children = new Set();

function child(script, argv) {
  const proc = fork(join(here, script), argv, { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  children.add(proc);
  let seq = 0;
  const pending = new Map();
  const ready = new Promise((resolve, reject) => {
    proc.once("exit", (code, signal) => reject(new Error(`${script} exited (${code ?? signal})`)));
    proc.on("message", (msg) => {
      if (msg.ready) return resolve(msg);
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.error) p.reject(new Error(msg.error));
      else p.resolve(msg.result);
    });
  });
  proc.on("exit", () => {
    children.delete(proc);
    for (const p of pending.values()) p.reject(new Error(`${script} exited`));
    pending.clear();
  });
  const call = (op, params = {}, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const id = ++seq;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${op}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, { resolve: (v) => (clearTimeout(timer), resolve(v)), reject: (e) => (clearTimeout(timer), reject(e)) });
      proc.send({ id, op, ...params });
    });
  const stop = async (signal = "SIGTERM") => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  };
  return { proc, ready, call, stop };
}

let keys = 0;
async function instance(impl, redis, { recovery = false, key } = {}) {
  const c = child("adapter-instance.mjs", [impl, redis.url, key, ...(recovery ? ["recovery"] : [])]);
  const info = await c.ready;
  return { ...c, url: `http://127.0.0.1:${info.port}` };
}

const clients = new Set();
function connect(url, opts = {}) {
  const client = ioc(url, { forceNew: true, reconnection: false, transports: ["websocket"], ...opts });
  clients.add(client);
  return client;
}

function connected(client, timeoutMs = 15_000) {
  if (client.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("connect timed out")), timeoutMs);
    client.once("connect", () => (clearTimeout(timer), resolve()));
    client.once("connect_error", (err) => (clearTimeout(timer), reject(err)));
  });
}

async function waitFor(predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(10);
  }
}

async function cleanup(...procs) {
  for (const c of clients) c.close();
  clients.clear();
  await Promise.all(procs.map((p) => p?.stop()));
}

// ---- scenarios ----------------------------------------------------------------------------------------------------

async function outage(impl, redis) {
  const key = `o${keys++}`;
  const a = await instance(impl, redis, { key });
  const b = await instance(impl, redis, { key });
  try {
    await a.call("server-count", { n: 2 });
    await b.call("server-count", { n: 2 });
    const local = connect(a.url);
    const remote = connect(b.url);
    await Promise.all([connected(local), connected(remote)]);
    const got = new Set();
    let lastRemoteAt = 0;
    remote.on("tick", (i) => {
      got.add(i);
      lastRemoteAt = Date.now();
    });
    let phase = "before";
    const worst = { before: 0, outage: 0, after: 0 };
    local.on("tick", (_i, at) => (worst[phase] = Math.max(worst[phase], Date.now() - at)));
    await a.call("tick-start", { rate: 200 });
    await waitFor(() => got.size >= 40, 5000, "remote ticks before the outage");
    phase = "outage";
    await redis.stop();
    await sleep(2000);
    await redis.restart();
    const backAt = Date.now();
    phase = "after";
    const seenBefore = got.size;
    let resumeMs;
    try {
      await waitFor(() => got.size > seenBefore, 8000, "remote ticks after the outage");
      resumeMs = lastRemoteAt - backAt;
    } catch {
      resumeMs = undefined; // never resumed within 8 s
    }
    await sleep(1000);
    const { sent } = await a.call("tick-stop");
    await sleep(1500); // drain
    const health = await Promise.all([a.call("health").catch(() => undefined), b.call("health").catch(() => undefined)]);
    const crashed = health.some((h) => h === undefined || h.crashes.unhandledRejection + h.crashes.uncaughtException > 0);
    const missing = [];
    for (let i = 0; i < sent && missing.length < 10; i++) if (!got.has(i)) missing.push(i);
    return { sent, lost: sent - got.size, missing, worstLocalMs: worst.outage, resumeMs, crashed, unhandled: health.map((h) => h?.crashes) };
  } finally {
    await cleanup(a, b);
    if (!redis.running) await redis.restart();
  }
}

async function kill(impl, redis) {
  const key = `k${keys++}`;
  const a = await instance(impl, redis, { key });
  const b = await instance(impl, redis, { key });
  try {
    await a.call("server-count", { n: 2 });
    await b.call("server-count", { n: 2 });
    const own = connect(a.url);
    const theirs = connect(b.url);
    await Promise.all([connected(own), connected(theirs)]);
    const killedAt = Date.now();
    await b.stop("SIGKILL");
    const probe = async (atMs) => {
      await sleep(Math.max(0, killedAt + atMs - Date.now()));
      const [fetch, ask] = await Promise.all([a.call("fetch", {}, 30_000), a.call("ask", {}, 30_000)]);
      return {
        fetchMs: fetch.ms,
        fetchError: fetch.error,
        ownSocketInAnswer: fetch.ids?.includes(own.id) === true,
        askMs: ask.ms,
        askError: ask.error,
      };
    };
    const early = await probe(200);
    const late = await probe(10_200);
    return { early, late };
  } finally {
    await cleanup(a, b);
  }
}

async function recovery(impl, redis) {
  const key = `r${keys++}`;
  const a = await instance(impl, redis, { key, recovery: true });
  const b = await instance(impl, redis, { key, recovery: true });
  try {
    await a.call("server-count", { n: 2 });
    await b.call("server-count", { n: 2 });
    const held = [connect(b.url, { auth: { room: "news" } }), connect(b.url, { auth: { room: "news" } })];
    await Promise.all(held.map((c) => connected(c)));
    const first = held.map((c) => new Promise((r) => c.once("n", r)));
    await a.call("emit", { room: "news", event: "n", args: [1] });
    await Promise.race([Promise.all(first), sleep(3000)]);
    const sessions = held.map((c) => ({ id: c.id, pid: c._pid, offset: c._lastOffset }));
    // the clients lose their connection (recoverable: B keeps their sessions), then B dies
    const gone = held.map((c) => new Promise((r) => c.once("disconnect", r)));
    for (const c of held) c.io.engine.close();
    await Promise.all(gone);
    await sleep(200); // B notices the closes and keeps the sessions
    await a.call("emit", { room: "news", event: "n", args: [2] }); // missed, sent before the kill
    await sleep(100);
    await b.stop("SIGKILL");
    await a.call("emit", { room: "news", event: "n", args: [3] }); // missed, sent after the kill
    await sleep(100);
    const fresh = connect(a.url);
    const t0 = performance.now();
    await connected(fresh);
    const freshConnectMs = performance.now() - t0;
    const back = await Promise.all(
      sessions.map(async (s) => {
        const got = [];
        const client = connect(a.url, { auth: { pid: s.pid, offset: s.offset } });
        client.on("n", (n) => got.push(n));
        const t = performance.now();
        try {
          await connected(client);
        } catch {
          return { connectMs: performance.now() - t, recovered: false, missed: 0 };
        }
        const connectMs = performance.now() - t;
        await sleep(500); // missed packets arrive right after the CONNECT
        const state = await a.call("socket", { sid: client.id });
        const recovered = client.id === s.id && state.recovered && got.includes(2) && got.includes(3);
        return { connectMs, recovered, missed: got.filter((n) => n === 2 || n === 3).length, sameId: client.id === s.id };
      }),
    );
    return { recovered: back.filter((r) => r.recovered).length, of: back.length, connectMs: Math.max(...back.map((r) => r.connectMs)), freshConnectMs, sessions: back };
  } finally {
    await cleanup(a, b);
  }
}

async function fetch(impl, redis) {
  // bench/server.mjs + bench/load.mjs, as `npm run bench`'s fetchSockets scenario
  const [name, variant] = impl === "roomcast" ? ["roomcast"] : impl === "redis-adapter" ? ["socketio"] : ["socketio", "streams"];
  const argv = [name, redis.url, ...(variant ? [variant] : [])];
  const a = child("server.mjs", argv);
  const b = child("server.mjs", argv);
  const load = child("load.mjs", []);
  try {
    await Promise.all([a.ready, b.ready, load.ready]);
    const bInfo = await b.ready;
    await load.call("connect", { port: bInfo.port, n: 1000, concurrency: 50 }, 60_000);
    const r = await a.call("fetch", { n: 200, warm: 50, expected: 1000 }, 60_000);
    return { p50Ms: r.p50, p99Ms: r.p99 };
  } finally {
    await Promise.all([load.stop(), a.stop(), b.stop()]);
  }
}

const SCENARIOS = { outage, kill, recovery, fetch };

// ---- table ----------------------------------------------------------------------------------------------------------

const ms = (v) => (v === undefined ? "–" : v >= 1000 ? `${Math.round(v).toLocaleString("en-US")} ms` : v >= 10 ? `${Math.round(v)} ms` : `${v.toFixed(1)} ms`);
const settle = (t, what) => {
  const m = t?.[`${what}Ms`];
  if (m === undefined) return "–";
  const err = t[`${what}Error`];
  if (!err) return `resolves in ${ms(m)}`;
  return `rejects after ${ms(m)} (${/timed? ?out|timeout/i.test(err) ? "timeout" : err.replace(/\s+/g, " ").slice(0, 40)})`;
};

function rows(results) {
  const r = (impl, scenario) => results[impl]?.[scenario];
  const line = (label, f) => `| ${label} | ${IMPLS.map((impl) => {
    const v = f(impl);
    return v === undefined ? "–" : v;
  }).join(" | ")} |`;
  const failed = (impl, s) => (r(impl, s)?.failed ? `failed: ${r(impl, s).failed}` : undefined);
  /** The outage runs of `impl` that finished, mapped by `f`, summed up by `all` (failed runs are counted apart). */
  const outage = (impl, f, all) => {
    const list = r(impl, "outage");
    if (!list?.length) return undefined;
    const ok = list.filter((o) => !o.failed);
    const failedRuns = list.length - ok.length;
    if (ok.length === 0) return `failed: ${list[0].failed}`;
    return `${all(ok.map(f), ok)}${failedRuns ? ` (${failedRuns} run(s) failed)` : ""}`;
  };
  return [
    `| | ${IMPLS.map((i) => LABEL[i]).join(" | ")} |`,
    `| --- | ${IMPLS.map(() => "---").join(" | ")} |`,
    line(`2 s Redis outage under 200 msg/s: lost per remote client (${OUTAGE_RUNS} runs)`, (i) => outage(i, (o) => `${o.lost}`, (xs, ok) => `${xs.join(" / ")} (of ${Math.min(...ok.map((o) => o.sent))}–${Math.max(...ok.map((o) => o.sent))} sent)`)),
    line("worst local latency during the outage", (i) => outage(i, (o) => o.worstLocalMs, (xs) => ms(Math.max(...xs)))),
    line("resume after Redis returns (min–max)", (i) => outage(i, (o) => o.resumeMs ?? Infinity, (xs) => (xs.every(Number.isFinite) ? `${ms(Math.min(...xs))}–${ms(Math.max(...xs))}` : `not within 8 s in ${xs.filter((x) => !Number.isFinite(x)).length} run(s)`))),
    line("process crash (unhandled rejection) in that outage", (i) => outage(i, (o) => o.crashed, (xs) => (xs.some(Boolean) ? `in ${xs.filter(Boolean).length} of ${xs.length} runs` : "no"))),
    line("`fetchSockets` 0.2 s after an instance's SIGKILL", (i) => failed(i, "kill") ?? (r(i, "kill") && `${settle(r(i, "kill").early, "fetch")}; own sockets ${r(i, "kill").early.ownSocketInAnswer ? "kept" : "lost"}`)),
    line("`serverSideEmitWithAck` 0.2 s after the kill", (i) => r(i, "kill") && !r(i, "kill").failed ? settle(r(i, "kill").early, "ask") : undefined),
    line("`fetchSockets` 10.2 s after the kill", (i) => r(i, "kill") && !r(i, "kill").failed ? `${settle(r(i, "kill").late, "fetch")}; own sockets ${r(i, "kill").late.ownSocketInAnswer ? "kept" : "lost"}` : undefined),
    line("`serverSideEmitWithAck` 10.2 s after the kill", (i) => r(i, "kill") && !r(i, "kill").failed ? settle(r(i, "kill").late, "ask") : undefined),
    line("sessions of the killed instance recovered on the survivor", (i) => failed(i, "recovery") ?? (r(i, "recovery") && `${r(i, "recovery").recovered} of ${r(i, "recovery").of}`)),
    line("connect to the survivor right after the kill (recovering / fresh client)", (i) => r(i, "recovery") && !r(i, "recovery").failed ? `${ms(r(i, "recovery").connectMs)} / ${ms(r(i, "recovery").freshConnectMs)}` : undefined),
    line("`fetchSockets` 1000 remote sockets p50 / p99", (i) => failed(i, "fetch") ?? (r(i, "fetch") && `${ms(r(i, "fetch").p50Ms)} / ${ms(r(i, "fetch").p99Ms)}`)),
  ];
}

// ---- main -------------------------------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const results = {};
  const redis = await RedisProcess.start();
  try {
    for (const scenario of Object.keys(SCENARIOS).filter((s) => !ONLY || ONLY.includes(s))) {
      for (const impl of IMPLS) {
        const runs = [];
        for (let run = 0; run < (scenario === "outage" ? OUTAGE_RUNS : 1); run++) {
          await redis.restart(); // a clean Redis for every run
          const t = Date.now();
          try {
            const deadline = scenario === "kill" ? 45_000 : 40_000;
            const r = await Promise.race([
              SCENARIOS[scenario](impl, redis),
              sleep(deadline).then(() => Promise.reject(new Error(`not done within ${deadline / 1000} s`))),
            ]);
            runs.push(r);
            console.log(`${scenario.padEnd(8)} ${impl.padEnd(15)} ${JSON.stringify(r)} [${((Date.now() - t) / 1000).toFixed(1)} s]`);
          } catch (err) {
            runs.push({ failed: String(err?.message ?? err) });
            console.log(`${scenario.padEnd(8)} ${impl.padEnd(15)} FAILED: ${err?.message ?? err}`);
            for (const c of clients) c.close();
            clients.clear();
          }
        }
        (results[impl] ??= {})[scenario] = scenario === "outage" ? runs : runs[0];
      }
    }
  } finally {
    await redis.stop();
    for (const proc of children) proc.kill("SIGKILL");
  }
  const table = rows(results).join("\n");
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, Node ${process.version}; ${new Date().toISOString()}; ${((Date.now() - started) / 1000).toFixed(0)} s`;
  console.log(`\n${table}\n\n${machine}`);
  if (SAVE) {
    const dir = join(here, "results");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "adapters.json"), JSON.stringify({ date: new Date().toISOString(), machine, impls: IMPLS, results }, null, 2) + "\n");
    writeFileSync(join(dir, "adapters.md"), `${table}\n\n${machine}\n`);
    console.log("saved bench/results/adapters.{json,md}");
  }
}

await main();
