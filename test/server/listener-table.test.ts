/** compactListeners: an EventEmitter keeps behaving the same with its listeners in the fast-mode table. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { compactListeners } from "../../server/engine/listener-table.js";

test("listeners registered before and after compaction fire in order; removal and counts work", () => {
  const e = new EventEmitter();
  const seen: string[] = [];
  const first = (): void => void seen.push("first");
  e.on("x", first);
  compactListeners(e);
  e.on("x", () => seen.push("second"));
  e.once("y", () => seen.push("once"));
  assert.equal(e.emit("x"), true);
  e.emit("y");
  e.emit("y");
  e.off("x", first);
  e.emit("x");
  assert.deepEqual(seen, ["first", "second", "once", "second"]);
  assert.equal(e.listenerCount("x"), 1);
  assert.deepEqual(e.eventNames(), ["x"]);
});

test("Object.prototype member names are ordinary events: nothing is inherited", () => {
  const e = new EventEmitter();
  compactListeners(e);
  for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"]) {
    assert.equal(e.emit(name), false, `${name}: no listener yet`);
    assert.equal(e.listenerCount(name), 0);
    let hits = 0;
    e.on(name, () => hits++);
    assert.equal(e.emit(name), true);
    assert.equal(hits, 1, name);
  }
  assert.equal(Object.getPrototypeOf(Object.prototype), null); // untouched
  assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
});

test("an 'error' with no listener still throws after compaction", () => {
  const e = new EventEmitter();
  compactListeners(e);
  assert.throws(() => e.emit("error", new Error("boom")), /boom/);
});
