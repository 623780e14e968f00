/** Write coalescing (server/engine/write-coalescing.ts): same packets in the same order, one TCP write per turn. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Socket as NetSocket } from "node:net";
import { next } from "../helpers/events.js";
import type { Server } from "../../server/index.js";
import { startServer } from "../helpers/server.js";
import { Clients, MODES, serverSocketOf } from "../helpers/client.js";

function collect(client: { onAny(fn: (...args: unknown[]) => void): unknown }, until: string): Promise<unknown[][]> {
  const got: unknown[][] = [];
  return new Promise((resolve) =>
    client.onAny((ev: unknown, ...args: unknown[]) => {
      if (ev === until) resolve(got);
      else got.push([ev, ...args]);
    }),
  );
}

for (const mode of MODES) {
  describe(`write coalescing over ${mode}`, { timeout: 10_000 }, () => {
    it("keeps the order of broadcasts, single emits, binary packets and large frames written in one turn", async () => {
      await using srv = await startServer();
      using clients = new Clients(mode);
      const client = await clients.connect(srv.url);
      const socket = serverSocketOf(srv.io.sockets, client);
      socket.join("r");
      const done = collect(client, "end");
      const expected: unknown[][] = [];
      const big = "y".repeat(70_000); // 64-bit length frame
      const mid = "z".repeat(300); // 16-bit length frame
      for (let i = 0; i < 200; i++) {
        switch (i % 5) {
          case 0:
            srv.io.to("r").emit("b", i);
            expected.push(["b", i]);
            break;
          case 1:
            socket.emit("s", i, "é✓");
            expected.push(["s", i, "é✓"]);
            break;
          case 2:
            socket.emit("bin", i, Buffer.from([i & 0xff]));
            expected.push(["bin", i, [i & 0xff]]);
            break;
          case 3:
            srv.io.to("r").emit("bbin", i, Buffer.from([1, 2, 3]));
            expected.push(["bbin", i, [1, 2, 3]]);
            break;
          default:
            socket.emit("l", i, i % 10 === 4 ? big : mid);
            expected.push(["l", i, i % 10 === 4 ? big.length : mid.length]);
        }
      }
      socket.emit("end");
      const got = (await done).map((p) =>
        p.map((v) => (v instanceof ArrayBuffer || ArrayBuffer.isView(v) ? [...new Uint8Array(v as ArrayBuffer)] : typeof v === "string" && v.length > 100 ? v.length : v)),
      );
      assert.deepEqual(got, expected);
    });

    it("later turns are written too (the hold is released every turn)", async () => {
      await using srv = await startServer();
      using clients = new Clients(mode);
      const client = await clients.connect(srv.url);
      const socket = serverSocketOf(srv.io.sockets, client);
      for (let i = 0; i < 5; i++) {
        const got = next<unknown[]>(client, "t");
        socket.emit("t", i);
        assert.deepEqual(await got, [i]);
        await new Promise((r) => setImmediate(r));
      }
    });
  });
}

describe("write coalescing on a WebSocket session", { timeout: 10_000 }, () => {
  it("sends everything written in one turn with two TCP writes (the first at once, the rest coalesced)", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const client = await clients.connect(srv.url);
    const socket = serverSocketOf(srv.io.sockets, client);
    socket.join("r");
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const tcp = (socket.conn.transport as any).socket._socket as NetSocket & { _write: Function; _writev: Function };
    let writes = 0;
    const { _write, _writev } = tcp;
    tcp._write = function (...args: unknown[]) {
      writes++;
      return _write.apply(this, args);
    };
    tcp._writev = function (...args: unknown[]) {
      writes++;
      return _writev.apply(this, args);
    };
    const done = collect(client, "end");
    for (let i = 0; i < 100; i++) {
      srv.io.to("r").emit("b", i);
      socket.emit("s", i);
    }
    socket.emit("end");
    const got = await done;
    tcp._write = _write;
    tcp._writev = _writev;
    assert.equal(got.length, 200);
    assert.equal(writes, 2);
  });

  it("goes through engine.io (packetCreate, compress flag) while someone listens to packetCreate", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const client = await clients.connect(srv.url);
    const socket = serverSocketOf(srv.io.sockets, client);
    const seen: unknown[] = [];
    const listener = (packet: { type: string; data?: unknown }) => {
      if (packet.type === "message") seen.push(packet.data);
    };
    socket.conn.on("packetCreate", listener);
    const got = next<unknown[]>(client, "p");
    srv.io.emit("p", 1);
    socket.compress(false).emit("q");
    assert.deepEqual(await got, [1]);
    socket.conn.off("packetCreate", listener);
    assert.deepEqual(seen, ['2["p",1]', '2["q"]']);
  });

  it("volatile packets are still delivered to an idle WebSocket", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const client = await clients.connect(srv.url);
    const socket = serverSocketOf(srv.io.sockets, client);
    const got = next<unknown[]>(client, "v");
    socket.volatile.emit("v", 1);
    assert.deepEqual(await got, [1]);
  });
});
