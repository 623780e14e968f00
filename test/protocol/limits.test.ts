/**
 * Limits and stray packets over real connections (WebSocket and polling): oversized payloads, too many namespaces
 * on one connection, ACKs for unknown ids and duplicate ACKs.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { io as ioc, type Socket as ClientSocket } from "socket.io-client";
import { startServer, type TestServer } from "../helpers/server.js";
import type { Server } from "../../server/index.js";
import { next } from "../helpers/events.js";
import { FakePeer, type Transport } from "../helpers/fake-peer.js";

const TIMEOUT = { timeout: 10_000 };
const MAX_BUFFER = 10_000;

for (const transport of ["websocket", "polling"] as const satisfies readonly Transport[]) {
  describe(`limits and stray acks over ${transport}`, { timeout: 60_000 }, () => {
    let srv: TestServer<Server>;
    let good: ClientSocket;
    const errors: Error[] = [];

    before(async () => {
      srv = await startServer({
        maxHttpBufferSize: MAX_BUFFER,
        maxNamespacesPerConnection: 3,
        // short heartbeat: a polling session whose client gave up (after a 413) is dropped quickly
        pingInterval: 300,
        pingTimeout: 300,
        onError: (err) => errors.push(err),
      });
      for (const name of ["/a", "/b", "/c"]) {
        srv.io.of(name).on("connection", (socket) => {
          socket.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v));
        });
      }
      srv.io.on("connection", (socket) => {
        socket.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v));
      });
      good = ioc(srv.url, { transports: [transport], reconnection: false });
      await next(good, "connect");
    });

    after(async () => {
      good.close();
      await srv.close();
    });

    async function goodClientWorks(): Promise<void> {
      assert.equal(await good.timeout(5000).emitWithAck("echo", "ok"), "ok");
    }

    async function echo(peer: FakePeer, id: number, nsp = "/"): Promise<void> {
      const prefix = nsp === "/" ? "" : nsp + ",";
      await peer.send(`2${prefix}${id}["echo",${id}]`);
      assert.equal(await peer.nextMatching(new RegExp(`^3${prefix}${id}\\[`)), `3${prefix}${id}[${id}]`);
    }

    it("a payload just under maxHttpBufferSize is accepted", TIMEOUT, async () => {
      const peer = await FakePeer.open(srv.url, transport);
      try {
        await peer.connect("/");
        const big = "x".repeat(MAX_BUFFER - 100);
        await peer.send(`21["echo","${big}"]`);
        assert.equal(await peer.nextMatching(/^31\[/), `31["${big}"]`);
      } finally {
        peer.close();
      }
    });

    it("a payload over maxHttpBufferSize closes that connection", TIMEOUT, async () => {
      const peer = await FakePeer.open(srv.url, transport);
      try {
        const sid = await peer.connect("/");
        const socket = srv.io.of("/").sockets.get(sid)!;
        const disconnected = next<[string]>(socket, "disconnect", 8000);
        await peer.send(`2["echo","${"x".repeat(MAX_BUFFER * 2)}"]`).catch(() => undefined);
        const closed = await peer.closed;
        if (transport === "websocket") assert.equal(closed.code, 1009, "ws: message too big");
        else assert.equal(closed.code, 413, "polling: payload too large");
        // over polling engine.io only answers 413: the session ends when the peer stops polling (ping timeout)
        const [reason] = await disconnected;
        assert.match(reason, /^(transport close|transport error|ping timeout)$/);
        await goodClientWorks();
      } finally {
        peer.close();
      }
    });

    it("a binary attachment over maxHttpBufferSize closes that connection", TIMEOUT, async () => {
      const peer = await FakePeer.open(srv.url, transport);
      try {
        await peer.connect("/");
        await peer.send('51-["echo",{"_placeholder":true,"num":0}]', Buffer.alloc(MAX_BUFFER * 2)).catch(() => undefined);
        const closed = await peer.closed;
        assert.ok(closed.code === 1009 || closed.code === 413, `closed: ${JSON.stringify(closed)}`);
        await goodClientWorks();
      } finally {
        peer.close();
      }
    });

    it("CONNECT to more namespaces than maxNamespacesPerConnection closes the connection", TIMEOUT, async () => {
      const peer = await FakePeer.open(srv.url, transport);
      try {
        const sids = [await peer.connect("/"), await peer.connect("/a"), await peer.connect("/b")];
        const sockets = [srv.io.of("/").sockets.get(sids[0]!)!, srv.io.of("/a").sockets.get(sids[1]!)!, srv.io.of("/b").sockets.get(sids[2]!)!];
        const reasons = sockets.map((s) => next<[string]>(s, "disconnect"));
        await echo(peer, 1, "/b");
        await peer.send("0/c,").catch(() => undefined);
        for (const r of reasons) assert.equal((await r)[0], "parse error");
        await peer.closed;
        assert.equal(srv.io.of("/c").sockets.size, 0);
        await goodClientWorks();
      } finally {
        peer.close();
      }
    });

    it("a CONNECT repeated for a namespace already joined closes the session (as socket.io): it never counts twice", TIMEOUT, async () => {
      const peer = await FakePeer.open(srv.url, transport);
      try {
        await peer.connect("/");
        await peer.connect("/a");
        await peer.send("0/a,").catch(() => undefined); // over polling the POST may race the close
        const info = await peer.closed;
        assert.equal(info.reason, transport === "polling" ? "close packet" : "ws close");
      } finally {
        peer.close();
      }
    });

    it("an ACK for an id never issued is ignored", TIMEOUT, async () => {
      const peer = await FakePeer.open(srv.url, transport);
      try {
        await peer.connect("/");
        await peer.connect("/a");
        await peer.send('3424242["nobody asked"]', "30[]", "3/a,7[1,2]", '61-99[{"_placeholder":true,"num":0}]', Buffer.from([1]));
        await echo(peer, 3);
        await echo(peer, 4, "/a");
        assert.equal(peer.isClosed, false);
        assert.deepEqual(errors, []);
      } finally {
        peer.close();
      }
    });

    it("a duplicate ACK is ignored: the callback runs once", TIMEOUT, async () => {
      const peer = await FakePeer.open(srv.url, transport);
      try {
        const sid = await peer.connect("/");
        const socket = srv.io.of("/").sockets.get(sid)!;
        const calls: unknown[][] = [];
        const acked = new Promise<void>((resolve) =>
          socket.emit("question", 1, (...args: unknown[]) => {
            calls.push(args);
            resolve();
          }),
        );
        const frame = await peer.nextMatching(/^2\d+\["question"/);
        const id = /^2(\d+)/.exec(frame)![1];
        await peer.send(`3${id}["first"]`, `3${id}["second"]`, `3${id}["third"]`);
        await acked;
        await echo(peer, 5); // the duplicates were processed before this round trip
        assert.deepEqual(calls, [["first"]]);
        assert.equal(socket.connected, true);
        assert.equal(socket.pendingAcks, 0);
      } finally {
        peer.close();
      }
    });

    it("an ACK after the ack timed out is ignored", TIMEOUT, async () => {
      const peer = await FakePeer.open(srv.url, transport);
      try {
        const sid = await peer.connect("/");
        const socket = srv.io.of("/").sockets.get(sid)!;
        const result = socket.timeout(50).emitWithAck("late", 1).then(
          () => "answered",
          (err: Error) => err.name,
        );
        const frame = await peer.nextMatching(/^2\d+\["late"/);
        assert.equal(await result, "AckTimeoutError");
        const id = /^2(\d+)/.exec(frame)![1];
        await peer.send(`3${id}["too late"]`);
        await echo(peer, 6);
        assert.equal(socket.connected, true);
      } finally {
        peer.close();
      }
    });

    it("the good client and the server are unharmed", TIMEOUT, async () => {
      await goodClientWorks();
      assert.deepEqual(errors, []);
    });
  });
}
