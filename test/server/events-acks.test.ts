/** Events, binary payloads and acknowledgements in both directions, over every transport. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { next } from "../helpers/events.js";
import type { Server } from "../../server/index.js";
import { startServer } from "../helpers/server.js";
import { Clients, MODES, serverSocketOf } from "../helpers/client.js";

/** Bytes of any binary (Buffer, ArrayBuffer, typed array) as a plain array, for comparisons. */
function bytes(value: unknown): number[] {
  if (value instanceof ArrayBuffer) return [...new Uint8Array(value)];
  if (ArrayBuffer.isView(value)) return [...new Uint8Array(value.buffer, value.byteOffset, value.byteLength)];
  throw new Error(`not binary: ${Object.prototype.toString.call(value)}`);
}

function mixedPayload() {
  return {
    text: "héllo",
    n: 42,
    buf: Buffer.from([1, 2, 3]),
    nested: { ab: new Uint8Array([4, 5]).buffer, list: [new Uint16Array([0x0102]), "x", null, { deep: Buffer.from("z") }] },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function assertMixed(got: any): void {
  assert.equal(got.text, "héllo");
  assert.equal(got.n, 42);
  assert.deepEqual(bytes(got.buf), [1, 2, 3]);
  assert.deepEqual(bytes(got.nested.ab), [4, 5]);
  assert.deepEqual(bytes(got.nested.list[0]), bytes(new Uint16Array([0x0102])));
  assert.equal(got.nested.list[1], "x");
  assert.equal(got.nested.list[2], null);
  assert.deepEqual(bytes(got.nested.list[3].deep), [0x7a]);
}

for (const mode of MODES) {
  describe(`events and acks over ${mode}`, { timeout: 10_000 }, () => {
    it("delivers JSON events both ways", async () => {
      await using srv = await startServer();
      using clients = new Clients(mode);
      const client = await clients.connect(srv.url);
      const socket = serverSocketOf(srv.io.sockets, client);
      const got = next<unknown[]>(socket, "hello");
      client.emit("hello", "a", 1, { b: [true, null] });
      assert.deepEqual(await got, ["a", 1, { b: [true, null] }]);
      const back = next<unknown[]>(client, "welcome");
      socket.emit("welcome", { x: "y" }, 2);
      assert.deepEqual(await back, [{ x: "y" }, 2]);
    });

    it("delivers binary nested in objects and arrays both ways", async () => {
      await using srv = await startServer();
      using clients = new Clients(mode);
      const client = await clients.connect(srv.url);
      const socket = serverSocketOf(srv.io.sockets, client);
      const got = next<unknown[]>(socket, "bin");
      client.emit("bin", mixedPayload(), Buffer.from([9]));
      const [payload, extra] = await got;
      assertMixed(payload);
      assert.deepEqual(bytes(extra), [9]);

      const back = next<unknown[]>(client, "bin");
      socket.emit("bin", mixedPayload(), [new Uint8Array([7, 8])]);
      const [p2, arr] = await back;
      assertMixed(p2);
      assert.deepEqual(bytes((arr as unknown[])[0]), [7, 8]);
    });

    it("acks a client emit, with binary", async () => {
      await using srv = await startServer();
      using clients = new Clients(mode);
      const client = await clients.connect(srv.url);
      const socket = serverSocketOf(srv.io.sockets, client);
      socket.on("sum", (a: number, b: number, ack: (...r: unknown[]) => void) => ack(a + b, Buffer.from([a, b])));
      const [sum, buf] = await new Promise<unknown[]>((resolve) => client.emit("sum", 2, 3, (...r: unknown[]) => resolve(r)));
      assert.equal(sum, 5);
      assert.deepEqual(bytes(buf), [2, 3]);
      assert.equal(await client.emitWithAck("sum", 10, 1), 11);
    });

    it("gets the client's ack of a server emit, with binary", async () => {
      await using srv = await startServer();
      using clients = new Clients(mode);
      const client = await clients.connect(srv.url);
      const socket = serverSocketOf(srv.io.sockets, client);
      client.on("echo", (value: unknown, ack: (...r: unknown[]) => void) => ack(value, "ok"));
      const args = await new Promise<unknown[]>((resolve) => socket.emit("echo", mixedPayload(), (...r: unknown[]) => resolve(r)));
      assertMixed(args[0]);
      assert.equal(args[1], "ok");
      assertMixed(await socket.emitWithAck("echo", mixedPayload()));
    });

    it("timeout(): the callback gets (null, ...args) when acked, an Error when not", async () => {
      await using srv = await startServer();
      using clients = new Clients(mode);
      const client = await clients.connect(srv.url);
      const socket = serverSocketOf(srv.io.sockets, client);
      client.on("two", (ack: (...r: unknown[]) => void) => ack("a", "b"));
      client.on("silent", () => {});
      const ok = await new Promise<unknown[]>((resolve) => socket.timeout(2000).emit("two", (...r: unknown[]) => resolve(r)));
      assert.deepEqual(ok, [null, "a", "b"]);
      const [err, ...rest] = await new Promise<unknown[]>((resolve) =>
        socket.timeout(50).emit("silent", (...r: unknown[]) => resolve(r)),
      );
      assert.ok(err instanceof Error);
      assert.deepEqual(rest, []);
      await assert.rejects(socket.timeout(50).emitWithAck("silent"), Error);
      assert.equal(socket.pendingAcks, 0);
    });

    it("ignores the ack of a never-issued id and a second ack of the same id", async () => {
      await using srv = await startServer();
      using clients = new Clients(mode);
      const nsp = srv.io.of(`/acks-${mode}`);
      const client = await clients.connect(srv.url, `/acks-${mode}`);
      const socket = serverSocketOf(nsp, client);
      let calls = 0;
      client.on("ask", () => {
        // answer by hand: ack id 0 twice, and an id the server never issued
        client.io.engine.write(`3/acks-${mode},0["first"]`);
        client.io.engine.write(`3/acks-${mode},0["second"]`);
        client.io.engine.write(`3/acks-${mode},4242["bogus"]`);
      });
      const first = new Promise<unknown[]>((resolve) =>
        socket.emit("ask", (...r: unknown[]) => {
          calls++;
          resolve(r);
        }),
      );
      assert.deepEqual(await first, ["first"]);
      // the connection still works, and the later acks changed nothing
      client.on("ping2", (ack: (r: string) => void) => ack("pong"));
      assert.equal(await socket.emitWithAck("ping2"), "pong");
      assert.equal(calls, 1);
      assert.equal(socket.connected, true);
    });

    it("fails pending acks when the socket disconnects", async () => {
      await using srv = await startServer();
      using clients = new Clients(mode);
      const client = await clients.connect(srv.url);
      const socket = serverSocketOf(srv.io.sockets, client);
      client.on("never", () => {});
      const timed = new Promise<unknown>((resolve) => socket.timeout(5000).emit("never", (err: unknown) => resolve(err)));
      const withAck = socket.emitWithAck("never");
      await next(client, "never");
      const disconnected = next(socket, "disconnect");
      client.disconnect();
      await disconnected;
      assert.ok((await timed) instanceof Error);
      await assert.rejects(withAck, Error);
      assert.equal(socket.pendingAcks, 0);
    });

    it("send() and message events", async () => {
      await using srv = await startServer();
      using clients = new Clients(mode);
      const client = await clients.connect(srv.url);
      const socket = serverSocketOf(srv.io.sockets, client);
      const got = next<unknown[]>(socket, "message");
      client.send("hi", 1);
      assert.deepEqual(await got, ["hi", 1]);
      const back = next<unknown[]>(client, "message");
      socket.send("yo");
      assert.deepEqual(await back, ["yo"]);
    });

    it("refuses to emit a reserved event name", async () => {
      await using srv = await startServer();
      using clients = new Clients(mode);
      const client = await clients.connect(srv.url);
      const socket = serverSocketOf(srv.io.sockets, client);
      assert.throws(() => (socket.emit as (ev: string) => boolean)("disconnect"));
      assert.throws(() => srv.io.emit("connect"));
    });
  });
}
