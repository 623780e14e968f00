/** Rooms and broadcasting: to / in / except, dedupe across rooms, sender exclusion, flags. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../helpers/server.js";
import { next } from "../helpers/events.js";
import type { Server, Socket } from "../../server/index.js";
import { Clients, MODES, serverSocketOf, type ClientSocket } from "../helpers/client.js";

/** Counts "x" events per client until each got the "end" marker (sent after the broadcasts under test). */
async function countUntilEnd(srv: TestServer<Server>, list: ClientSocket[], event = "x"): Promise<number[]> {
  const counts = list.map(() => 0);
  list.forEach((c, i) => c.on(event, () => counts[i]!++));
  const ends = list.map((c) => next(c, "end"));
  srv.io.emit("end");
  await Promise.all(ends);
  list.forEach((c) => c.off(event));
  return counts;
}

for (const mode of MODES) {
  describe(`broadcast over ${mode}`, { timeout: 10_000 }, () => {
    it("io.emit reaches every socket of the namespace, with JSON and binary", async () => {
      await using srv = await startServer();
      using clients = new Clients(mode);
      const list = await Promise.all([0, 1, 2].map(() => clients.connect(srv.url)));
      const got = list.map((c) => next<unknown[]>(c, "all"));
      srv.io.emit("all", { a: 1 }, Buffer.from([1, 2]));
      for (const [obj, bin] of await Promise.all(got)) {
        assert.deepEqual(obj, { a: 1 });
        assert.deepEqual([...new Uint8Array(bin as ArrayBuffer)], [1, 2]);
      }
    });

    it("to / except select by room, and a socket in two target rooms gets the packet once", async () => {
      await using srv = await startServer();
      using clients = new Clients(mode);
      const [a, b, c] = await Promise.all([0, 1, 2].map(() => clients.connect(srv.url)));
      const [sa, sb, sc] = [a!, b!, c!].map((cl) => serverSocketOf(srv.io.sockets, cl)) as [Socket, Socket, Socket];
      await sa.join(["r1", "r2"]);
      await sb.join("r2");
      await sc.join("r3");
      srv.io.to(["r1", "r2"]).emit("x");
      srv.io.to("r1").to("r2").emit("x");
      assert.deepEqual(await countUntilEnd(srv, [a!, b!, c!]), [2, 2, 0]);
      srv.io.except("r2").emit("x");
      assert.deepEqual(await countUntilEnd(srv, [a!, b!, c!]), [0, 0, 1]);
      srv.io.in("r2").except("r1").emit("x");
      assert.deepEqual(await countUntilEnd(srv, [a!, b!, c!]), [0, 1, 0]);
      srv.io.to(sc.id).emit("x"); // a socket id is a room
      assert.deepEqual(await countUntilEnd(srv, [a!, b!, c!]), [0, 0, 1]);
    });
  });
}

describe("rooms", { timeout: 10_000 }, () => {
  it("join and leave return promises and update socket.rooms and the adapter", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const client = await clients.connect(srv.url);
    const socket = serverSocketOf(srv.io.sockets, client);
    assert.deepEqual([...socket.rooms], [socket.id]);
    const joined = socket.join(["a", "b"]);
    assert.ok(joined instanceof Promise);
    await joined;
    assert.deepEqual([...socket.rooms].sort(), [socket.id, "a", "b"].sort());
    const left = socket.leave("a");
    assert.ok(left instanceof Promise);
    await left;
    assert.deepEqual([...socket.rooms].sort(), [socket.id, "b"].sort());
    assert.equal(srv.io.sockets.adapter.rooms.has("a"), false, "an empty room is deleted");
    assert.deepEqual([...(await srv.io.in("b").allSockets())], [socket.id]);
    socket.rooms.add("tampered");
    assert.equal(socket.rooms.has("tampered"), false, "socket.rooms is a copy");
  });

  it("socket.to, socket.in and socket.broadcast leave out the sender", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const [a, b, c] = await Promise.all([0, 1, 2].map(() => clients.connect(srv.url)));
    const [sa, sb] = [serverSocketOf(srv.io.sockets, a!), serverSocketOf(srv.io.sockets, b!)];
    await sa.join("room");
    await sb.join("room");
    sa.to("room").emit("x");
    sa.in("room").emit("x");
    assert.deepEqual(await countUntilEnd(srv, [a!, b!, c!]), [0, 2, 0]);
    sa.broadcast.emit("x");
    assert.deepEqual(await countUntilEnd(srv, [a!, b!, c!]), [0, 1, 1]);
    sa.except("room").emit("x");
    assert.deepEqual(await countUntilEnd(srv, [a!, b!, c!]), [0, 0, 1]);
    sa.broadcast.to(sb.id).emit("x");
    assert.deepEqual(await countUntilEnd(srv, [a!, b!, c!]), [0, 1, 0]);
  });

  it("a broadcast operator is immutable and reusable", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const [a, b] = await Promise.all([0, 1].map(() => clients.connect(srv.url)));
    await serverSocketOf(srv.io.sockets, a!).join("one");
    const op = srv.io.to("one");
    op.except("one");
    op.emit("x");
    op.emit("x");
    assert.deepEqual(await countUntilEnd(srv, [a!, b!]), [2, 0]);
  });

  it("volatile, compress(false) and local still deliver to a ready WebSocket client", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const client = await clients.connect(srv.url);
    const socket = serverSocketOf(srv.io.sockets, client);
    const compressFlags: unknown[] = [];
    socket.conn.on("packetCreate", (packet: { type: string; options?: { compress?: boolean } }) => {
      if (packet.type === "message") compressFlags.push(packet.options?.compress);
    });
    const got = next<unknown[]>(client, "v");
    srv.io.volatile.emit("v", 1);
    assert.deepEqual(await got, [1]);
    const got2 = next<unknown[]>(client, "v");
    socket.volatile.emit("v", 2);
    assert.deepEqual(await got2, [2]);
    const got3 = next<unknown[]>(client, "c");
    srv.io.compress(false).emit("c", "broadcast");
    assert.deepEqual(await got3, ["broadcast"]);
    const got4 = next<unknown[]>(client, "c");
    socket.compress(false).emit("c", "single");
    assert.deepEqual(await got4, ["single"]);
    const got5 = next<unknown[]>(client, "l");
    srv.io.local.emit("l", true);
    assert.deepEqual(await got5, [true]);
    // compress(false) reached engine.io for both the broadcast and the single emit
    assert.deepEqual(compressFlags.slice(2, 4), [false, false]);
    assert.notEqual(compressFlags[4], false);
  });

  it("adapter emits create-room, join-room, leave-room and delete-room", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const client = await clients.connect(srv.url);
    const socket = serverSocketOf(srv.io.sockets, client);
    const events: string[] = [];
    const adapter = srv.io.sockets.adapter;
    const rec = (name: string) => (room: string) => {
      if (room === "watched") events.push(name);
    };
    const listeners = ["create-room", "join-room", "leave-room", "delete-room"].map((n) => [n, rec(n)] as const);
    for (const [n, l] of listeners) adapter.on(n, l);
    await socket.join("watched");
    await socket.leave("watched");
    for (const [n, l] of listeners) adapter.off(n, l);
    assert.deepEqual(events, ["create-room", "join-room", "leave-room", "delete-room"]);
  });
});
