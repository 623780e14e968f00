/**
 * roomcast/redis on a real Redis Cluster (test/helpers/redis-cluster.ts: 3 masters, 1 replica each, real
 * redis-server processes) through node-redis `createCluster`: the adapter conformance suite, then a master SIGKILLed
 * under a steady broadcast. Figures are printed (t.diagnostic) as well as asserted.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createCluster } from "redis";
import { io as ioc, type Socket as ClientSocket } from "socket.io-client";
import { createAdapter, type RedisAdapterOptions } from "../../server/adapter/redis/index.js";
import type { ClusterAdapter } from "../../server/adapter/cluster-adapter.js";
import type { Server, ServerOptions } from "../../server/index.js";
import { RedisCluster } from "../helpers/redis-cluster.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { next, until } from "../helpers/events.js";
import { adapterConformanceSuite, clusterReady, type TestCluster } from "./conformance.js";

/**
 * Most messages a master's SIGKILL may lose (docs/scaling-redis.md, "Redis Cluster"): what it acknowledged in its last
 * event-loop turn but had sent neither to its replica nor to the blocked readers. At 100 messages/s, one or two.
 */
const LOSS_BOUND = 2;

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
process.on("unhandledRejection", onUnhandled);

let redis: RedisCluster;
before(async () => {
  redis = await RedisCluster.start({ masters: 3, replicasPerMaster: 1 });
});
after(async () => {
  process.off("unhandledRejection", onUnhandled);
  await redis[Symbol.asyncDispose]();
});

let keys = 0;
/** `n` instances on the cluster, each with its adapter's errors collected. */
async function instances(n: number, opts: Partial<ServerOptions> = {}, key = `c${process.pid}-${keys++}`, extra: RedisAdapterOptions = {}) {
  const errors: Error[] = [];
  const servers = await Promise.all(
    Array.from({ length: n }, () =>
      startServer({ ...opts, adapter: createAdapter(createCluster({ rootNodes: redis.rootNodes }), undefined, { key, heartbeatInterval: 1000, ...extra }) }),
    ),
  );
  for (const srv of servers) (srv.io.sockets.adapter as ClusterAdapter).on("error", (err: Error) => errors.push(err));
  return { key, servers, errors, close: async () => void (await Promise.all(servers.map((s) => s.close()))) };
}

adapterConformanceSuite("redis cluster (3 instances, 3 masters + replicas)", async (opts): Promise<TestCluster> => {
  const { servers, close } = await instances(3, opts);
  return { servers, ready: (nsp = "/") => clusterReady(servers, nsp), close };
});

async function client(srv: TestServer<Server>): Promise<ClientSocket> {
  const c = ioc(srv.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
  await next(c, "connect");
  return c;
}

describe("roomcast/redis on a Redis Cluster under faults", { timeout: 60_000 }, () => {
  it("the master of the stream's slot SIGKILLed under 100 broadcasts/s: nothing crashes, everything sent after the failover arrives, losses within the bound; then the leases' master: broadcasts do not even pause", async (t) => {
    // a key whose stream and leases are on two different masters
    let key = "";
    for (let i = 0; key === ""; i++) {
      const k = `c${process.pid}-f${i}`;
      if ((await redis.masterIndexOf(`${k}:stream`)) !== (await redis.masterIndexOf(`{${k}}:alive:x`))) key = k;
    }
    const c = await instances(2, {}, key);
    const peerDowns: string[] = [];
    for (const srv of c.servers) (srv.io.sockets.adapter as ClusterAdapter).on("peer:down", (uid: string) => peerDowns.push(uid));
    const [a, b] = c.servers as [TestServer<Server>, TestServer<Server>];
    try {
      await clusterReady(c.servers);
      const remote = await client(b);
      const got: number[] = [];
      let last = Date.now();
      let gap = 0; // longest time between two deliveries, measured in the leases' failover
      remote.on("tick", (i: number) => {
        got.push(i);
        gap = Math.max(gap, Date.now() - last);
        last = Date.now();
      });
      let sent = 0;
      const timer = setInterval(() => a.io.emit("tick", sent++), 10);
      try {
        await until(remote, "tick", () => got.length >= 50, 5000);
        const master = await redis.masterIndexOf(`${c.key}:stream`);
        const killedAt = Date.now();
        const sentBeforeKill = sent;
        await redis.killMaster(master);
        await redis.waitForFailover();
        const failoverMs = Date.now() - killedAt;
        const afterFailover = sent; // everything from here on must arrive
        await until(remote, "tick", () => got.includes(afterFailover + 100), 10_000);
        const streamPeerDowns = peerDowns.length;
        // phase 2: the leases' master; the stream's master stays: broadcasts go on without a pause
        const leaseMaster = await redis.masterIndexOf(`{${c.key}}:alive:x`);
        await redis.killMaster(leaseMaster);
        gap = 0;
        last = Date.now();
        const leaseKilledAt = Date.now();
        await redis.waitForFailover();
        const leaseFailoverMs = Date.now() - leaseKilledAt;
        const leaseGap = gap;
        clearInterval(timer);
        const total = sent;
        await until(remote, "tick", () => got.includes(total - 1), 5000);
        const seen = new Set(got);
        const missing = [...Array(total).keys()].filter((i) => !seen.has(i));
        t.diagnostic(
          `sent ${total} (${sentBeforeKill} before the kill, ${afterFailover - sentBeforeKill} during the ${failoverMs} ms failover); ` +
            `remote got ${got.length}, ${seen.size} distinct; missing ${JSON.stringify(missing)}; ${c.errors.length} adapter errors reported; ` +
            `peer:down ${streamPeerDowns} in the stream's failover, ${peerDowns.length - streamPeerDowns} in the leases' (${leaseFailoverMs} ms, longest pause between deliveries ${leaseGap} ms)`,
        );
        assert.equal(got.length, seen.size, "no broadcast delivered twice");
        assert.deepEqual(
          missing.filter((i) => i >= afterFailover),
          [],
          "every broadcast sent after the failover arrives",
        );
        assert.ok(missing.length <= LOSS_BOUND, `${missing.length} lost (bound ${LOSS_BOUND})`);
        assert.deepEqual(got, [...got].sort((x, y) => x - y), "in order");
        assert.ok(c.errors.length > 0 && c.errors.length <= 16, `each failover reported once per connection, not per message (${c.errors.length})`);
        assert.ok(leaseGap < 1000, `broadcasts paused ${leaseGap} ms while the leases' master failed over (${leaseFailoverMs} ms)`);
        assert.deepEqual(unhandled, []);
        // both instances still serve: a broadcast from B reaches a client on A
        const local = await client(a);
        const back = next(local, "back");
        b.io.emit("back");
        await back;
        local.close();
      } finally {
        clearInterval(timer);
        remote.close();
      }
    } finally {
      await c.close();
    }
  });
});
