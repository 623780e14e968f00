/** Connection state recovery: same id, rooms and data, and the packets missed meanwhile, exactly once. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../helpers/server.js";
import { next } from "../helpers/events.js";
import type { Server, Socket } from "../../server/index.js";
import { Clients, connected, serverSocketOf, type ClientSocket } from "../helpers/client.js";

/** Records the first argument of every "tick" (the trailing offset argument is socket.io's, not the app's). */
function ticks(client: ClientSocket): unknown[] {
  const got: unknown[] = [];
  client.on("tick", (n: unknown) => got.push(n));
  return got;
}

/** Resolves once every event sent before this call reached the client. */
async function drain(srv: TestServer<Server>, client: ClientSocket): Promise<void> {
  const end = next(client, "end");
  srv.io.to(client.id!).emit("end");
  await end;
}

for (const mode of ["websocket", "polling", "upgrade"] as const) {
  describe(`connection state recovery over ${mode}`, { timeout: 10_000 }, () => {
    /** A server with connection state recovery; `middlewareRuns` counts the runs of its middleware. */
    async function server(): Promise<TestServer<Server> & { middlewareRuns: number }> {
      const srv = Object.assign(await startServer({ connectionStateRecovery: {} }), { middlewareRuns: 0 });
      srv.io.use((_socket, next) => {
        srv.middlewareRuns++;
        next();
      });
      return srv;
    }

    async function setup(srv: TestServer<Server>, clients: Clients): Promise<{ client: ClientSocket; socket: Socket; got: unknown[] }> {
      const client = await clients.connect(srv.url);
      const socket = serverSocketOf(srv.io.sockets, client);
      await socket.join("room");
      socket.data = { user: "ann" };
      const got = ticks(client);
      srv.io.emit("tick", 0); // gives the client an offset
      await drain(srv, client);
      return { client, socket, got };
    }

    it("restores id, rooms and data, and replays the missed packets exactly once", async () => {
      await using srv = await server();
      using clients = new Clients(mode);
      const { client, socket, got } = await setup(srv, clients);
      const oldId = client.id;
      const dropped = next<[string]>(socket, "disconnect");
      client.io.engine.close(); // the transport drops; the session stays recoverable
      assert.equal((await dropped)[0], "transport close");

      srv.io.to("room").emit("tick", 1);
      srv.io.emit("tick", 2);
      srv.io.to("elsewhere").emit("tick", 99);
      srv.io.except("room").emit("tick", 98);
      socket.emit("tick", 3); // to the old socket object: its own room, logged for replay
      srv.io.emit("tick", Buffer.from([4]));

      const runsBefore = srv.middlewareRuns;
      const conn = next<[Socket]>(srv.io, "connection");
      client.connect();
      await connected(client);
      const [restored] = await conn;
      assert.equal(client.recovered, true);
      assert.equal(client.id, oldId);
      assert.equal(restored.id, oldId);
      assert.equal(restored.recovered, true);
      assert.deepEqual([...restored.rooms].sort(), [oldId, "room"].sort());
      assert.deepEqual(restored.data, { user: "ann" });
      assert.equal(srv.middlewareRuns, runsBefore, "middlewares are skipped for a recovered session");

      srv.io.emit("tick", 5);
      await drain(srv, client);
      const normalised = got.map((v) => (Buffer.isBuffer(v) || v instanceof ArrayBuffer ? [...new Uint8Array(v)] : v));
      assert.deepEqual(normalised, [0, 1, 2, 3, [4], 5]);
      assert.deepEqual(srv.io.sockets.adapter.recoveryBacklog.sessions, 0, "the session was consumed");
    });

    it("a client namespace disconnect is not recoverable: new id, no replay", async () => {
      await using srv = await server();
      using clients = new Clients(mode);
      const { client, socket, got } = await setup(srv, clients);
      const oldId = client.id;
      const gone = next(socket, "disconnect");
      client.disconnect();
      await gone;
      srv.io.emit("tick", 1);
      client.connect();
      await connected(client);
      assert.equal(client.recovered, false);
      assert.notEqual(client.id, oldId);
      const fresh = serverSocketOf(srv.io.sockets, client);
      assert.equal(fresh.recovered, false);
      assert.deepEqual([...fresh.rooms], [fresh.id]);
      await drain(srv, client);
      assert.deepEqual(got, [0]);
    });

    it("reconnects and recovers on its own after a transport drop (automatic reconnection)", async () => {
      await using srv = await server();
      using clients = new Clients(mode);
      const client = await clients.connect(srv.url, "/", { reconnection: true, reconnectionDelay: 20, randomizationFactor: 0 });
      const socket = serverSocketOf(srv.io.sockets, client);
      await socket.join("room");
      const got = ticks(client);
      srv.io.emit("tick", 0);
      await drain(srv, client);
      socket.on("disconnect", () => {
        // emitted before the client can be back: it can only get these by replay
        srv.io.to("room").emit("tick", 1);
        srv.io.emit("tick", 2);
      });
      const back = next(client, "connect");
      client.io.engine.close();
      await back;
      assert.equal(client.recovered, true);
      await drain(srv, client);
      assert.deepEqual(got, [0, 1, 2]);
    });
  });
}

describe("connection state recovery limits", { timeout: 10_000 }, () => {
  const WINDOW = 60_000; // far longer than the test runs: only the clock moved forward below can end it

  it("a session is not recovered after maxDisconnectionDuration", async (t) => {
    await using srv = await startServer({ connectionStateRecovery: { maxDisconnectionDuration: WINDOW } });
    using clients = new Clients("websocket");
    const client = await clients.connect(srv.url);
    const socket = serverSocketOf(srv.io.sockets, client);
    srv.io.emit("tick", 0);
    await drain(srv, client);
    const oldId = client.id;
    const dropped = next(socket, "disconnect");
    client.io.engine.close();
    await dropped;
    // the window is enforced when the session is claimed, against Date.now(): move that clock past its end (timers
    // stay real, so ping and reconnection timing are untouched; the mock is undone when the test ends)
    t.mock.timers.enable({ apis: ["Date"], now: Date.now() });
    t.mock.timers.tick(WINDOW + 1);
    client.connect();
    await connected(client);
    assert.equal(client.recovered, false);
    assert.notEqual(client.id, oldId);
  });
});

describe("connection state recovery with skipMiddlewares: false, on a custom namespace", { timeout: 10_000 }, () => {
  /** A server whose "/chat" middleware records each socket it sees in `seen`. */
  async function server(): Promise<TestServer<Server> & { seen: Array<{ id: string; recovered: boolean }> }> {
    const srv = Object.assign(await startServer({ connectionStateRecovery: { skipMiddlewares: false } }), {
      seen: [] as Array<{ id: string; recovered: boolean }>,
    });
    srv.io.of("/chat").use((socket, next) => {
      srv.seen.push({ id: socket.id, recovered: socket.recovered });
      next();
    });
    return srv;
  }

  it("runs the middlewares for the recovered socket, which already has its old id", async () => {
    await using srv = await server();
    using clients = new Clients("websocket");
    const client = await clients.connect(srv.url, "/chat");
    const nsp = srv.io.of("/chat");
    const socket = serverSocketOf(nsp, client);
    const got = ticks(client);
    const first = next(client, "tick");
    nsp.emit("tick", 0);
    await first;
    const dropped = next(socket, "disconnect");
    client.io.engine.close();
    await dropped;
    nsp.emit("tick", 1);
    client.connect();
    await connected(client);
    assert.equal(client.recovered, true);
    assert.deepEqual(srv.seen, [
      { id: socket.id, recovered: false },
      { id: socket.id, recovered: true },
    ]);
    const last = next(client, "tick");
    nsp.emit("tick", 2);
    await last;
    assert.deepEqual(got, [0, 1, 2]);
  });
});
