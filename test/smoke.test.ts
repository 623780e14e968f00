import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { io as ioc } from "socket.io-client";
import { startServer } from "./helpers/server.js";
import { next } from "./helpers/events.js";

describe("smoke: official socket.io-client against roomcast", { timeout: 10_000 }, async () => {
  const srv = await startServer();
  after(() => srv.close());

  it("connects and exchanges an event with an ack", async () => {
    srv.io.on("connection", (socket) => {
      socket.on("double", (n: number, ack: (r: number) => void) => ack(n * 2));
    });
    const client = ioc(srv.url, { transports: ["websocket"] });
    try {
      await next(client, "connect");
      assert.equal(await client.emitWithAck("double", 21), 42);
    } finally {
      client.close();
    }
  });
});
