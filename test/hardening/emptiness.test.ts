/**
 * The soak's emptiness check, short: 100 sockets churn for ~3 s (connect, join, broadcast, acks both ways,
 * clean and abrupt disconnects, WebSocket and polling), then every internal table is empty (io.stats()).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { until } from "../helpers/events.js";
import { startServer } from "../helpers/server.js";
import { churn, closeTicker, installChurnApp, leftovers } from "./churn.js";

describe("emptiness after churn", { timeout: 60_000 }, () => {
  it("100 sockets for 3 s: adapter rooms/sids, namespace sockets, acks, engine clients, rate-limit buckets, address counts all empty", async () => {
    const srv = await startServer({
      eventRateLimit: { burst: 50, perSecond: 100 },
      maxConnectionsPerAddress: 1000,
    });
    try {
      installChurnApp(srv.io);
      const ticker = closeTicker(srv.io);
      let peak = 0;
      srv.io.on("connection", () => {
        peak = Math.max(peak, srv.io.stats().sockets);
      });
      const counts = await churn(srv.url, { sockets: 100, durationMs: 3000 });
      assert.ok(counts.connections >= 100, `connections: ${counts.connections}`);
      assert.ok(counts.acks >= 100 && counts.messages > 0 && counts.pings > 0, JSON.stringify(counts));
      assert.equal(counts.errors, 0, JSON.stringify(counts));
      // many sockets were connected at once (the exact peak depends on timing: 46–100 seen)
      assert.ok(peak >= 20, `peak sockets ${peak}`);
      await until(ticker, "tick", () => Object.keys(leftovers(srv.io.stats())).length === 0, 15_000).catch(() => undefined);
      assert.deepEqual(leftovers(srv.io.stats()), {}, JSON.stringify(srv.io.stats()));
    } finally {
      await srv.close();
    }
  });

  it("with connection state recovery, clean disconnects leave no session behind", async () => {
    await using srv = await startServer({ connectionStateRecovery: { maxDisconnectionDuration: 60_000, maxPackets: 500 } });
    installChurnApp(srv.io);
    const ticker = closeTicker(srv.io);
    const counts = await churn(srv.url, { sockets: 50, durationMs: 1500, abrupt: 0 });
    assert.equal(counts.errors, 0, JSON.stringify(counts));
    await until(ticker, "tick", () => Object.keys(leftovers(srv.io.stats())).length === 0, 15_000).catch(() => undefined);
    const stats = srv.io.stats();
    assert.deepEqual(leftovers(stats), {}, JSON.stringify(stats));
    assert.ok(stats.recoveryPackets <= 500, "the replay log stays within maxPackets");
  });
});
