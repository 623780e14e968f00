/**
 * The pure core of recovery across instances (server/adapter/cluster-recovery.ts), with plain objects: the offset
 * format, stream id order, the replay filter (what a client missed, exactly, whatever the interleaving) and the
 * buffers of sessions being restored.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  compareIds,
  formatOffset,
  parseOffset,
  PendingRestores,
  ReplayFilter,
  storedSession,
  validPid,
} from "../../server/adapter/cluster-recovery.js";
import { MessageType as T, type ClusterMessage } from "../../server/adapter/cluster-message.js";

const A = "aaaaaaaaaaaaaaaa";
const B = "bbbbbbbbbbbbbbbb";
const C = "cccccccccccccccc";

function bc(uid: string, seq: number, n: number, rooms: string[] = ["news"], extra: Partial<{ rid: number; volatile: boolean; nsp: string; except: string[] }> = {}): ClusterMessage {
  const msg: ClusterMessage = {
    uid,
    seq,
    nsp: extra.nsp ?? "/",
    type: T.BROADCAST,
    data: ["n", n],
    opts: { rooms, except: extra.except ?? [], ...(extra.volatile ? { volatile: true } : {}) },
  };
  if (extra.rid !== undefined) msg.rid = extra.rid;
  return msg;
}

describe("cluster recovery offsets", () => {
  it("round-trips and refuses everything else", () => {
    const o = formatOffset("1733250000000-3", A, 12345);
    assert.deepEqual(parseOffset(o), { cursor: "1733250000000-3", uid: A, seq: 12345 });
    for (const bad of ["", "a1b2c3d4-0", "x~" + A + "~1", "1-0~" + A, "1-0~" + A + "~1~2", "1-0~AAAA~1", "1-0~" + A + "~-1", "1-0~" + A + "~zzzzzzzzzzzz", "1-0~" + A + "~1".padEnd(100, "0")]) {
      assert.equal(parseOffset(bad), null, bad);
    }
  });

  it("orders stream ids numerically", () => {
    assert.ok(compareIds("9-0", "10-0") < 0);
    assert.ok(compareIds("10-2", "10-10") < 0);
    assert.equal(compareIds("10-2", "10-2"), 0);
    assert.ok(compareIds("11-0", "10-99") > 0);
  });

  it("accepts only private ids this server issues, and only well-formed stored sessions", () => {
    assert.ok(validPid("abcdefghijABCDEFGH_-"));
    for (const bad of ["", "short", "x".repeat(21), "abcdefghijABCDEFGH/-"]) assert.equal(validPid(bad), false);
    assert.deepEqual(storedSession({ sid: "s", pid: "p", nsp: "/", rooms: ["a", 1], data: { x: 1 } }), { sid: "s", pid: "p", nsp: "/", rooms: ["a", 1], data: { x: 1 } });
    for (const bad of [null, [], "x", { sid: 1, pid: "p", nsp: "/", rooms: [] }, { sid: "s", pid: "p", nsp: "/", rooms: [{}] }]) assert.equal(storedSession(bad), null);
  });
});

describe("ReplayFilter", () => {
  /**
   * The client got, from A: everything up to entry 3-0 from others and A's own up to seq 2. The stream after 3-0:
   * A's seq 2 again (a resend), C's 5, A's 3, B's (the restoring instance) 7, C's 6, B's 8; B's reader stood at 6-0
   * and its own last seq was 8 when the pending buffer opened.
   */
  const entries: Array<[string, ClusterMessage]> = [
    ["4-0", bc(A, 2, 2)], // delivered before (A seq ≤ 2): a resent duplicate
    ["5-0", bc(C, 5, 5)],
    ["5-1", bc(A, 3, 3)],
    ["5-2", bc(C, 0, 0)], // unsequenced (a heartbeat's seq)
    ["6-0", bc(B, 7, 7)],
    ["7-0", bc(C, 6, 6)], // past B's cursor: comes through B's reader, into the pending buffer
    ["8-0", bc(B, 8, 8)], // B's own, seq ≤ 8: replayed
    ["9-0", bc(B, 9, 9)], // B's own after the buffer opened: in the buffer
  ];

  it("replays exactly the entries that were neither delivered nor on their way, with exact offsets", () => {
    const f = new ReplayFilter("/", ["sid", "news"], { cursor: "3-0", uid: A, seq: 2 }, B, "6-0", 8, false);
    for (const [id, msg] of entries) f.add(id, msg);
    assert.deepEqual(
      f.packets.map((p) => p.slice(0, 2)),
      [["n", 5], ["n", 3], ["n", 7], ["n", 8]],
    );
    // up to B's cursor the issuer's model (A, its seq as replayed so far); past it B's own model
    assert.deepEqual(f.packets.map((p) => p[2]), [formatOffset("5-0", A, 2), formatOffset("5-1", A, 3), formatOffset("6-0", A, 3), formatOffset("6-0", B, 8)]);
    assert.equal(f.done("6-0"), true);
  });

  it("keeps only ack-less, non-volatile broadcasts of its namespace that match the session's rooms", () => {
    const f = new ReplayFilter("/", ["sid", "news"], { cursor: "1-0", uid: A, seq: 0 }, B, "99-0", 0, true);
    f.add("2-0", bc(C, 1, 1, ["other"]));
    f.add("2-1", bc(C, 2, 2, ["news"], { rid: 4 }));
    f.add("2-2", bc(C, 3, 3, ["news"], { volatile: true }));
    f.add("2-3", bc(C, 4, 4, ["news"], { nsp: "/chat" }));
    f.add("2-4", bc(C, 5, 5, [], { except: ["sid"] }));
    f.add("2-5", bc(C, 6, 6, []));
    f.add("2-6", bc(C, 7, 7, ["sid"]));
    f.add("2-7", { uid: C, seq: 8, nsp: "/", type: T.SERVER_SIDE_EMIT, args: ["x"] });
    assert.deepEqual(f.packets.map((p) => p[1]), [6, 7]);
  });
});

describe("PendingRestores", () => {
  it("buffers matching packets for restoring sockets, keeps them out of live delivery, bounded", () => {
    const p = new PendingRestores();
    const out: unknown[][] = [];
    p.open("s1", ["s1", "news"], out, 2);
    assert.deepEqual([...p.exclude({ rooms: new Set(["news"]), except: new Set(["x"]) }).except!], ["x", "s1"]);
    p.collect(["n", 1, "o1"], { rooms: new Set(["news"]) });
    p.collect(["n", 2, "o2"], { rooms: new Set(["other"]) });
    p.collect(["n", 3, "o3"], { rooms: new Set(), flags: { volatile: true } });
    p.collect(["n", 4, "o4"], { rooms: new Set() });
    assert.deepEqual(out, [["n", 1, "o1"], ["n", 4, "o4"]]);
    p.collect(["n", 5, "o5"], { rooms: new Set() });
    assert.equal(out.length, 2);
    assert.equal(p.close("s1"), true, "overflowed");
    assert.equal(p.size, 0);
    assert.equal(p.close("s1"), false);
  });
});
