/** Disconnect reasons on the server socket, "disconnecting", ping timeout and connectTimeout (raw peers). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../helpers/server.js";
import { next } from "../helpers/events.js";
import { FakePeer } from "../helpers/fake-peer.js";
import type { Server, Socket } from "../../server/index.js";
import { Clients, MODES, connected, serverSocketOf } from "../helpers/client.js";

type Reason = [string, unknown?];

for (const mode of MODES) {
  describe(`disconnect reasons over ${mode}`, { timeout: 10_000 }, () => {
    async function pair(srv: TestServer, clients: Clients): Promise<{ client: Awaited<ReturnType<Clients["connect"]>>; socket: Socket }> {
      const client = await clients.connect(srv.url);
      return { client, socket: serverSocketOf(srv.io.sockets, client) };
    }

    it("client namespace disconnect", async () => {
      await using srv = await startServer();
      using clients = new Clients(mode);
      const { client, socket } = await pair(srv, clients);
      const reason = next<Reason>(socket, "disconnect");
      client.disconnect();
      assert.equal((await reason)[0], "client namespace disconnect");
      assert.equal(socket.connected, false);
      assert.equal(srv.io.sockets.sockets.has(socket.id), false);
    });

    it("server namespace disconnect, seen by the client as io server disconnect", async () => {
      await using srv = await startServer();
      using clients = new Clients(mode);
      const { client, socket } = await pair(srv, clients);
      const reason = next<Reason>(socket, "disconnect");
      const clientReason = next<Reason>(client, "disconnect");
      socket.disconnect();
      assert.equal((await reason)[0], "server namespace disconnect");
      assert.equal((await clientReason)[0], "io server disconnect");
    });

    it("transport close when the client's engine closes", async () => {
      await using srv = await startServer();
      using clients = new Clients(mode);
      const { client, socket } = await pair(srv, clients);
      const reason = next<Reason>(socket, "disconnect");
      client.io.engine.close();
      assert.equal((await reason)[0], "transport close");
    });

    // (skipped after an upgrade: with socket.io's own server too, that leaves a half-closed client socket for 30 s)
    it("forced close when the server closes the engine.io socket", { skip: mode === "upgrade" }, async () => {
      await using srv = await startServer();
      using clients = new Clients(mode);
      const { socket } = await pair(srv, clients);
      const reason = next<Reason>(socket, "disconnect");
      socket.conn.close();
      assert.equal((await reason)[0], "forced close");
    });

    it("disconnect() called from a \"disconnecting\" handler does not re-enter: one disconnect event", async () => {
      await using srv = await startServer();
      using clients = new Clients(mode);
      const { client, socket } = await pair(srv, clients);
      let disconnecting = 0;
      const reasons: string[] = [];
      socket.on("disconnecting", () => {
        disconnecting++;
        socket.disconnect();
      });
      socket.on("disconnect", (reason) => reasons.push(reason));
      const done = next(socket, "disconnect");
      client.disconnect();
      await done;
      // a later round trip on a fresh client proves the server finished handling it
      const other = await clients.connect(srv.url);
      assert.ok(serverSocketOf(srv.io.sockets, other));
      assert.equal(disconnecting, 1);
      assert.deepEqual(reasons, ["client namespace disconnect"]);
    });

    it("\"disconnecting\" still lists the rooms, \"disconnect\" no longer does", async () => {
      await using srv = await startServer();
      using clients = new Clients(mode);
      const { client, socket } = await pair(srv, clients);
      await socket.join(["a", "b"]);
      const seen: { disconnecting?: string[]; disconnect?: string[] } = {};
      socket.on("disconnecting", () => {
        seen.disconnecting = [...socket.rooms].sort();
      });
      const done = next(socket, "disconnect").then(() => {
        seen.disconnect = [...socket.rooms];
      });
      client.disconnect();
      await done;
      assert.deepEqual(seen.disconnecting, [socket.id, "a", "b"].sort());
      assert.deepEqual(seen.disconnect, []);
      assert.equal(srv.io.sockets.adapter.rooms.has("a"), false);
    });
  });
}

describe("a disconnected socket object", { timeout: 10_000 }, () => {
  async function server(): Promise<TestServer<Server>> {
    const srv = await startServer();
    srv.io.of("/x");
    return srv;
  }

  it("join() after disconnect leaves no ghost room", async () => {
    await using srv = await server();
    using clients = new Clients("websocket");
    const client = await clients.connect(srv.url);
    const socket = serverSocketOf(srv.io.sockets, client);
    const gone = next(socket, "disconnect");
    client.disconnect();
    await gone;
    await socket.join("late"); // e.g. at the end of an async handler
    assert.equal(srv.io.sockets.adapter.rooms.has("late"), false);
    assert.equal(srv.io.sockets.adapter.sids.has(socket.id), false);
  });

  it("a \"disconnecting\" handler can still broadcast to the socket's rooms", async () => {
    await using srv = await server();
    using clients = new Clients("websocket");
    const [a, b] = [await clients.connect(srv.url), await clients.connect(srv.url)];
    const [sa, sb] = [serverSocketOf(srv.io.sockets, a), serverSocketOf(srv.io.sockets, b)];
    await sa.join("room");
    await sb.join("room");
    sa.on("disconnecting", () => {
      for (const room of sa.rooms) if (room !== sa.id) sa.to(room).emit("left", sa.id);
    });
    const left = next<[string]>(b, "left");
    a.disconnect();
    assert.deepEqual(await left, [sa.id]);
  });

  it("emit() after a namespace disconnect does not leak into the client's next session", async () => {
    await using srv = await server();
    using clients = new Clients("websocket");
    const main = await clients.connect(srv.url);
    const other = main.io.socket("/x");
    await connected(other);
    const stale = serverSocketOf(srv.io.of("/x"), other);
    const gone = next(other, "disconnect");
    stale.disconnect();
    await gone;
    stale.emit("stale", 1);
    await assert.rejects(stale.emitWithAck("stale"), Error, "an ack on a disconnected socket fails at once");
    const leaked: unknown[] = [];
    other.on("stale", (v: unknown) => leaked.push(v));
    other.connect();
    await connected(other);
    const fresh = serverSocketOf(srv.io.of("/x"), other);
    const marker = next(other, "marker");
    fresh.emit("marker");
    await marker;
    assert.deepEqual(leaked, []);
  });
});

describe("server-side lifecycle", { timeout: 10_000 }, () => {
  for (const mode of MODES) {
    it(`server shutting down on io.close(), for every namespace (${mode})`, async () => {
      await using srv = await startServer();
      using clients = new Clients(mode);
      srv.io.of("/x");
      const client = await clients.connect(srv.url);
      const other = await clients.connect(srv.url, "/x");
      const s1 = serverSocketOf(srv.io.sockets, client);
      const s2 = serverSocketOf(srv.io.of("/x"), other);
      const reasons = [next<Reason>(s1, "disconnect"), next<Reason>(s2, "disconnect")];
      const clientGone = next(client, "disconnect");
      const closed = srv.io.close();
      for (const r of await Promise.all(reasons)) assert.equal(r[0], "server shutting down");
      await clientGone;
      await closed;
      assert.equal(srv.io.httpServer?.listening, false);
    });
  }

  it("ping timeout when the peer stops answering pings", async () => {
    await using srv = await startServer({ pingInterval: 100, pingTimeout: 100 });
    const conn = next<[Socket]>(srv.io, "connection");
    using peer = await FakePeer.open(srv.url, "websocket", { answerPings: false });
    let pinged = false;
    peer.on("ping", () => (pinged = true));
    await peer.connect("/");
    const [socket] = await conn;
    const started = Date.now();
    const [reason] = await next<Reason>(socket, "disconnect", 3000);
    assert.equal(reason, "ping timeout");
    assert.ok(Date.now() - started >= 100);
    assert.ok(pinged, "the server pinged");
    await peer.closed;
  });

  it("connectTimeout closes an engine.io connection that never sends CONNECT", async () => {
    await using srv = await startServer({ connectTimeout: 150 });
    using peer = await FakePeer.open(srv.url, "websocket");
    const started = Date.now();
    await peer.closed;
    assert.ok(Date.now() - started >= 100, "closed by the timer, not at once");
    assert.equal(srv.io.engine.clientsCount, 0);
  });

  it("connectTimeout does not close a connection that joined a namespace", async () => {
    await using srv = await startServer({ connectTimeout: 100 });
    using clients = new Clients("websocket");
    const client = await clients.connect(srv.url);
    const socket = serverSocketOf(srv.io.sockets, client);
    socket.on("disconnect", () => assert.fail("must stay connected"));
    // still answering after several timeouts' worth of round trips
    const started = Date.now();
    client.on("echo", (ack: () => void) => ack());
    while (Date.now() - started < 300) await socket.timeout(1000).emitWithAck("echo");
    assert.equal(socket.connected, true);
    socket.removeAllListeners("disconnect");
  });

  it("parse error closes only the connection that sent a malformed packet", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const good = await clients.connect(srv.url);
    const conn = next<[Socket]>(srv.io, "connection");
    using peer = await FakePeer.open(srv.url, "websocket");
    await peer.connect("/");
    const [socket] = await conn;
    const reason = next<Reason>(socket, "disconnect");
    await peer.send('2["unterminated'); // EVENT with invalid JSON
    assert.equal((await reason)[0], "parse error");
    await peer.closed;
    const gs = serverSocketOf(srv.io.sockets, good);
    const got = next(gs, "still");
    good.emit("still");
    await got;
  });

  it("socket.disconnect(true) closes the underlying connection", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const client = await clients.connect(srv.url);
    const socket = serverSocketOf(srv.io.sockets, client);
    const reason = next<Reason>(socket, "disconnect");
    const engineClosed = next(client.io.engine as never, "close");
    socket.disconnect(true);
    assert.equal((await reason)[0], "server namespace disconnect");
    await engineClosed;
    assert.equal(srv.io.engine.clientsCount, 0);
  });
});
