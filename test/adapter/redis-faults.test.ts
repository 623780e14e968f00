/**
 * Fault tests of roomcast/redis on real redis-server processes (stopped and restarted by PID) and a real instance
 * killed with SIGKILL in a child process. Figures are printed (t.diagnostic) as well as asserted.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { fileURLToPath } from "node:url";
import { setTimeout as delay } from "node:timers/promises";
import { createClient } from "redis";
import { io as ioc, type Socket as ClientSocket } from "socket.io-client";
import { createAdapter, type RedisAdapterOptions } from "../../server/adapter/redis/index.js";
import type { ClusterAdapter } from "../../server/adapter/cluster-adapter.js";
import { MalformedMessageError } from "../../server/adapter/cluster-message.js";
import { RedisProcess } from "../helpers/redis.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { next, until } from "../helpers/events.js";
import type { Server } from "../../server/index.js";
import { clusterReady } from "./conformance.js";

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
process.on("unhandledRejection", onUnhandled);

let redis: RedisProcess;
before(async () => {
  redis = await RedisProcess.start();
});
after(async () => {
  process.off("unhandledRejection", onUnhandled);
  await redis.stop();
});

let keys = 0;
interface Cluster {
  key: string;
  servers: Array<TestServer<Server>>;
  errors: Error[];
  drops: Array<{ count: number }>;
  close(): Promise<void>;
}

async function cluster(n: number, extra: RedisAdapterOptions = {}): Promise<Cluster> {
  const key = `f${process.pid}-${keys++}`;
  const errors: Error[] = [];
  const drops: Array<{ count: number }> = [];
  const servers = await Promise.all(
    Array.from({ length: n }, () =>
      startServer({ adapter: createAdapter(createClient({ url: redis.url }), undefined, { key, ...extra }) }),
    ),
  );
  for (const srv of servers) {
    const adapter = srv.io.sockets.adapter as ClusterAdapter;
    adapter.on("error", (err: Error) => errors.push(err));
    adapter.on("drop", (d: { count: number }) => drops.push(d));
  }
  const close = async () => void (await Promise.all(servers.map((s) => s.close())));
  await clusterReady(servers).catch(async (err: unknown) => {
    await close();
    throw err;
  });
  return { key, servers, errors, drops, close };
}

async function client(srv: TestServer<Server>): Promise<ClientSocket> {
  const c = ioc(srv.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
  await next(c, "connect");
  return c;
}

describe("roomcast/redis under faults", { timeout: 30_000 }, () => {
  it("Redis stopped for 2 s under 200 broadcasts/s: nothing lost, local latency unaffected, quick resume", async (t) => {
    const c = await cluster(2);
    const [a, b] = c.servers as [TestServer<Server>, TestServer<Server>];
    const local = await client(a);
    const remote = await client(b);
    const remoteGot: number[] = [];
    const remoteAt = new Map<number, number>();
    remote.on("tick", (i: number) => {
      remoteGot.push(i);
      remoteAt.set(i, Date.now());
    });
    let localCount = 0;
    const worst = { before: 0, outage: 0, after: 0 };
    let phase: keyof typeof worst = "before";
    local.on("tick", (_i: number, sentAt: number) => {
      localCount++;
      worst[phase] = Math.max(worst[phase], Date.now() - sentAt);
    });
    let sent = 0;
    const timer = setInterval(() => a.io.emit("tick", sent++, Date.now()), 5);
    try {
      await until(remote, "tick", () => remoteGot.length >= 40, 5000);
      phase = "outage";
      await redis.stop();
      const stoppedAt = sent;
      await delay(2000); // the outage being measured
      const beforeReturn = sent;
      await redis.restart();
      phase = "after";
      const backAt = Date.now();
      await until(remote, "tick", () => remoteGot.length >= beforeReturn, 5000);
      const caughtUp = Math.max(...[...Array(beforeReturn).keys()].map((i) => remoteAt.get(i) ?? Infinity)) - backAt;
      const resumed = remoteGot.length;
      await until(remote, "tick", () => remoteGot.length >= resumed + 40, 5000); // steady flow again after the catch-up
      clearInterval(timer);
      const total = sent;
      await until(remote, "tick", () => remoteGot.length >= total, 5000);
      await until(local, "tick", () => localCount >= total, 5000);
      t.diagnostic(
        `sent ${total} (${beforeReturn - stoppedAt} during the outage); remote got ${remoteGot.length}; ` +
          `local worst latency ${worst.before} ms before, ${worst.outage} ms during, ${worst.after} ms after the outage; remote caught up ${caughtUp} ms after Redis returned; ` +
          `${c.errors.length} adapter errors reported`,
      );
      assert.deepEqual(remoteGot, [...Array(total).keys()], "every broadcast once, in order");
      assert.ok(worst.outage < 250, `local worst latency during the outage ${worst.outage} ms`);
      assert.ok(caughtUp < 1000, `caught up ${caughtUp} ms after Redis returned`);
      assert.ok(c.errors.length > 0, "the outage was reported on the adapter's error event");
      assert.deepEqual(c.drops, []);
      assert.deepEqual(unhandled, []);
    } finally {
      clearInterval(timer);
      local.close();
      remote.close();
      await c.close();
    }
  });

  it("beyond the outage bound, the oldest messages are dropped with a 'drop' event; memory stays bounded", async (t) => {
    const c = await cluster(2, { maxBufferMs: 300, maxBufferBytes: 64 * 1024 });
    const [a, b] = c.servers as [TestServer<Server>, TestServer<Server>];
    const remote = await client(b);
    const got: number[] = [];
    remote.on("tick", (i: number) => got.push(i));
    const hub = (a.io.sockets.adapter as ClusterAdapter).hub;
    let sent = 0;
    let maxBuffered = 0;
    const ticks = new EventEmitter();
    const timer = setInterval(() => {
      a.io.emit("tick", sent++, "x".repeat(1000));
      maxBuffered = Math.max(maxBuffered, hub.buffered.bytes);
      ticks.emit("sent");
    }, 2);
    try {
      await redis.stop();
      // the "drop" event comes at the end of the episode: meanwhile its live totals are in clusterStats()
      const adapter = a.io.sockets.adapter as ClusterAdapter;
      await until(ticks, "sent", () => (adapter.clusterStats().drops.current?.count ?? 0) > 0, 5000, "drops counted while Redis is down");
      assert.equal(c.drops.length, 0, "no event while the episode runs");
      await redis.restart();
      const after = sent;
      await until(remote, "tick", () => got.some((i) => i >= after), 5000);
      await until(adapter, "drop", () => c.drops.length > 0, 5000);
      const dropped = c.drops.reduce((n, d) => n + d.count, 0);
      t.diagnostic(`dropped ${dropped}; most buffered ${maxBuffered} bytes; delivery resumed`);
      assert.ok(dropped > 0);
      assert.equal(c.drops.length, 1, "one event for the episode");
      assert.ok(maxBuffered <= 64 * 1024 + 2048, `buffered ${maxBuffered}`);
      assert.deepEqual(got, [...got].sort((x, y) => x - y), "still in order");
      assert.deepEqual(unhandled, []);
    } finally {
      clearInterval(timer);
      remote.close();
      await c.close();
    }
  });

  it("an instance started while Redis is down joins the cluster once Redis is up, without crashing", async () => {
    const down = await RedisProcess.start();
    await down.stop();
    const servers: Array<TestServer<Server>> = [];
    const errors: Error[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const adapter = createAdapter(createClient({ url: down.url }), undefined, { key: "late" });
        servers.push(await startServer({ adapter, onError: (err) => errors.push(err) }));
      }
      await down.restart();
      await clusterReady(servers);
      assert.equal(await servers[1]!.io.sockets.adapter.serverCount(), 2);
      assert.ok(errors.length > 0, "connection errors went to onError (no 'error' listener on the adapter)");
      assert.deepEqual(unhandled, []);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
      await down.stop();
    }
  });

  it("an instance killed with SIGKILL: fetchSockets completes once its liveness lease lapses, not after the timeout", async (t) => {
    const key = `f${process.pid}-${keys++}`;
    const hb = { heartbeatInterval: 200, heartbeatTimeout: 600, requestsTimeout: 5000 };
    const fixture = fileURLToPath(new URL("./fixtures/instance.js", import.meta.url));
    const child = spawn(process.execPath, [fixture, redis.url, key, "200", "600"], { stdio: ["ignore", "pipe", "inherit"] });
    const servers: Array<TestServer<Server>> = [];
    const clients: ClientSocket[] = [];
    try {
      const [line] = (await next<[Buffer]>(child.stdout!, "data", 10_000)).map(String);
      const port = (JSON.parse(line!) as { port: number }).port;
      for (let i = 0; i < 2; i++) {
        servers.push(await startServer({ adapter: createAdapter(createClient({ url: redis.url }), undefined, { key, ...hb }) }));
      }
      const adapters = servers.map((s) => s.io.sockets.adapter as ClusterAdapter);
      for (const adapter of adapters) await until(adapter, "peer:up", () => adapter.peers.length === 2, 5000);
      for (const url of [`http://127.0.0.1:${port}`, servers[0]!.url, servers[1]!.url]) {
        const c = ioc(url, { forceNew: true, reconnection: false, transports: ["websocket"] });
        clients.push(c);
        await next(c, "connect");
      }
      assert.equal((await servers[0]!.io.fetchSockets()).length, 3);
      const exited = next(child, "exit");
      child.kill("SIGKILL");
      await exited;
      const started = Date.now();
      const sockets = await servers[0]!.io.fetchSockets();
      const elapsed = Date.now() - started;
      t.diagnostic(`fetchSockets after SIGKILL completed in ${elapsed} ms (requestsTimeout 5000, heartbeatTimeout 600)`);
      assert.deepEqual(sockets.map((s) => s.id).sort(), [clients[1]!.id, clients[2]!.id].sort());
      assert.ok(elapsed < 2000, `${elapsed} ms`);
      assert.equal(await adapters[0]!.serverCount(), 2);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      for (const c of clients) c.close();
      await Promise.all(servers.map((s) => s.close()));
    }
  });

  it("garbage on the adapter's stream is reported and dropped; the cluster keeps working", async () => {
    const c = await cluster(2);
    const [a, b] = c.servers as [TestServer<Server>, TestServer<Server>];
    const remote = await client(b);
    await b.io.sockets.sockets.get(remote.id!)!.join("room");
    const raw = createClient({ url: redis.url });
    raw.on("error", () => undefined);
    await raw.connect();
    try {
      const stream = `${c.key}:stream`;
      await raw.sendCommand(["XADD", stream, "*", "m", "not json"]);
      await raw.sendCommand(["XADD", stream, "*", "other", "field"]);
      await raw.sendCommand(["XADD", stream, "*", "m", '{"v":2,"u":"x","s":1,"n":"/","t":2,"data":[7],"opts":{}}']);
      await raw.sendCommand(["XADD", stream, "*", "m", "\u0000\u00ff".repeat(100)]);
      await until(b.io.sockets.adapter, "error", () => c.errors.filter((e) => e instanceof MalformedMessageError).length >= 4, 5000);
      const got = next<[number]>(remote, "still");
      a.io.to("room").emit("still", 1);
      assert.deepEqual(await got, [1]);
      const all = next(remote, "all");
      a.io.emit("all");
      await all;
      assert.deepEqual(unhandled, []);
    } finally {
      remote.close();
      raw.destroy();
      await c.close();
    }
  });
});
