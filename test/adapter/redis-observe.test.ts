/**
 * Observable, quiet failure of roomcast/redis, on real redis-server processes stopped and restarted by PID: one
 * "drop" event per episode whose count is what the other instance did not receive, the adapter's figures
 * (`adapter.clusterStats()`, `io.stats().cluster`), and error reports de-duplicated per connection and outage.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { setTimeout as delay } from "node:timers/promises";
import { createClient } from "redis";
import { io as ioc, type Socket as ClientSocket } from "socket.io-client";
import { createAdapter, type RedisAdapterOptions } from "../../server/adapter/redis/index.js";
import type { ClusterAdapter } from "../../server/adapter/cluster-adapter.js";
import type { DropReport } from "../../server/adapter/cluster-metrics.js";
import { RedisProcess } from "../helpers/redis.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { next, until } from "../helpers/events.js";
import type { Server } from "../../server/index.js";
import { clusterReady } from "./conformance.js";

interface Pair extends AsyncDisposable {
  a: TestServer<Server>;
  b: TestServer<Server>;
  adapterA: ClusterAdapter;
  adapterB: ClusterAdapter;
  drops: DropReport[];
  errors: Error[];
}

let keys = 0;
async function pair(redis: RedisProcess, opts: RedisAdapterOptions = {}): Promise<Pair> {
  const key = `o${process.pid}-${keys++}`;
  const make = () => startServer({ adapter: createAdapter(createClient({ url: redis.url }), undefined, { key, ...opts }) });
  const [a, b] = await Promise.all([make(), make()]);
  const adapterA = a.io.sockets.adapter as ClusterAdapter;
  const adapterB = b.io.sockets.adapter as ClusterAdapter;
  const drops: DropReport[] = [];
  const errors: Error[] = [];
  adapterA.on("drop", (d: DropReport) => drops.push(d));
  for (const adapter of [adapterA, adapterB]) adapter.on("error", (err: Error) => errors.push(err));
  const close = async () => void (await Promise.all([a.close(), b.close()]));
  await clusterReady([a, b]).catch(async (err: unknown) => {
    await close();
    throw err;
  });
  return { a, b, adapterA, adapterB, drops, errors, [Symbol.asyncDispose]: close };
}

async function client(srv: TestServer<Server>): Promise<ClientSocket> {
  const c = ioc(srv.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
  await next(c, "connect");
  return c;
}

/** Broadcasts "tick" (i) from `io` every `ms`; emits "sent" after each, so a test can await a condition. */
function stream(io: Server, ms: number): EventEmitter & { sent: number; stop(): void } {
  const ticker = Object.assign(new EventEmitter(), { sent: 0, stop: () => clearInterval(timer) });
  const timer = setInterval(() => {
    io.emit("tick", ticker.sent++);
    ticker.emit("sent");
  }, ms);
  return ticker;
}

/** The indices in [0, total) missing from `got`, as [first, last] runs. */
function gaps(got: number[], total: number): Array<[number, number]> {
  const seen = new Set(got);
  const runs: Array<[number, number]> = [];
  for (let i = 0; i < total; i++) {
    if (seen.has(i)) continue;
    const last = runs[runs.length - 1];
    if (last !== undefined && last[1] === i - 1) last[1] = i;
    else runs.push([i, i]);
  }
  return runs;
}

describe("roomcast/redis: observable, quiet failure", { timeout: 30_000 }, () => {
  it("a 2 s outage past maxBufferMs under 100 broadcasts/s: one 'drop' event, sent = received + dropped", async (t) => {
    await using redis = await RedisProcess.start();
    await using p = await pair(redis, { maxBufferMs: 400 });
    const remote = await client(p.b);
    const got: number[] = [];
    remote.on("tick", (i: number) => got.push(i));
    const ticks = stream(p.a.io, 10);
    try {
      await until(remote, "tick", () => got.length >= 20, 5000);
      await redis.stop();
      const stoppedAt = Date.now();
      await until(ticks, "sent", () => p.adapterA.clusterStats().drops.current !== null, 5000, "a drop episode running");
      const live = p.adapterA.clusterStats();
      assert.equal(live.broker.ready, false);
      assert.equal(live.broker.outages, 1);
      assert.equal(p.drops.length, 0, "no event while the episode runs");
      await delay(Math.max(0, 2000 - (Date.now() - stoppedAt))); // the outage being measured
      await redis.restart();
      await until(p.adapterA, "drop", () => p.drops.length > 0, 5000);
      const report = p.drops[0];
      await until(remote, "tick", () => got.length >= 20 && got[got.length - 1]! >= ticks.sent - 1, 5000); // flowing again
      ticks.stop();
      const sent = ticks.sent;
      await until(remote, "tick", () => got.length + report!.count >= sent, 5000, "every message received or dropped");
      const stats = p.adapterA.clusterStats();
      t.diagnostic(
        `sent ${sent}, received ${got.length}, dropped ${report!.count} (${report!.bytes} B, ${report!.until - report!.since} ms episode); ` +
          `${p.drops.length} "drop" event(s); outage ${stats.broker.lastOutageMs} ms; ${p.errors.length} error reports`,
      );
      assert.equal(p.drops.length, 1, "exactly one event for the episode");
      assert.equal(sent, got.length + report!.count, "sent = received + dropped");
      assert.ok(report!.count > 0);
      assert.deepEqual(report!.reasons, { age: report!.count, size: 0 });
      assert.equal(report!.reason, "age");
      assert.equal(report!.ongoing, false);
      assert.ok(report!.since >= stoppedAt && report!.until > report!.since);
      const runs = gaps(got, sent);
      assert.equal(runs.length, 1, `one run of lost messages: ${JSON.stringify(runs)}`);
      assert.equal(runs[0]![1] - runs[0]![0] + 1, report!.count);
      assert.deepEqual(got, [...got].sort((x, y) => x - y), "in order");
      assert.deepEqual(stats.drops, { count: report!.count, bytes: report!.bytes, episodes: 1, current: null });
      assert.equal(stats.broker.ready, true);
      assert.equal(stats.broker.outages, 1);
      assert.ok(stats.broker.lastOutageMs! >= 1500, `outage ${stats.broker.lastOutageMs} ms`);
      assert.equal(p.adapterB.clusterStats().received, got.length, "the remote adapter counted what its client got");
    } finally {
      ticks.stop();
      remote.close();
    }
  });

  it("a long episode gets an interim event at most once per dropReportIntervalMs; the counts add up", async (t) => {
    await using redis = await RedisProcess.start();
    await using p = await pair(redis, { maxBufferMs: 200, dropReportIntervalMs: 800 });
    const remote = await client(p.b);
    const got: number[] = [];
    remote.on("tick", (i: number) => got.push(i));
    const ticks = stream(p.a.io, 10);
    try {
      await until(remote, "tick", () => got.length >= 20, 5000);
      await redis.stop();
      await until(p.adapterA, "drop", () => p.drops.length >= 2, 5000); // two interim events while Redis is away
      await redis.restart();
      await until(p.adapterA, "drop", () => p.drops.some((d) => !d.ongoing), 5000);
      ticks.stop();
      const sent = ticks.sent;
      const dropped = p.drops.reduce((n, d) => n + d.count, 0);
      await until(remote, "tick", () => got.length + dropped >= sent, 5000, "every message received or dropped");
      t.diagnostic(`${p.drops.length} events: ${p.drops.map((d) => `${d.count}${d.ongoing ? "…" : "."}`).join(" ")}; sent ${sent}, received ${got.length}`);
      assert.equal(sent, got.length + dropped, "the counts add up to what was lost");
      assert.deepEqual(p.drops.map((d) => d.ongoing), [...p.drops.slice(1).map(() => true), false]);
      for (let i = 1; i < p.drops.length; i++) {
        assert.equal(p.drops[i]!.since >= p.drops[i - 1]!.until - 1, true, "spans do not overlap");
      }
      for (const d of p.drops.slice(0, -1)) assert.ok(d.until - d.since >= 800, `interim span ${d.until - d.since} ms`);
      assert.equal(p.adapterA.clusterStats().drops.episodes, 1);
      assert.equal(p.adapterA.clusterStats().drops.count, dropped);
    } finally {
      ticks.stop();
      remote.close();
    }
  });

  it("when the broker never comes back, the episode ends (with its event) when the adapter closes", async () => {
    await using redis = await RedisProcess.start();
    const p = await pair(redis, { maxBufferMs: 200 });
    const ticks = stream(p.a.io, 10);
    try {
      await redis.stop();
      await until(ticks, "sent", () => (p.adapterA.clusterStats().drops.current?.count ?? 0) >= 10, 5000, "10 drops");
      ticks.stop();
      const live = p.adapterA.clusterStats().drops;
      assert.equal(p.drops.length, 0);
      await p.a.close();
      assert.equal(p.drops.length, 1);
      assert.equal(p.drops[0]!.count, live.count);
      assert.equal(p.drops[0]!.ongoing, false);
    } finally {
      ticks.stop();
      await p[Symbol.asyncDispose]();
    }
  });

  it("a message larger than maxBufferBytes while Redis is up: one 'drop' event (size), the rest flows", async () => {
    await using redis = await RedisProcess.start();
    await using p = await pair(redis, { maxBufferBytes: 1024 });
    const remote = await client(p.b);
    const got: string[] = [];
    remote.on("m", (text: string) => got.push(text));
    p.a.io.emit("m", "x".repeat(2000));
    p.a.io.emit("m", "small");
    await until(p.adapterA, "drop", () => p.drops.length === 1, 5000);
    await until(remote, "m", () => got.length === 1, 5000);
    assert.deepEqual(got, ["small"]);
    const [report] = p.drops;
    assert.deepEqual([report?.count, report?.reason, report?.reasons, report?.ongoing], [1, "size", { age: 0, size: 1 }, false]);
    assert.ok(report!.bytes > 2000);
    assert.deepEqual(p.adapterA.clusterStats().drops, { count: 1, bytes: report!.bytes, episodes: 1, current: null });
    remote.close();
  });

  it("clusterStats() and io.stats().cluster: peers, messages sent and received, request latencies, outages", async () => {
    await using redis = await RedisProcess.start();
    await using p = await pair(redis);
    const remote = await client(p.b);
    const before = { a: p.adapterA.clusterStats(), b: p.adapterB.clusterStats() };
    assert.deepEqual(before.a.peers, { count: 1, ids: [before.b.uid] });
    assert.deepEqual(before.a.requests, { count: 0, failed: 0, p50Ms: null, p99Ms: null });
    assert.equal(before.a.broker.ready, true);
    assert.equal(before.a.broker.outages, 0);
    let got = 0;
    remote.on("n", () => got++);
    for (let i = 0; i < 50; i++) p.a.io.emit("n", i);
    await until(remote, "n", () => got === 50, 5000);
    assert.equal(p.adapterA.clusterStats().sent - before.a.sent, 50);
    assert.equal(p.adapterB.clusterStats().received - before.b.received, 50);
    for (let i = 0; i < 5; i++) assert.equal((await p.a.io.fetchSockets()).length, 1);
    await p.a.io.timeout(2000).serverSideEmitWithAck("ping").catch(() => undefined); // no handler on b: times out
    const after = p.adapterA.clusterStats();
    assert.equal(after.requests.count, 6);
    assert.equal(after.requests.failed, 1);
    assert.ok(after.requests.p50Ms! > 0 && after.requests.p50Ms! < 1000, `p50 ${after.requests.p50Ms}`);
    assert.ok(after.requests.p99Ms! >= 2000, `p99 ${after.requests.p99Ms} (the timeout)`);
    assert.deepEqual(after.outbox, { messages: 0, bytes: 0 });
    assert.deepEqual(p.a.io.stats().cluster["/"]?.peers, after.peers);
    assert.deepEqual(Object.keys(p.a.io.stats().cluster), ["/"]);
    // an outage: counted once, with its duration
    await redis.stop();
    await until(p.adapterA, "error", () => !p.adapterA.clusterStats().broker.ready, 5000);
    await redis.restart();
    p.a.io.emit("n", 50); // waits in the outbox until Redis is back
    await until(remote, "n", () => got === 51, 5000);
    const broker = p.adapterA.clusterStats().broker;
    assert.equal(broker.ready, true);
    assert.equal(broker.outages, 1);
    assert.equal(broker.downSince, null);
    assert.ok(broker.lastOutageMs! > 0, `${broker.lastOutageMs} ms`);
    remote.close();
  });
});

describe("roomcast/redis: error reports", { timeout: 30_000 }, () => {
  it("at most one per connection per outage, the user's connected client included", async (t) => {
    await using redis = await RedisProcess.start();
    const user = createClient({ url: redis.url }); // the app's own client, connected, with node-redis's reconnect strategy
    const errors: unknown[] = [];
    user.on("error", (err: unknown) => errors.push(err));
    await user.connect();
    const reports: string[] = [];
    const key = `o${process.pid}-${keys++}`;
    const adapter = createAdapter(user, undefined, { key });
    await using a = await startServer({ adapter, onError: (_err, context) => reports.push(context) });
    await using b = await startServer({ adapter: createAdapter(createClient({ url: redis.url }), undefined, { key }) });
    const remote = await client(b);
    let got = 0;
    remote.on("n", () => got++);
    await clusterReady([a, b]);
    const counts = () => {
      const byContext: Record<string, number> = {};
      for (const context of reports) byContext[context] = (byContext[context] ?? 0) + 1;
      return byContext;
    };
    const outage = async (ms: number, n: number) => {
      await redis.stop();
      await delay(ms); // the outage being measured
      await redis.restart();
      await until(user, "ready", () => user.isReady, 10_000);
      a.io.emit("n"); // waits for Redis in the outbox
      await until(remote, "n", () => got === n, 10_000);
    };
    try {
      await outage(2000, 1);
      const first = counts();
      await outage(500, 2);
      const second = counts();
      t.diagnostic(`after a 2 s outage: ${JSON.stringify(first)}; after another 0.5 s: ${JSON.stringify(second)}; the user's own listener saw ${errors.length} errors`);
      const userClient = Object.keys(first).find((c) => c.endsWith("redis client"));
      assert.ok(userClient !== undefined, `the user's client reported: ${JSON.stringify(first)}`);
      for (const [context, n] of Object.entries(first)) assert.ok(n <= 1, `${context}: ${n} reports in one outage`);
      for (const [context, n] of Object.entries(second)) assert.ok(n <= 2, `${context}: ${n} reports in two outages`);
      assert.equal(second[userClient], 2, "reported again after its reconnection");
      assert.ok(errors.length > 2, "node-redis itself emitted more errors than were reported");
    } finally {
      remote.close();
      user.destroy();
    }
  });
});

describe("io.stats() without a cluster adapter", () => {
  it("has an empty cluster record", async () => {
    await using srv = await startServer();
    assert.deepEqual(srv.io.stats().cluster, {});
  });
});
