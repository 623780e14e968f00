/**
 * `socket.client`, differential against socket.io 4.8: its public members (`request`: the handshake's
 * IncomingMessage, `conn`: the Engine.IO socket) and what app code commonly reads through them.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { IncomingMessage } from "node:http";
import { io as ioc } from "socket.io-client";
import { KINDS, startKind, type AnyServer, type Kind } from "../helpers/server.js";
import { Clients } from "../helpers/client.js";
import { next } from "../helpers/events.js";

describe("compat: socket.client", { timeout: 20_000 }, () => {
  for (const transport of ["websocket", "polling"] as const) {
    it(`${transport}: client.request is the handshake's IncomingMessage, client.conn the Engine.IO socket (as socket.io)`, async () => {
      const seen = {} as Record<Kind, unknown>;
      for (const kind of KINDS) {
        await using srv = await startKind(kind);
        using clients = new Clients();
        const connected = new Promise<AnyServer>((resolve) => srv.io.once("connection", resolve));
        const client = clients.track(ioc(srv.url, { forceNew: true, reconnection: false, transports: [transport], query: { room: "r1" } }));
        await next(client, "connect");
        const socket = await connected;
        const { request, conn } = socket.client as { request: IncomingMessage; conn: AnyServer };
        const url = new URL(request.url ?? "", "http://x");
        assert.ok(request instanceof IncomingMessage, `${kind}: request`);
        assert.equal(request, socket.request, `${kind}: socket.request is the same object`);
        assert.equal(conn, socket.conn, `${kind}: socket.conn is the same object`);
        seen[kind] = {
          method: request.method,
          query: url.searchParams.get("room"),
          eio: url.searchParams.get("EIO"),
          remote: typeof request.socket?.remoteAddress === "string" || request.socket === null,
          userAgent: typeof request.headers["user-agent"],
          transport: conn.transport.name,
          readyState: conn.readyState,
          sidIsEngineId: typeof conn.id === "string" && conn.id.length > 0,
        };
      }
      assert.deepEqual(seen.roomcast, seen["socket.io"]);
      assert.deepEqual((seen.roomcast as { query: string }).query, "r1");
    });
  }
});
