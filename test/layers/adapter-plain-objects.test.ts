/**
 * The adapter works on its own small interfaces (AdapterHost, AdapterMember), never on the Namespace or Socket
 * classes: its room logic and local delivery run here with plain objects, no server, no socket, no network.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Adapter, type AdapterHost, type AdapterMember, type Room, type SocketId } from "../../server/index.js";
import { PacketType, type Packet } from "../../shared/packet.js";

interface Delivered {
  to: SocketId;
  data: unknown;
  wire: string;
}

/** A member that records what it is given. */
function member(id: SocketId, log: Delivered[]): AdapterMember & { acks: number[]; joined: Room[] } {
  const m = {
    id,
    handshake: { headers: {}, time: "", address: "", xdomain: false, secure: false, issued: 0, url: "/", query: {}, auth: {} },
    rooms: new Set<Room>(),
    data: {},
    acks: [] as number[],
    joined: [] as Room[],
    emit: () => true,
    join: (room: Room | Room[]) => void m.joined.push(...(Array.isArray(room) ? room : [room])),
    leave: () => undefined,
    disconnect: () => undefined,
    deliver: (frames: { frames: readonly unknown[] }, packet: Packet) =>
      void log.push({ to: id, data: packet.data, wire: String(frames.frames[0]) }),
    expectAck: (ackId: number) => void m.acks.push(ackId),
    dropAck: () => undefined,
  };
  return m;
}

/** A namespace as the adapter sees it. */
function host(members: AdapterMember[]): AdapterHost & { errors: string[] } {
  let ackId = 0;
  const errors: string[] = [];
  return {
    name: "/plain",
    sockets: new Map(members.map((m) => [m.id, m])),
    server: {},
    recovery: undefined,
    nextAckId: () => ackId++,
    onServerSideEmit: () => undefined,
    reportError: (_err, context) => void errors.push(context),
    errors,
  };
}

describe("the adapter with plain objects", () => {
  it("delivers a broadcast once per member of the rooms, minus the exceptions, encoded once", () => {
    const log: Delivered[] = [];
    const [a, b, c] = [member("a", log), member("b", log), member("c", log)];
    const adapter = new Adapter(host([a, b, c]));
    // each in its own room (a socket's id is a room), as a Socket joins on connect
    adapter.addAll("a", ["a", "red", "blue"]);
    adapter.addAll("b", ["b", "blue"]);
    adapter.addAll("c", ["c", "green"]);
    const packet: Packet = { type: PacketType.EVENT, nsp: "/plain", data: ["hi", 1] };
    adapter.broadcast(packet, { rooms: new Set(["red", "blue"]), except: new Set(["b"]) });
    assert.deepEqual(
      log.map((d) => d.to),
      ["a"],
    );
    assert.equal(log[0]!.wire, '2/plain,["hi",1]');
    log.length = 0;
    adapter.broadcast(packet, { rooms: new Set() });
    assert.deepEqual(log.map((d) => d.to).sort(), ["a", "b", "c"]);
  });

  it("keeps rooms both ways and emits the room events", () => {
    const events: string[] = [];
    const adapter = new Adapter(host([]));
    for (const ev of ["create-room", "join-room", "leave-room", "delete-room"]) {
      adapter.on(ev, (room: Room, id?: SocketId) => events.push(`${ev} ${room}${id ? " " + id : ""}`));
    }
    adapter.addAll("x", ["r"]);
    adapter.addAll("y", ["r"]);
    adapter.del("x", "r");
    adapter.delAll("y");
    assert.deepEqual(events, ["create-room r", "join-room r x", "join-room r y", "leave-room r x", "leave-room r y", "delete-room r"]);
    assert.equal(adapter.rooms.size, 0);
    assert.equal(adapter.sids.get("y"), undefined);
  });

  it("counts a broadcast's recipients and registers its ack on each", () => {
    const log: Delivered[] = [];
    const [a, b] = [member("a", log), member("b", log)];
    const adapter = new Adapter(host([a, b]));
    adapter.addAll("a", ["r"]);
    adapter.addAll("b", ["r"]);
    let counted = -1;
    adapter.broadcastWithAck({ type: PacketType.EVENT, nsp: "/plain", data: ["q"], id: 7 }, { rooms: new Set(["r"]) }, (n) => (counted = n), () => undefined);
    assert.equal(counted, 2);
    assert.deepEqual([a.acks, b.acks], [[7], [7]]);
  });

  it("acts on members (socketsJoin) and reports a throwing room listener to its host", async () => {
    const log: Delivered[] = [];
    const a = member("a", log);
    const h = host([a]);
    const adapter = new Adapter(h);
    adapter.addAll("a", ["r"]);
    await adapter.addSockets({ rooms: new Set(["r"]) }, ["s1", "s2"]);
    assert.deepEqual(a.joined, ["s1", "s2"]);
    adapter.on("create-room", () => {
      throw new Error("listener bug");
    });
    adapter.addAll("a", ["new"]);
    assert.deepEqual(h.errors, ['adapter "create-room" listener']);
    assert.ok(adapter.rooms.get("new")?.has("a"), "the join went through");
  });
});
