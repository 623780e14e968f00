/**
 * roomcast/client around connecting, differential: the same app code with roomcast's client and with
 * socket.io-client 4.8, against one server (roomcast's, and socket.io's), counting on the server what arrives.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { io as sioClient, Manager as SioManager } from "socket.io-client";
import { io as roomcastClient, Manager as RoomcastManager } from "../../client/index.js";
import { KINDS, startKind, type AnyServer, type Kind } from "../helpers/server.js";
import { Clients } from "../helpers/client.js";
import { next } from "../helpers/events.js";

const TIMEOUT = { timeout: 20_000 };
type ClientKind = "roomcast/client" | "socket.io-client";
const CLIENTS: ClientKind[] = ["roomcast/client", "socket.io-client"];

// Both clients expose the same API; the scenarios use it untyped.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyClient = any;

function connectClient(kind: ClientKind, url: string, opts: Record<string, unknown>): AnyClient {
  const all = { forceNew: true, reconnection: false, transports: ["websocket"], ...opts };
  return kind === "roomcast/client" ? roomcastClient(url, all) : sioClient(url, all);
}

function manager(kind: ClientKind, url: string, opts: Record<string, unknown>): AnyClient {
  const all = { reconnection: false, transports: ["websocket"], ...opts };
  return kind === "roomcast/client" ? new RoomcastManager(url, all) : new SioManager(url, all);
}

/** Counts the Socket.IO frames of `type` + `nsp` every session sends to `io` (read from engine.io's packets). */
function countFrames(io: AnyServer, prefix: string): { count: number } {
  const seen = { count: 0 };
  io.engine.on("connection", (conn: AnyServer) => {
    conn.on("packet", (p: { type: string; data?: unknown }) => {
      if (p.type === "message" && typeof p.data === "string" && p.data.startsWith(prefix)) seen.count++;
    });
  });
  return seen;
}

describe("compat: retries and an emit from the 'connect' listener", TIMEOUT, () => {
  for (const server of KINDS) {
    it(`against ${server}: the emit reaches the server once, with either client`, async () => {
      const results = {} as Record<ClientKind, unknown>;
      for (const kind of CLIENTS) {
        await using srv = await startKind(server);
        using clients = new Clients();
        const hits: number[] = [];
        srv.io.on("connection", (socket: AnyServer) => {
          socket.on("hit", (n: number, ack: () => void) => (hits.push(n), ack()));
          socket.on("done", (ack: () => void) => ack());
        });
        const client = clients.track(connectClient(kind, srv.url, { retries: 3, ackTimeout: 2000 }));
        client.on("connect", () => client.emit("hit", 1));
        await next(client, "connect");
        // the retry queue is FIFO: "done" is sent once "hit" is acknowledged
        await client.emitWithAck("done");
        results[kind] = [...hits];
      }
      assert.deepEqual(results["roomcast/client"], results["socket.io-client"]);
      assert.deepEqual(results["roomcast/client"], [1]);
    });
  }

  it("an emit queued while offline is sent once on connect, before the 'connect' listener's emit", async () => {
    const results = {} as Record<ClientKind, unknown>;
    for (const kind of CLIENTS) {
      await using srv = await startKind("roomcast");
      using clients = new Clients();
      const hits: string[] = [];
      srv.io.on("connection", (socket: AnyServer) => {
        socket.on("hit", (n: string, ack: () => void) => (hits.push(n), ack()));
        socket.on("done", (ack: () => void) => ack());
      });
      const client = clients.track(connectClient(kind, srv.url, { retries: 3, ackTimeout: 2000, autoConnect: false }));
      client.emit("hit", "queued");
      client.on("connect", () => client.emit("hit", "from connect"));
      client.connect();
      await next(client, "connect");
      await client.emitWithAck("done");
      results[kind] = [...hits];
    }
    assert.deepEqual(results["roomcast/client"], results["socket.io-client"]);
    assert.deepEqual(results["roomcast/client"], ["queued", "from connect"]);
  });
});

describe("compat: a namespace socket created in the Manager's 'open' listener", TIMEOUT, () => {
  for (const server of KINDS) {
    it(`against ${server}: one CONNECT, the session stays up, with either client`, async () => {
      const results = {} as Record<ClientKind, unknown>;
      for (const kind of CLIENTS) {
        const srv = await startKind(server as Kind);
        const connects = countFrames(srv.io, "0/a,");
        const joined: string[] = [];
        srv.io.of("/a").on("connection", (socket: AnyServer) => {
          joined.push(socket.id);
          socket.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v));
        });
        const io = manager(kind, srv.url, {}); // opens at once (asynchronously): the listener is in place in time
        let socket: AnyClient;
        const created = new Promise<void>((resolve) =>
          io.on("open", () => {
            socket = io.socket("/a");
            resolve();
          }),
        );
        try {
          await created;
          if (!socket.connected) await next(socket, "connect");
          const echoed: unknown = await socket.timeout(3000).emitWithAck("echo", "ok");
          results[kind] = { connects: connects.count, joined: joined.length, echoed, connected: socket.connected };
        } finally {
          socket?.disconnect();
          io.disconnect();
          await srv.close();
        }
      }
      assert.deepEqual(results["roomcast/client"], results["socket.io-client"]);
      assert.deepEqual(results["roomcast/client"], { connects: 1, joined: 1, echoed: "ok", connected: true });
    });
  }
});

describe("compat: order of the socket's and the Manager's events", TIMEOUT, () => {
  // socket.io-client's sockets listen to their Manager's "open", "error" and "close" from their creation, so before
  // listeners the app adds afterwards: the socket's own event comes first
  it("a transport close: the socket's 'disconnect', then the Manager's 'close' (as socket.io-client)", async () => {
    const results = {} as Record<ClientKind, unknown>;
    for (const kind of CLIENTS) {
      await using srv = await startKind("roomcast");
      using clients = new Clients();
      const client = clients.track(connectClient(kind, srv.url, {}));
      const order: string[] = [];
      client.on("disconnect", (reason: string) => order.push(`socket disconnect: ${reason}`));
      client.io.on("close", (reason: string) => order.push(`manager close: ${reason}`));
      await next(client, "connect");
      const closed = next(client.io, "close");
      for (const socket of srv.io.of("/").sockets.values()) socket.conn.close();
      await closed;
      results[kind] = [...order]; // client.close() below adds its own "forced close"
    }
    assert.deepEqual(results["roomcast/client"], results["socket.io-client"]);
    assert.deepEqual(results["roomcast/client"], ["socket disconnect: transport close", "manager close: transport close"]);
  });

  it("a connection refused: the socket's 'connect_error', then the Manager's 'error' (as socket.io-client)", async () => {
    const srv = await startKind("roomcast");
    const port = srv.port;
    await srv.close(); // nothing listens there any more
    const results = {} as Record<ClientKind, unknown>;
    for (const kind of CLIENTS) {
      const client = connectClient(kind, `http://127.0.0.1:${port}`, {});
      const order: string[] = [];
      client.on("connect_error", () => order.push("socket connect_error"));
      client.io.on("error", () => order.push("manager error"));
      try {
        await next(client.io, "error");
        results[kind] = [...order]; // client.close() below adds its own "forced close"
      } finally {
        client.close();
      }
    }
    assert.deepEqual(results["roomcast/client"], results["socket.io-client"]);
    assert.deepEqual(results["roomcast/client"], ["socket connect_error", "manager error"]);
  });
});
