/**
 * roomcast/client around connecting, differential: the same app code with roomcast's client and with
 * socket.io-client 4.8, against one server (roomcast's, and socket.io's), counting on the server what arrives.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { io as sioClient, Manager as SioManager } from "socket.io-client";
import { io as roomcastClient, Manager as RoomcastManager } from "../../client/index.js";
import { KINDS, start, type AnyServer, type Kind } from "../client/servers.js";
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
        const srv = await start(server);
        const hits: number[] = [];
        srv.io.on("connection", (socket: AnyServer) => {
          socket.on("hit", (n: number, ack: () => void) => (hits.push(n), ack()));
          socket.on("done", (ack: () => void) => ack());
        });
        const client = connectClient(kind, srv.url, { retries: 3, ackTimeout: 2000 });
        client.on("connect", () => client.emit("hit", 1));
        try {
          await next(client, "connect");
          // the retry queue is FIFO: "done" is sent once "hit" is acknowledged
          await client.emitWithAck("done");
          results[kind] = [...hits];
        } finally {
          client.close();
          await srv.close();
        }
      }
      assert.deepEqual(results["roomcast/client"], results["socket.io-client"]);
      assert.deepEqual(results["roomcast/client"], [1]);
    });
  }

  it("an emit queued while offline is sent once on connect, before the 'connect' listener's emit", async () => {
    const results = {} as Record<ClientKind, unknown>;
    for (const kind of CLIENTS) {
      const srv = await start("roomcast");
      const hits: string[] = [];
      srv.io.on("connection", (socket: AnyServer) => {
        socket.on("hit", (n: string, ack: () => void) => (hits.push(n), ack()));
        socket.on("done", (ack: () => void) => ack());
      });
      const client = connectClient(kind, srv.url, { retries: 3, ackTimeout: 2000, autoConnect: false });
      client.emit("hit", "queued");
      client.on("connect", () => client.emit("hit", "from connect"));
      try {
        client.connect();
        await next(client, "connect");
        await client.emitWithAck("done");
        results[kind] = [...hits];
      } finally {
        client.close();
        await srv.close();
      }
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
        const srv = await start(server as Kind);
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
