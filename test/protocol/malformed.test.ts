/**
 * Every malformed frame of the codec table, sent over a real connection (WebSocket and HTTP long-polling) by a raw
 * Engine.IO peer: that connection closes, its server-side socket gets "disconnect" with reason "parse error", and a
 * well-behaved socket.io-client on the same server keeps exchanging acked events.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { io as ioc, type Socket as ClientSocket } from "socket.io-client";
import { startServer, type TestServer } from "../helpers/server.js";
import type { Server } from "../../server/index.js";
import { next } from "../helpers/events.js";
import { FakePeer, type Transport } from "../helpers/fake-peer.js";
import { MALFORMED } from "../shared/malformed-cases.js";

const TIMEOUT = { timeout: 10_000 };

for (const transport of ["websocket", "polling"] as const satisfies readonly Transport[]) {
  describe(`malformed frames over ${transport}`, { timeout: 120_000 }, () => {
    let srv: TestServer<Server>;
    let good: ClientSocket;
    const errors: Error[] = [];
    let round = 0;

    before(async () => {
      srv = await startServer({ onError: (err) => errors.push(err) });
      srv.io.on("connection", (socket) => {
        socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
      });
      good = ioc(srv.url, { transports: [transport], reconnection: false });
      await next(good, "connect");
    });

    after(async () => {
      good.close();
      await srv.close();
    });

    /** The well-behaved client still gets acked answers. */
    async function goodClientWorks(): Promise<void> {
      const value = { round: ++round, text: "still here ✓" };
      assert.deepEqual(await good.timeout(5000).emitWithAck("echo", value), value);
      assert.equal(good.connected, true);
    }

    for (const c of MALFORMED) {
      it(`${c.name} (${c.code}): parse error, only this connection closes`, TIMEOUT, async () => {
        const peer = await FakePeer.open(srv.url, transport);
        try {
          const sid = await peer.connect("/");
          const socket = srv.io.of("/").sockets.get(sid);
          assert.ok(socket, "the server-side socket exists");
          const disconnected = next<[string, unknown]>(socket, "disconnect");
          // over polling the POST carrying the bad frame may itself fail once the session is gone
          await peer.send(...c.frames).catch(() => undefined);
          const [reason] = await disconnected;
          assert.equal(reason, "parse error");
          const closed = await peer.closed;
          assert.ok(closed.reason !== "client close", "the server closed the connection");
          assert.equal(srv.io.of("/").sockets.has(sid), false);
          await goodClientWorks();
        } finally {
          peer.close();
        }
      });
    }

    it("a malformed frame before any CONNECT closes the connection too", TIMEOUT, async () => {
      for (const frames of [['2["e"'], [Buffer.from([1])], ['2["connect"]']]) {
        const peer = await FakePeer.open(srv.url, transport);
        await peer.send(...frames).catch(() => undefined);
        const closed = await peer.closed;
        assert.ok(closed.reason !== "client close");
      }
      await goodClientWorks();
    });

    it("a malformed frame for a namespace the peer is not in still closes the connection", TIMEOUT, async () => {
      srv.io.of("/other");
      const peer = await FakePeer.open(srv.url, transport);
      try {
        const sid = await peer.connect("/");
        const socket = srv.io.of("/").sockets.get(sid)!;
        const disconnected = next<[string]>(socket, "disconnect");
        await peer.send('2/other,["connect"]').catch(() => undefined);
        assert.equal((await disconnected)[0], "parse error");
        await peer.closed;
      } finally {
        peer.close();
      }
    });

    it("every namespace socket of the connection gets the parse error", TIMEOUT, async () => {
      const peer = await FakePeer.open(srv.url, transport);
      try {
        const sidMain = await peer.connect("/");
        const sidOther = await peer.connect("/other");
        const a = next<[string]>(srv.io.of("/").sockets.get(sidMain)!, "disconnect");
        const b = next<[string]>(srv.io.of("/other").sockets.get(sidOther)!, "disconnect");
        await peer.send("2/other,[]").catch(() => undefined);
        assert.deepEqual([(await a)[0], (await b)[0]], ["parse error", "parse error"]);
        await peer.closed;
      } finally {
        peer.close();
      }
    });

    it("valid frames from the raw peer work (sanity check of the peer)", TIMEOUT, async () => {
      const peer = await FakePeer.open(srv.url, transport);
      try {
        await peer.connect("/");
        await peer.send('27["echo",{"x":"ü"}]');
        assert.equal(await peer.nextMatching(/^37/), '37[{"x":"ü"}]');
        await peer.send('51-8["echo",{"_placeholder":true,"num":0}]', Buffer.from([1, 2, 3]));
        assert.equal(await peer.next(), '61-8[{"_placeholder":true,"num":0}]');
        assert.deepEqual(await peer.next(), Buffer.from([1, 2, 3]));
        assert.equal(peer.isClosed, false);
      } finally {
        peer.close();
      }
    });

    it("nothing was reported as an application error, and the good client is still connected", TIMEOUT, async () => {
      await goodClientWorks();
      assert.deepEqual(errors, []);
    });
  });
}
