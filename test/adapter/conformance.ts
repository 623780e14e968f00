/**
 * One adapter conformance suite: run against the in-memory adapter (one instance) and the Redis adapter (three
 * instances). Clients (official socket.io-client) are spread over the instances; every assertion about "exactly
 * once" is closed by a marker broadcast from the same instance (per-sender order makes it arrive last).
 */
import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { io as ioc, type Socket as ClientSocket } from "socket.io-client";
import type { Server, ServerOptions, Socket } from "../../server/index.js";
import type { TestServer } from "../helpers/server.js";
import { next, until } from "../helpers/events.js";

export interface TestCluster {
  servers: Array<TestServer<Server>>;
  /** Resolves once every instance knows every other one for namespace `nsp` (existing on each instance). */
  ready(nsp?: string): Promise<void>;
  close(): Promise<void>;
}

export type CreateCluster = (opts?: Partial<ServerOptions>) => Promise<TestCluster>;

/** Waits until the namespace's adapter on every server counts them all (no-op for a single instance). */
export async function clusterReady(servers: ReadonlyArray<{ io: Server }>, nsp = "/"): Promise<void> {
  for (const srv of servers) {
    const adapter = srv.io.namespaces.get(nsp)?.adapter as unknown as { peers?: string[] } & Parameters<typeof until>[0];
    if (adapter?.peers === undefined) continue;
    await until(adapter, "peer:up", () => adapter.peers!.length === servers.length - 1, 5000);
  }
}

export function adapterConformanceSuite(name: string, createCluster: CreateCluster): void {
  describe(`adapter conformance: ${name}`, { timeout: 30_000 }, () => {
    let cluster: TestCluster | undefined;
    let clients: ClientSocket[] = [];

    afterEach(async () => {
      for (const c of clients.splice(0)) c.close();
      await cluster?.close();
      cluster = undefined;
    });

    async function setup(opts?: Partial<ServerOptions>): Promise<TestCluster> {
      cluster = await createCluster(opts);
      await cluster.ready("/");
      return cluster;
    }

    /** Installs a connection handler on every instance (index of the instance as second argument). */
    function onConnection(c: TestCluster, fn: (socket: Socket, index: number) => void, nsp = "/"): void {
      c.servers.forEach((srv, i) => srv.io.of(nsp).on("connection", (s) => fn(s as Socket, i)));
    }

    /** `perServer` clients on every instance, with `auth.rooms` joined by the standard handler. */
    async function connect(c: TestCluster, perServer: number, rooms: (k: number) => string[] = () => [], nsp = "/"): Promise<ClientSocket[]> {
      const list: ClientSocket[] = [];
      let k = 0;
      for (const srv of c.servers) {
        for (let j = 0; j < perServer; j++) {
          const client = ioc(srv.url + nsp, { forceNew: true, reconnection: false, transports: ["websocket"], auth: { rooms: rooms(k++) } });
          clients.push(client);
          list.push(client);
        }
      }
      await Promise.all(list.map((client) => (client.connected ? undefined : next(client, "connect"))));
      return list;
    }

    function joinFromAuth(c: TestCluster, nsp = "/"): void {
      onConnection(c, (s) => void s.join(s.handshake.auth["rooms"] as string[]), nsp);
    }

    /** Counts `ev` on every client until the marker broadcast (sent by `from`) arrives everywhere. */
    async function counts(list: ClientSocket[], ev: string, act: () => void, from: Server, nsp = "/"): Promise<number[]> {
      const got = list.map(() => 0);
      list.forEach((client, i) => client.on(ev, () => got[i]!++));
      const markers = list.map((client) => next(client, "__end", 5000));
      act();
      from.of(nsp).emit("__end");
      await Promise.all(markers);
      list.forEach((client) => client.off(ev));
      return got;
    }

    it("a broadcast reaches every socket on every instance exactly once", async () => {
      const c = await setup();
      const list = await connect(c, 2);
      const io = c.servers[0]!.io;
      assert.deepEqual(await counts(list, "hello", () => io.emit("hello", 1), io), list.map(() => 1));
    });

    it("to(room) reaches the members only; several rooms count once; except leaves out", async () => {
      const c = await setup();
      joinFromAuth(c);
      const rooms = (k: number) => (k % 3 === 0 ? ["a", "b"] : k % 3 === 1 ? ["a"] : ["c"]);
      const list = await connect(c, 2, rooms);
      const io = c.servers.at(-1)!.io;
      const inA = list.map((_, k) => (rooms(k).includes("a") ? 1 : 0));
      assert.deepEqual(await counts(list, "m", () => io.to("a").emit("m"), io), inA);
      const inAorB = list.map((_, k) => (rooms(k).some((r) => r === "a" || r === "b") ? 1 : 0));
      assert.deepEqual(await counts(list, "m", () => io.to(["a", "b"]).emit("m"), io), inAorB);
      const notB = list.map((_, k) => (rooms(k).includes("b") ? 0 : 1));
      assert.deepEqual(await counts(list, "m", () => io.except("b").emit("m"), io), notB);
      const aNotB = list.map((_, k) => (rooms(k).includes("a") && !rooms(k).includes("b") ? 1 : 0));
      assert.deepEqual(await counts(list, "m", () => io.to("a").except("b").emit("m"), io), aNotB);
    });

    it("numeric rooms, as socket.io accepts them from JavaScript: join(123) anywhere, to(123) from any instance", async () => {
      const c = await setup();
      // a number stays a number on every instance: 123 and "123" are two rooms, in one process as in a cluster
      onConnection(c, (s) => void s.join(s.handshake.auth["rooms"] as string[]));
      const numeric = (k: number) => (k % 2 === 0 ? [123] : [7, 123]) as unknown as string[];
      const list = await connect(c, 2, numeric);
      const io = c.servers.at(-1)!.io;
      const room = (r: number) => r as unknown as string;
      assert.deepEqual(await counts(list, "m", () => io.to(room(123)).emit("m"), io), list.map(() => 1));
      assert.deepEqual(await counts(list, "m", () => io.to(room(123)).except(room(7)).emit("m"), io), list.map((_, k) => (k % 2 === 0 ? 1 : 0)));
      assert.deepEqual(await counts(list, "m", () => io.to("123").emit("m"), io), list.map(() => 0));
      const fetched = await c.servers[0]!.io.in(room(7)).fetchSockets();
      assert.equal(fetched.length, list.length / 2);
      for (const socket of fetched) assert.deepEqual([...socket.rooms].filter((r) => r !== socket.id).sort((a, b) => Number(a) - Number(b)), [7, 123]);
    });

    it("socket.to(room).emit reaches the other members on every instance, not the sender", async () => {
      const c = await setup();
      joinFromAuth(c);
      const list = await connect(c, 2, () => ["room"]);
      const senderIndex = list.length - 1;
      const srv = c.servers.at(-1)!;
      const sender = srv.io.sockets.sockets.get(list[senderIndex]!.id!)!;
      const expected = list.map((_, i) => (i === senderIndex ? 0 : 1));
      assert.deepEqual(await counts(list, "m", () => sender.to("room").emit("m", "x"), srv.io), expected);
      assert.deepEqual(await counts(list, "m", () => sender.broadcast.emit("m"), srv.io), expected);
    });

    it("local, volatile and compress flags", async () => {
      const c = await setup();
      const list = await connect(c, 2);
      const io = c.servers[0]!.io;
      const onFirst = list.map((client) => (io.sockets.sockets.has(client.id!) ? 1 : 0));
      assert.deepEqual(await counts(list, "m", () => io.local.emit("m"), io), onFirst);
      assert.deepEqual(await counts(list, "m", () => io.volatile.emit("m"), io), list.map(() => 1));
      assert.deepEqual(await counts(list, "m", () => io.compress(false).emit("m"), io), list.map(() => 1));
    });

    it("binary payloads and a dynamic namespace", async () => {
      const c = await setup();
      for (const srv of c.servers) srv.io.of(/^\/dyn-\d+$/);
      const list = await connect(c, 1, () => [], "/dyn-7");
      await c.ready("/dyn-7");
      const io = c.servers[0]!.io;
      const received = list.map((client) => next<[Buffer, { n: number; b: Buffer }]>(client, "bin"));
      io.of("/dyn-7").emit("bin", Buffer.from([1, 2, 3]), { n: 4, b: Buffer.from("xyz") });
      for (const [buf, obj] of await Promise.all(received)) {
        assert.deepEqual([...new Uint8Array(buf)], [1, 2, 3]);
        assert.equal(obj.n, 4);
        assert.equal(Buffer.from(obj.b).toString(), "xyz");
      }
    });

    it("fetchSockets returns every socket with id, handshake, rooms and data; a fetched socket acts", async () => {
      const c = await setup();
      onConnection(c, (s, i) => {
        s.data = { server: i };
        void s.join("everyone");
      });
      const list = await connect(c, 1);
      const io = c.servers[0]!.io;
      const sockets = await io.fetchSockets();
      assert.deepEqual(sockets.map((s) => s.id).sort(), list.map((cl) => cl.id).sort());
      for (const s of sockets) {
        assert.deepEqual([...s.rooms].sort(), [s.id, "everyone"].sort());
        assert.equal(typeof (s.data as { server: number }).server, "number");
        assert.equal(s.handshake.address, "127.0.0.1");
      }
      const last = list.at(-1)!;
      const [remote] = await io.in(last.id!).fetchSockets();
      assert.ok(remote);
      const got = next<unknown[]>(last, "direct");
      remote.emit("direct", 42);
      assert.deepEqual(await got, [42]);
      remote.join("joined");
      assert.deepEqual(await counts(list, "j", () => io.to("joined").emit("j"), io), list.map((cl) => (cl === last ? 1 : 0)));
      remote.leave("joined");
      assert.deepEqual(await counts(list, "j", () => io.to("joined").emit("j"), io), list.map(() => 0));
      const gone = next(last, "disconnect");
      remote.disconnect();
      await gone;
    });

    it("socketsJoin, socketsLeave and disconnectSockets act on every instance", async () => {
      const c = await setup();
      const list = await connect(c, 2);
      const io = c.servers[0]!.io;
      io.socketsJoin("late");
      assert.deepEqual(await counts(list, "m", () => io.to("late").emit("m"), io), list.map(() => 1));
      io.in("late").socketsLeave("late");
      assert.deepEqual(await counts(list, "m", () => io.to("late").emit("m"), io), list.map(() => 0));
      const gone = list.map((client) => next(client, "disconnect"));
      io.disconnectSockets();
      await Promise.all(gone);
    });

    it("serverCount and the list of all rooms cover every instance", async () => {
      const c = await setup();
      onConnection(c, (s, i) => void s.join(`room-${i}`));
      await connect(c, 1);
      const adapter = c.servers[0]!.io.sockets.adapter;
      assert.equal(await adapter.serverCount(), c.servers.length);
      const rooms = await adapter.allRooms();
      for (let i = 0; i < c.servers.length; i++) assert.ok(rooms.has(`room-${i}`), `room-${i} in ${[...rooms]}`);
    });

    it("serverSideEmit reaches the other instances; acks and timeout()", async () => {
      const c = await setup();
      const others = c.servers.slice(1);
      const got = others.map((srv) => next<unknown[]>(srv.io, "ping"));
      c.servers[0]!.io.serverSideEmit("ping", 1, Buffer.from([9]));
      for (const args of await Promise.all(got)) {
        assert.equal(args[0], 1);
        assert.deepEqual([...(args[1] as Buffer)], [9]);
      }
      others.forEach((srv, i) => srv.io.on("ask", (n: number, cb: (r: number) => void) => cb(n + i)));
      const responses = await c.servers[0]!.io.serverSideEmitWithAck("ask", 10);
      assert.deepEqual(responses.sort(), others.map((_, i) => 10 + i).sort());
      others.forEach((srv, i) => srv.io.on("slow", (cb: (r: number) => void) => i === 0 || cb(1)));
      const started = Date.now();
      const [err, partial] = await new Promise<[Error | null, unknown[]]>((resolve) =>
        c.servers[0]!.io.timeout(300).serverSideEmit("slow", (e: Error | null, r: unknown[]) => resolve([e, r])),
      );
      if (others.length === 0) {
        assert.equal(err, null);
        assert.deepEqual(partial, []);
      } else {
        assert.ok(err instanceof Error, "timed out");
        assert.equal(partial.length, others.length - 1);
        assert.ok(Date.now() - started < 2000, "timeout() honoured, not the default request timeout");
      }
    });

    it("broadcast acks: responses from every instance, and a timeout with the partial list", async () => {
      const c = await setup();
      const list = await connect(c, 2);
      list.forEach((client, i) => client.on("ask", (cb: (r: number) => void) => cb(i)));
      const io = c.servers[0]!.io;
      const responses = (await io.timeout(3000).emitWithAck("ask")) as unknown as number[];
      assert.deepEqual(responses.sort((a, b) => a - b), list.map((_, i) => i));
      list[list.length - 1]!.off("ask");
      list[list.length - 1]!.on("ask", () => undefined); // never answers
      const [err, partial] = await new Promise<[Error | null, unknown[]]>((resolve) =>
        io.timeout(300).emit("ask", (e: Error | null, r: unknown[]) => resolve([e, r])),
      );
      assert.ok(err instanceof Error);
      assert.equal(partial.length, list.length - 1);
    });

    it("connection state recovery: a client back (on another instance) gets its session and missed packets", async () => {
      const c = await setup({ connectionStateRecovery: { maxDisconnectionDuration: 10_000 } });
      joinFromAuth(c);
      const first = c.servers[0]!;
      const back = c.servers.at(-1)!;
      const client = ioc(first.url, { forceNew: true, reconnection: false, transports: ["websocket"], auth: { rooms: ["news"] } });
      clients.push(client);
      await next(client, "connect");
      const sid = client.id;
      // the socket.io-client keeps pid/offset on the socket; a new client to the other instance sends them as auth
      const seen: number[] = [];
      client.on("n", (n: number) => seen.push(n));
      const firstPacket = next(client, "n");
      back.io.to("news").emit("n", 1);
      await firstPacket;
      const { _pid: pid, _lastOffset: offset } = client as unknown as { _pid: string; _lastOffset: string };
      assert.equal(typeof pid, "string");
      const closed = next(first.io.sockets.sockets.get(sid!)!, "disconnect");
      client.io.engine.close(); // transport drop: recoverable
      await closed;
      back.io.to("news").emit("n", 2);
      back.io.to("elsewhere").emit("n", 3);
      c.servers[0]!.io.to("news").emit("n", 4);
      const again = ioc(back.url, { forceNew: true, reconnection: false, transports: ["websocket"], auth: { pid, offset } });
      clients.push(again);
      const got: number[] = [];
      again.on("n", (n: number) => got.push(n));
      await next(again, "connect");
      assert.equal(again.id, sid, "same socket id");
      assert.equal(back.io.sockets.sockets.get(sid!)?.recovered, true);
      const nowIn = await back.io.in("news").fetchSockets();
      assert.ok(nowIn.some((s) => s.id === sid), "rooms restored");
      await until(again, "n", () => got.length >= 2, 3000);
      assert.deepEqual(got.sort(), [2, 4]);
      assert.deepEqual(seen, [1]);
    });
  });
}
