/** The bounded outbox (pure): order, confirmation, rewind after a failure, and both bounds. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Outbox } from "../../server/adapter/outbox.js";

const opts = { maxAgeMs: 1000, maxBytes: 100 };

function takeAll<T>(box: Outbox<T>, now = 0) {
  const out = [];
  for (let e = box.take(now); e !== undefined; e = box.take(now)) out.push(e);
  return out;
}

describe("outbox", () => {
  it("hands entries out in order and forgets them once confirmed", () => {
    const box = new Outbox<string>(opts);
    for (const s of ["a", "b", "c"]) assert.deepEqual(box.push(s, 10, 0), []);
    assert.equal(box.bytes, 30);
    const sent = takeAll(box);
    assert.deepEqual(sent.map((e) => e.item), ["a", "b", "c"]);
    assert.equal(box.inflight, 3);
    assert.equal(box.hasWaiting, false);
    for (const e of sent) box.confirm(e);
    assert.equal(box.length, 0);
    assert.equal(box.bytes, 0);
    assert.equal(box.inflight, 0);
  });

  it("a failure puts every unconfirmed entry back, oldest first; confirmed ones are not resent", () => {
    const box = new Outbox<string>(opts);
    for (const s of ["a", "b", "c", "d"]) box.push(s, 1, 0);
    const [a, b, c, d] = takeAll(box);
    box.confirm(a!);
    box.confirm(c!); // out of order (another lane): stays confirmed
    const gen = b!.gen;
    box.fail(b!, gen);
    box.fail(d!, gen); // the rest of the same batch failing: already waiting again
    assert.equal(box.inflight, 0);
    const staleGen = b!.gen - 1;
    const again = takeAll(box);
    assert.deepEqual(again.map((e) => e.item), ["b", "d"]);
    box.fail(b!, staleGen); // the first send of b failing late: ignored
    assert.equal(box.inflight, 2);
    for (const e of again) box.confirm(e);
    assert.equal(box.length, 0);
    assert.equal(box.bytes, 0);
  });

  it("drops entries older than maxAgeMs, in flight or waiting, and reports them", () => {
    const box = new Outbox<number>(opts);
    box.push(1, 5, 0);
    box.push(2, 5, 500);
    const [first] = takeAll(box);
    box.fail(first!);
    const dropped = box.expire(1200);
    assert.deepEqual(dropped, [{ items: [1], bytes: 5, reason: "age" }]);
    assert.deepEqual(takeAll(box).map((e) => e.item), [2]);
    box.confirm(first!); // confirmation of a dropped entry: no effect
    assert.equal(box.bytes, 5);
    assert.deepEqual(box.expire(1600).map((d) => d.items), [[2]]);
    assert.equal(box.length, 0);
    assert.equal(box.inflight, 0);
  });

  it("an entry sent just before its expiry is not dropped until the transport had maxAgeMs to answer", () => {
    const box = new Outbox<number>(opts);
    box.push(1, 5, 0);
    box.push(2, 5, 0);
    const [first] = takeAll(box, 900);
    assert.equal(first?.item, 1);
    assert.deepEqual(box.expire(1200), [], "both in flight since 900: their fate is the broker's");
    box.confirm(first!); // it arrived: not counted as dropped
    assert.deepEqual(box.expire(1900), []);
    assert.deepEqual(box.expire(1901).map((d) => [d.items, d.reason]), [[[2], "age"]], "no answer for maxAgeMs: dropped");
    assert.equal(box.length, 0);
  });

  it("never holds more than maxBytes: the oldest go first", () => {
    const box = new Outbox<number>(opts);
    const dropped: number[] = [];
    for (let i = 0; i < 50; i++) {
      for (const d of box.push(i, 30, i)) {
        assert.equal(d.reason, "size");
        dropped.push(...d.items);
      }
      assert.ok(box.bytes <= opts.maxBytes);
    }
    assert.deepEqual(dropped, Array.from({ length: 47 }, (_, i) => i));
    assert.deepEqual(takeAll(box).map((e) => e.item), [47, 48, 49]);
    assert.deepEqual(box.push(99, 1000, 60)[0]?.items.includes(99), true, "an entry larger than the bound is dropped");
  });

  it("keeps its array compact under a long stream", () => {
    const box = new Outbox<number>({ maxAgeMs: 10, maxBytes: 1e9 });
    for (let i = 0; i < 10_000; i++) {
      box.push(i, 1, i);
      const e = box.take(i)!;
      if (i % 7 === 0) box.fail(e);
      else box.confirm(e);
    }
    assert.ok(box.length < 20);
  });
});
