/**
 * Divergences between one instance and a Redis cluster that the wire property test (test/adapter/wire-property)
 * found, one test each:
 * - an app object shaped like the old binary marker (`{"\u0000b": "AAEC"}`) arrived on other instances as a Buffer;
 * - a Date crossed as its ISO string: server-side values (serverSideEmit, fetchSockets' data, acks) now get a Date,
 *   as with socket.io's msgpack adapters, while clients still get the ISO string on every instance;
 * - `io.to(socketId).emit()` stayed on the socket's instance, missing the sockets of other instances that joined a
 *   room of that name (socket.emit() with recovery alone may skip the cluster).
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { io as ioc, type Socket as ClientSocket } from "socket.io-client";
import { createAdapter } from "../../server/adapter/redis/index.js";
import { decodeMessage, encodeMessage, MessageType, type ClusterMessage } from "../../server/adapter/cluster-message.js";
import type { ClusterAdapter } from "../../server/adapter/cluster-adapter.js";
import type { ServerOptions } from "../../server/index.js";
import { RedisProcess } from "../helpers/redis.js";
import { startServer } from "../helpers/server.js";
import { next } from "../helpers/events.js";
import { clusterReady } from "../adapter/conformance.js";

function roundTrip(data: unknown[]): unknown[] {
  const msg = { uid: "u", seq: 1, nsp: "/", type: MessageType.BROADCAST, data, opts: { rooms: [], except: [] } } as ClusterMessage;
  const back = decodeMessage(encodeMessage(msg));
  assert.equal(back.type, MessageType.BROADCAST);
  return (back as { data: unknown[] }).data;
}

describe("cluster wire values (unit)", () => {
  it("app objects shaped like our markers arrive as they were sent, next to real binary and Dates", () => {
    const date = new Date(Date.UTC(2026, 11, 3, 19, 0, 0, 123));
    const sent = [
      "e",
      { "\u0000b": "AAEC" },
      { "\u0000d": 0 },
      { "\u0000o": { "\u0000b": "x" } },
      { nested: { "\u0000b": "AAEC", other: 1 }, buf: Buffer.from([7]) },
      [Buffer.from([1, 2]), new Uint8Array([3]).buffer, new Int16Array(new Uint8Array([0, 0, 5, 0]).buffer, 2, 1)],
      date,
      new Date(NaN),
      new DataView(new Uint8Array([9, 8]).buffer, 1),
    ];
    const back = roundTrip(sent);
    assert.deepEqual(back[1], { "\u0000b": "AAEC" });
    assert.deepEqual(back[2], { "\u0000d": 0 });
    assert.deepEqual(back[3], { "\u0000o": { "\u0000b": "x" } });
    const nested = back[4] as { nested: object; buf: Buffer };
    assert.deepEqual(nested.nested, { "\u0000b": "AAEC", other: 1 });
    assert.deepEqual([...nested.buf], [7]);
    const bins = back[5] as Buffer[];
    assert.deepEqual(bins.map((b) => [...b]), [[1, 2], [3], [5, 0]]);
    assert.ok(back[6] instanceof Date && back[6].getTime() === date.getTime(), "a Date arrives as a Date");
    assert.equal(back[7], null, "an invalid Date is JSON's null, as in one process");
    assert.deepEqual([...(back[8] as Buffer)], [8]);
  });

  it("a message without binary or Dates is plain JSON (no replacer, no walk on arrival)", () => {
    const text = encodeMessage({ uid: "u", seq: 1, nsp: "/", type: MessageType.SERVER_SIDE_EMIT, args: ["e", { a: [1, null] }] });
    assert.ok(!text.includes('"x":1'));
    assert.ok(encodeMessage({ uid: "u", seq: 1, nsp: "/", type: MessageType.SERVER_SIDE_EMIT, args: ["e", new Date(0)] }).includes('"x":1'));
  });
});

describe("cluster wire values across two instances (real redis-server)", { timeout: 30_000 }, () => {
  let redis: RedisProcess;
  let n = 0;
  before(async () => {
    redis = await RedisProcess.start();
  });
  after(() => redis.stop());

  async function pair(opts: Partial<ServerOptions> = {}) {
    const key = `wv${process.pid}-${n++}`;
    const servers = await Promise.all([0, 1].map(() => startServer({ ...opts, adapter: createAdapter(createClient({ url: redis.url }), undefined, { key, heartbeatInterval: 1000 }) })));
    await clusterReady(servers);
    const clients: ClientSocket[] = [];
    const connect = async (i: number) => {
      const client = ioc(servers[i]!.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
      clients.push(client);
      await next(client, "connect");
      return client;
    };
    return {
      servers,
      connect,
      async [Symbol.asyncDispose]() {
        for (const c of clients) c.close();
        await Promise.all(servers.map((s) => s.close()));
      },
    };
  }

  it("a Date is a Date for server-side code on the other instance, and the same ISO string for every client", async () => {
    await using p = await pair();
    const [a, b] = p.servers as [(typeof p.servers)[0], (typeof p.servers)[0]];
    const date = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6));
    const got = next<unknown[]>(b.io, "when");
    a.io.serverSideEmit("when", date, { at: date });
    const [d, obj] = await got;
    assert.ok(d instanceof Date && d.getTime() === date.getTime());
    assert.ok((obj as { at: unknown }).at instanceof Date);
    b.io.on("ask", (cb: (r: Date) => void) => cb(date));
    const [answer] = await a.io.serverSideEmitWithAck("ask");
    assert.ok(answer instanceof Date && answer.getTime() === date.getTime(), "an ack's Date too");

    const remote = await p.connect(1);
    const local = await p.connect(0);
    const received = [next<unknown[]>(remote, "d"), next<unknown[]>(local, "d")];
    a.io.emit("d", date, [date]);
    const [fromRemote, fromLocal] = await Promise.all(received);
    assert.deepEqual(fromRemote, [date.toISOString(), [date.toISOString()]]);
    assert.deepEqual(fromRemote, fromLocal);

    b.io.sockets.sockets.get(remote.id!)!.data = { since: date };
    const [fetched] = await a.io.in(remote.id!).fetchSockets();
    assert.ok((fetched!.data as { since: unknown }).since instanceof Date, "fetchSockets' data keeps its Date");
  });

  it("an app object shaped like a binary marker reaches a client on the other instance unchanged", async () => {
    await using p = await pair();
    const remote = await p.connect(1);
    const got = next<unknown[]>(remote, "m");
    p.servers[0]!.io.emit("m", { "\u0000b": "AAEC" }, Buffer.from([1]));
    const [obj, buf] = await got;
    assert.deepEqual(obj, { "\u0000b": "AAEC" });
    assert.deepEqual([...(buf as Buffer)], [1]);
  });

  it("io.to(socketId) reaches a socket of another instance that joined a room of that name", async () => {
    await using p = await pair();
    const target = await p.connect(0);
    const other = await p.connect(1);
    await p.servers[1]!.io.sockets.sockets.get(other.id!)!.join(target.id!);
    const both = [next(target, "hi"), next(other, "hi")];
    p.servers[0]!.io.to(target.id!).emit("hi");
    await Promise.all(both);
  });

  it("with recovery, socket.emit() stays on its instance (no cluster message)", async () => {
    await using p = await pair({ connectionStateRecovery: { maxDisconnectionDuration: 10_000 } });
    const client = await p.connect(0);
    let broadcasts = 0;
    const adapter = p.servers[1]!.io.sockets.adapter as ClusterAdapter;
    const original = adapter.onClusterMessage.bind(adapter);
    adapter.onClusterMessage = (msg) => {
      if (msg.type === MessageType.BROADCAST) broadcasts++;
      original(msg);
    };
    const got = next<unknown[]>(client, "own");
    p.servers[0]!.io.sockets.sockets.get(client.id!)!.emit("own", 1);
    assert.equal((await got)[0], 1); // then the offset recovery appends
    const watcher = await p.connect(1);
    const end = next(watcher, "end");
    p.servers[0]!.io.emit("end"); // crosses after the emit above would have (per-sender order): closes the count
    await end;
    assert.equal(broadcasts, 1, "only the io.emit crossed");
  });
});
