/** Broadcasts that want acknowledgements: `io.timeout(ms).emit(ev, (err, responses) => …)` and emitWithAck. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { next } from "../helpers/events.js";
import type { Server } from "../../server/index.js";
import { startServer } from "../helpers/server.js";
import { Clients, MODES, serverSocketOf, type ClientSocket } from "../helpers/client.js";

type Result = [Error | null, unknown[]];

function answering(client: ClientSocket, value: unknown): ClientSocket {
  client.on("q", (ack: (v: unknown) => void) => ack(value));
  return client;
}

for (const mode of MODES) {
  describe(`broadcast acks over ${mode}`, { timeout: 10_000 }, () => {
    it("every socket answers: (null, responses)", async () => {
      await using srv = await startServer();
      using clients = new Clients(mode);
      const list = await Promise.all([1, 2, 3].map(() => clients.connect(srv.url)));
      list.forEach((c, i) => answering(c, { n: i, bin: Buffer.from([i]) }));
      const [err, responses] = await new Promise<Result>((resolve) =>
        srv.io.timeout(3000).emit("q", (e: Error | null, r: unknown[]) => resolve([e, r])),
      );
      assert.equal(err, null);
      assert.equal(responses.length, 3);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const ns = (responses as any[]).map((r) => r.n).sort();
      assert.deepEqual(ns, [0, 1, 2]);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      for (const r of responses as any[]) assert.deepEqual([...new Uint8Array(r.bin)], [r.n]);
    });
  });
}

describe("broadcast acks", { timeout: 10_000 }, () => {
  it("some sockets do not answer: an Error and the responses received", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => clients.connect(srv.url)));
    answering(a!, "a");
    answering(b!, "b");
    c!.on("q", () => {}); // never acks
    const started = Date.now();
    const [err, responses] = await new Promise<Result>((resolve) =>
      srv.io.timeout(200).emit("q", (e: Error | null, r: unknown[]) => resolve([e, r])),
    );
    assert.ok(err instanceof Error);
    assert.ok(Date.now() - started >= 150);
    assert.deepEqual([...responses].sort(), ["a", "b"]);
    // a late answer of the silent socket is ignored and leaves nothing pending
    assert.equal(serverSocketOf(srv.io.sockets, c!).pendingAcks, 0);
  });

  it("emitWithAck resolves with all responses, rejects on timeout", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const [a, b] = await Promise.all([1, 2].map(() => clients.connect(srv.url)));
    answering(a!, 1);
    answering(b!, 2);
    const all = await srv.io.timeout(3000).emitWithAck("q");
    assert.deepEqual([...all].sort(), [1, 2]);
    const silent = await clients.connect(srv.url);
    silent.on("q", () => {});
    await assert.rejects(srv.io.timeout(100).emitWithAck("q"), Error);
  });

  it("targets rooms; no matching socket answers at once with []", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const [a, b] = await Promise.all([1, 2].map(() => clients.connect(srv.url)));
    answering(a!, "a");
    b!.on("q", () => assert.fail("b is not in the room"));
    await serverSocketOf(srv.io.sockets, a!).join("room");
    assert.deepEqual(await srv.io.to("room").timeout(3000).emitWithAck("q"), ["a"]);
    assert.deepEqual(await srv.io.to("empty-room").timeout(3000).emitWithAck("q"), []);
    const sa = serverSocketOf(srv.io.sockets, a!);
    // socket.broadcast leaves the sender out
    answering(b!, "b");
    b!.off("q");
    answering(b!, "b");
    assert.deepEqual(await sa.broadcast.timeout(3000).emitWithAck("q"), ["b"]);
  });

  it("a target that disconnects before answering is not waited for", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const [a, b] = await Promise.all([1, 2].map(() => clients.connect(srv.url)));
    answering(a!, "a");
    const sb = serverSocketOf(srv.io.sockets, b!);
    const started = Date.now();
    const result = new Promise<Result>((resolve) =>
      srv.io.timeout(5000).emit("q", (e: Error | null, r: unknown[]) => resolve([e, r])),
    );
    await next(b!, "q");
    const gone = next(sb, "disconnect");
    b!.disconnect();
    await gone;
    const [err, responses] = await result;
    assert.equal(err, null);
    assert.deepEqual(responses, ["a"]);
    assert.ok(Date.now() - started < 4000);
  });
});
