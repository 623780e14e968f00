/**
 * Regression: with connection state recovery on, a volatile emit whose last argument is a string lost that argument
 * in roomcast's client (it took it for the recovery offset). roomcast's server now ends every ack-less EVENT with an
 * offset, volatile ones included, so the app's own trailing string always arrives.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { io } from "../../client/index.js";
import { Clients } from "../helpers/client.js";
import { startServer } from "../helpers/server.js";
import { next } from "../helpers/events.js";

describe("regression: volatile emit with a trailing string under recovery", { timeout: 10_000 }, () => {
  for (const volatileFirst of [true, false]) {
    it(`keeps the app's last string argument (volatile ${volatileFirst ? "before" : "after"} a logged packet)`, async () => {
      await using srv = await startServer({ connectionStateRecovery: {} });
      using clients = new Clients();
      srv.io.once("connection", (socket) => {
        if (volatileFirst) socket.volatile.emit("note", 1, "tail");
        socket.emit("plain", "x", "last");
        if (!volatileFirst) socket.volatile.emit("note", 1, "tail");
      });
      const client = clients.track(io(srv.url, { transports: ["websocket"], forceNew: true }));
      const [note, plain] = await Promise.all([next(client, "note"), next(client, "plain")]);
      assert.deepEqual(note, [1, "tail"]);
      assert.deepEqual(plain, ["x", "last"]);
    });
  }
});
