import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Clients } from "./helpers/client.js";
import { startServer } from "./helpers/server.js";
import { next } from "./helpers/events.js";

describe("smoke: official socket.io-client against roomcast", { timeout: 10_000 }, () => {
  it("connects and exchanges an event with an ack", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    srv.io.on("connection", (socket) => {
      socket.on("double", (n: number, ack: (r: number) => void) => ack(n * 2));
    });
    const client = clients.open(srv.url);
    await next(client, "connect");
    assert.equal(await client.emitWithAck("double", 21), 42);
  });
});
