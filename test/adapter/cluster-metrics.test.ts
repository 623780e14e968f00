/** The pure parts of the cluster adapter's figures: drop episodes, request latency percentiles, broker outages. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BrokerWatch, DropEpisodes, LATENCY_WINDOW, LatencyWindow } from "../../server/adapter/cluster-metrics.js";

describe("DropEpisodes", () => {
  it("many batches, one report at the end of the episode, with the split by reason", () => {
    const d = new DropEpisodes(60_000);
    for (let t = 0; t < 100; t++) assert.equal(d.add(2, 20, t % 10 === 0 ? "size" : "age", 1000 + t * 10), undefined);
    assert.deepEqual(d.current, { count: 200, bytes: 2000, reasons: { age: 180, size: 20 }, since: 1000 });
    const report = d.settle(5000);
    assert.deepEqual(report, { count: 200, bytes: 2000, reason: "age", reasons: { age: 180, size: 20 }, since: 1000, until: 5000, ongoing: false });
    assert.equal(d.current, null);
    assert.deepEqual([d.count, d.bytes, d.episodes], [200, 2000, 1]);
    assert.equal(d.settle(6000), undefined, "no episode, no report");
  });

  it("a long episode: an interim report once per interval, spans that add up", () => {
    const d = new DropEpisodes(1000);
    const reports = [];
    for (let t = 0; t <= 2500; t += 100) {
      const r = d.add(1, 1, "size", t);
      if (r !== undefined) reports.push(r);
    }
    const last = d.settle(3000);
    assert.deepEqual(reports.map((r) => [r.count, r.since, r.until, r.ongoing]), [[11, 0, 1000, true], [11, 1100, 2100, true]]);
    assert.deepEqual([last?.count, last?.since, last?.until, last?.ongoing, last?.reason], [4, 2200, 3000, false, "size"]);
    assert.equal(d.count, 26);
    assert.equal(d.episodes, 1);
  });
});

describe("LatencyWindow", () => {
  it("nearest-rank percentiles over the last LATENCY_WINDOW requests", () => {
    const w = new LatencyWindow();
    assert.equal(w.percentile(0.5), null);
    for (let i = 1; i <= 100; i++) w.add(i, i === 100);
    assert.deepEqual([w.percentile(0.5), w.percentile(0.99), w.count, w.failed], [50, 99, 100, 1]);
    for (let i = 0; i < LATENCY_WINDOW; i++) w.add(7, false); // older values leave the window
    assert.deepEqual([w.percentile(0.5), w.percentile(0.99), w.count], [7, 7, 100 + LATENCY_WINDOW]);
  });
});

describe("BrokerWatch", () => {
  it("counts outages after the first ready, once each, with the last one's duration", () => {
    const b = new BrokerWatch();
    b.down(0); // never up yet: a start while the broker is away is not an outage
    assert.deepEqual(b.stats(false), { ready: false, outages: 0, lastOutageMs: null, downSince: null });
    b.up(10);
    b.down(100);
    b.down(150);
    assert.deepEqual(b.stats(false), { ready: false, outages: 1, lastOutageMs: null, downSince: 100 });
    b.up(400);
    b.up(500);
    assert.deepEqual(b.stats(true), { ready: true, outages: 1, lastOutageMs: 300, downSince: null });
  });
});
