/** Reconnection after a server restart, the offline buffer (flush, bound, clear), volatile drops, recovery. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { io, type Socket } from "../../client/index.js";
import { Clients } from "../helpers/client.js";
import { next } from "../helpers/events.js";
import { KINDS, startKind, type AnyServer, type TestServer } from "../helpers/server.js";

for (const kind of KINDS) {
  describe(`client reconnection and offline buffer against ${kind}`, { timeout: 20_000 }, () => {
    const client = (clients: Clients, url: string, opts: Parameters<typeof io>[1] = {}): Socket =>
      clients.track(io(url, { forceNew: true, reconnectionDelay: 20, reconnectionDelayMax: 80, ...opts }));
    /** Server-side events named `event`, in arrival order. */
    const record = (srv: TestServer<AnyServer>, event: string): unknown[] => {
      const got: unknown[] = [];
      srv.io.on("connection", (s: AnyServer) => {
        s.on(event, (v: unknown) => got.push(v));
        s.on("sync", (ack: () => void) => ack()); // answered after every earlier packet of this socket was handled
      });
      return got;
    };

    it("reconnects with backoff after a server restart, then flushes what was emitted offline", async () => {
      using clients = new Clients();
      await using first = await startKind(kind);
      const socket = client(clients, first.url);
      await next(socket, "connect");
      const attempts: number[] = [];
      socket.io.on("reconnect_attempt", (n) => attempts.push(n));
      const disconnected = next<[string]>(socket, "disconnect");
      await first.close();
      assert.ok(["transport close", "transport error"].includes((await disconnected)[0])); // websocket or polling
      socket.emit("offline", "while down");
      assert.equal(socket.sendBuffer.length, 1);
      await next(untyped(socket.io), "reconnect_error"); // at least one attempt fails while the port is closed
      await using second = await startKind(kind, { port: first.port });
      const got = record(second, "offline");
      const [attempt] = await next<[number]>(untyped(socket.io), "reconnect", 5000);
      assert.ok(attempt >= 2 && attempts.length >= 2);
      if (!socket.connected) await next(socket, "connect");
      await socket.emitWithAck("sync");
      assert.deepEqual(got, ["while down"]);
      assert.equal(socket.sendBuffer.length, 0);
    });

    it("gives up after reconnectionAttempts ('reconnect_failed')", async () => {
      using clients = new Clients();
      await using srv = await startKind(kind);
      const socket = client(clients, srv.url, { reconnectionAttempts: 2, reconnectionDelay: 5, reconnectionDelayMax: 10 });
      await next(socket, "connect");
      const failed = next(untyped(socket.io), "reconnect_failed");
      await srv.close();
      await failed;
      assert.equal(socket.connected, false);
    });

    it("buffers emits made before connecting, in order; volatile emits are dropped while offline", async () => {
      using clients = new Clients();
      await using srv = await startKind(kind);
      const got = record(srv, "n");
      const volatile = record(srv, "v");
      const socket = client(clients, srv.url, { autoConnect: false });
      socket.emit("n", 1);
      socket.volatile.emit("v", "dropped");
      socket.emit("n", 2);
      assert.equal(socket.sendBuffer.length, 2);
      socket.connect();
      await next(socket, "connect");
      socket.emit("n", 3);
      await socket.emitWithAck("sync");
      assert.deepEqual(got, [1, 2, 3]);
      assert.deepEqual(volatile, []);
    });

    it("bounds the buffer: drop-oldest (default) fails the dropped emit's ack; drop-newest; clearSendBuffer()", async () => {
      using clients = new Clients();
      await using srv = await startKind(kind);
      const got = record(srv, "b");
      const oldest = client(clients, srv.url, { autoConnect: false, maxBufferedPackets: 2 });
      const dropped = new Promise<unknown>((resolve) => oldest.timeout(5000).emit("b", "a", resolve));
      oldest.emit("b", "b");
      oldest.emit("b", "c");
      const err = await dropped;
      assert.ok(err instanceof Error && /buffer full/.test(err.message));
      assert.equal(oldest.sendBuffer.length, 2);
      oldest.connect();
      await next(oldest, "connect");
      await oldest.emitWithAck("sync");
      assert.deepEqual(got, ["b", "c"]);

      const newest = client(clients, srv.url, { autoConnect: false, maxBufferedPackets: 1, bufferOverflow: "drop-newest" });
      newest.emit("b", "kept");
      const refused = newest.emitWithAck("b", "refused");
      await assert.rejects(refused, /buffer full/);
      assert.equal(newest.sendBuffer.length, 1);
      const cleared = newest.emitWithAck("b", "x"); // refused too (full)
      await assert.rejects(cleared, /buffer full/);
      assert.equal(newest.clearSendBuffer(), 1);
      assert.equal(newest.sendBuffer.length, 0);
    });

    it("connection state recovery: recovered, same id, missed packets delivered once, offsets hidden", async () => {
      using clients = new Clients();
      await using srv = await startKind(kind, { recovery: true });
      const socket = client(clients, srv.url);
      const received: unknown[][] = [];
      socket.on("news", (...args: unknown[]) => received.push(args));
      await next(socket, "connect");
      assert.equal(socket.recovered, false);
      const id = socket.id;
      srv.io.emit("news", "before");
      if (received.length === 0) await next(socket, "news");
      const serverSide = (await srv.io.fetchSockets())[0] as AnyServer;
      const serverDisconnect = new Promise<void>((resolve) => {
        const s = srv.io.of("/").sockets.get(serverSide.id);
        s.once("disconnect", () => resolve());
      });
      socket.io.reconnection(false);
      socket.io.engine?.close();
      await serverDisconnect;
      srv.io.emit("news", "missed");
      socket.io.reconnection(true);
      socket.io.open();
      await next(socket, "connect");
      assert.equal(socket.recovered, true);
      assert.equal(socket.id, id);
      if (received.length === 1) await next(socket, "news");
      assert.deepEqual(received, [["before"], ["missed"]]);
    });
  });
}

/** The Manager's typed events, seen through the test helpers' untyped listener interface. */
function untyped(emitter: object): Parameters<typeof next>[0] {
  return emitter as Parameters<typeof next>[0];
}
