/**
 * The adapter's response channel: a SUBSCRIBE refused at start (here by Redis ACLs, as a failing cluster node would)
 * is reported once and retried until it succeeds; the instance then joins the cluster. Real redis-server only.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { createAdapter } from "../../server/adapter/redis/index.js";
import type { ClusterAdapter } from "../../server/adapter/cluster-adapter.js";
import { RedisProcess } from "../helpers/redis.js";
import { startServer } from "../helpers/server.js";
import { until } from "../helpers/events.js";
import { clusterReady } from "./conformance.js";

it("a refused SUBSCRIBE is reported once and retried: the instance joins the cluster once it is allowed", { timeout: 30_000 }, async () => {
  await using redis = await RedisProcess.start();
  const admin = createClient({ url: redis.url });
  admin.on("error", () => undefined);
  await admin.connect();
  try {
    // a user that may do everything but subscribe (yet)
    await admin.sendCommand(["ACL", "SETUSER", "app", "on", ">pw", "~*", "&*", "+@all", "-subscribe"]);
    const url = `redis://app:pw@127.0.0.1:${redis.port}`;
    const key = `retry${process.pid}`;
    await using a = await startServer({ adapter: createAdapter(createClient({ url }), undefined, { key }) });
    await using b = await startServer({ adapter: createAdapter(createClient({ url }), undefined, { key }) });
    const adapters = [a, b].map((s) => s.io.sockets.adapter as ClusterAdapter);
    const errors: Error[] = [];
    const failed = adapters.map((adapter) => {
      adapter.on("error", (err: Error) => errors.push(err));
      return until(adapter, "error", () => true, 5000);
    });
    await Promise.all(failed);
    assert.equal(adapters[0]!.peers.length, 0, "not ready: no peer met without a response channel");
    // wait for a few retries: still one error per instance
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(errors.length, 2, errors.map((e) => e.message).join("\n"));
    assert.ok(errors.every((e) => /NOPERM|permission/i.test(e.message)), errors.map((e) => e.message).join("\n"));
    await admin.sendCommand(["ACL", "SETUSER", "app", "+subscribe"]);
    await clusterReady([a, b]);
    assert.deepEqual(adapters[0]!.peers, [adapters[1]!.hub.uid]);
    assert.equal(await adapters[0]!.serverCount(), 2);
  } finally {
    admin.destroy();
  }
});
