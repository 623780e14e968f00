/**
 * `npm run soak [-- --duration <s>] [-- --sockets <n>]`: 1 000 sockets (two load processes) churn against one server
 * process for 3 minutes by default, on loopback. Then, once every client is gone and recovery sessions expired:
 * every internal table is empty and the heap is back at its baseline (after global.gc()). Prints the figures;
 * exits 1 when a check fails. Not part of `npm test`. Child processes are tracked by PID and always ended.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ServerStats } from "../../../server/index.js";
import { leftovers, type ChurnCounts } from "../churn.js";

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i === -1 ? NaN : Number(process.argv[i + 1]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const durationMs = arg("duration", 180) * 1000;
const sockets = Math.min(arg("sockets", 1000), 5000);
const HEAP_BOUND = 8 * 1024 * 1024; // final heap may exceed the baseline by at most this much
const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
const children = new Set<ChildProcess>();
const mb = (b: number): string => (b / 1048576).toFixed(1) + " MB";

function request<T>(child: ChildProcess, msg: object, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${key} from the server`)), 30_000);
    const on = (m: Record<string, unknown>): void => {
      if (!(key in m)) return;
      clearTimeout(timer);
      child.off("message", on);
      resolve(m as T);
    };
    child.on("message", on);
    if (Object.keys(msg).length > 0) child.send(msg);
  });
}

function load(url: string, n: number, ms: number): Promise<ChurnCounts> {
  const child = fork(here("./load.js"), [url, String(n), String(ms)], { stdio: ["ignore", "pipe", "inherit", "ipc"] });
  children.add(child);
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => {
      children.delete(child);
      if (code === 0) resolve(JSON.parse(out.trim()) as ChurnCounts);
      else reject(new Error(`load process ${child.pid} exited with ${code}`));
    });
  });
}

const add = (a: ChurnCounts, b: ChurnCounts): ChurnCounts => ({
  connections: a.connections + b.connections,
  messages: a.messages + b.messages,
  acks: a.acks + b.acks,
  pings: a.pings + b.pings,
  errors: a.errors + b.errors,
  errorSamples: [...(a.errorSamples ?? []), ...(b.errorSamples ?? [])],
});

type Stats = { stats: ServerStats; peakHeap: number; peakSockets: number };

async function drained(server: ChildProcess, deadlineMs: number): Promise<Stats> {
  // a script, not a test: sample the server every 250 ms until its tables are empty (or the deadline)
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const s = await request<Stats>(server, { cmd: "stats" }, "stats");
    if (Object.keys(leftovers(s.stats)).length === 0 || Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(): Promise<number> {
  const server = fork(here("./server.js"), [], { execArgv: ["--expose-gc"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  children.add(server);
  server.once("exit", () => children.delete(server));
  const { port } = await request<{ port: number }>(server, {}, "port");
  const url = `http://127.0.0.1:${port}`;
  console.log(`soak: server pid ${server.pid} on ${url}; ${sockets} sockets for ${durationMs / 1000} s`);

  // warm-up (JIT, lazily built tables), then the baseline
  await load(url, Math.min(200, sockets), 5000);
  await drained(server, 10_000);
  const { heapUsed: baseline } = await request<{ heapUsed: number }>(server, { cmd: "heap" }, "heapUsed");

  const started = Date.now();
  const half = Math.ceil(sockets / 2);
  const counts = (await Promise.all([load(url, half, durationMs), load(url, sockets - half, durationMs)])).reduce(add);
  const seconds = (Date.now() - started) / 1000;
  const end = await drained(server, 30_000); // recovery sessions expire after 2 s, dead sessions after 10 s
  const { heapUsed: final } = await request<{ heapUsed: number }>(server, { cmd: "heap" }, "heapUsed");
  server.send({ cmd: "close" });

  const left = leftovers(end.stats);
  const heapOk = final - baseline <= HEAP_BOUND;
  console.log(
    [
      `connections: ${counts.connections} (${(counts.connections / seconds).toFixed(0)}/s), peak sockets ${end.peakSockets}`,
      `messages received: ${counts.messages}, acks (client→server): ${counts.acks}, acks (server→client): ${counts.pings}, errors: ${counts.errors}${counts.errors > 0 ? " " + JSON.stringify(counts.errorSamples) : ""}`,
      `heap: baseline ${mb(baseline)}, peak ${mb(end.peakHeap)}, final ${mb(final)} (Δ ${mb(final - baseline)}, bound ${mb(HEAP_BOUND)}) ${heapOk ? "ok" : "FAIL"}`,
      `tables after: ${JSON.stringify(end.stats)}`,
      `leftovers: ${Object.keys(left).length === 0 ? "none" : JSON.stringify(left)}`,
    ].join("\n"),
  );
  // errors (connect or ack timeouts when the box is saturated) are reported, not failed: the checks are leaks
  return Object.keys(left).length === 0 && heapOk ? 0 : 1;
}

const bound = setTimeout(() => {
  console.error("soak: overall bound exceeded");
  for (const c of children) c.kill("SIGKILL");
  process.exit(1);
}, durationMs + 120_000);
bound.unref();
main().then(
  (code) => {
    for (const c of children) if (c.exitCode === null) c.kill();
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    for (const c of children) c.kill("SIGKILL");
    process.exitCode = 1;
  },
);
