/**
 * socket.io's Server accessors io.path([value]) and io.connectTimeout([value]): get, set (chainable), and the value
 * set is the one the server then uses — a socket.io-client connects on the path, a bare Engine.IO connection that
 * never joins a namespace is closed after the timeout.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Socket as EngineSocket } from "engine.io-client";
import { io as ioc } from "socket.io-client";
import { Server } from "../../server/index.js";
import { next } from "../helpers/events.js";

async function listening(io: Server): Promise<{ port: number; close: () => Promise<void> }> {
  const http = createServer();
  io.attach(http);
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return { port: (http.address() as AddressInfo).port, close: () => io.close() };
}

describe("server: path() and connectTimeout() accessors", { timeout: 10_000 }, () => {
  it("path(): the default, a new value (trailing slash dropped, chainable), used by the engine", async () => {
    const io = new Server();
    assert.equal(io.path(), "/socket.io");
    assert.equal(io.path("/custom/"), io);
    assert.equal(io.path(), "/custom");
    const srv = await listening(io);
    const client = ioc(`http://127.0.0.1:${srv.port}`, { path: "/custom", transports: ["websocket"] });
    try {
      await next(client, "connect");
      assert.equal(io.sockets.sockets.size, 1);
    } finally {
      client.close();
      await srv.close();
    }
  });

  it("connectTimeout(): the default, a new value (chainable), closing a connection that never joins a namespace", async () => {
    const io = new Server();
    assert.equal(io.connectTimeout(), 45_000);
    assert.equal(io.connectTimeout(150), io);
    assert.equal(io.connectTimeout(), 150);
    const srv = await listening(io);
    const engine = new EngineSocket(`http://127.0.0.1:${srv.port}`, { path: "/socket.io", transports: ["websocket"] });
    try {
      await new Promise<void>((resolve) => engine.once("open", () => resolve()));
      const started = Date.now();
      await new Promise<void>((resolve) => engine.once("close", () => resolve()));
      assert.ok(Date.now() - started >= 100, "closed by the timer, not at once");
    } finally {
      engine.close();
      await srv.close();
    }
  });
});
