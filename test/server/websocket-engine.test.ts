/**
 * roomcast's own WebSocket server (server/engine/websocket/): the opening handshake through a real Server, and the frame
 * reader / writer of one connection over a real loopback TCP pair — fragments, control frames, chunking, every way a
 * client can break RFC 6455 (with the close code it gets), and the closing handshake.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { createServer, connect, type Socket as NetSocket, type AddressInfo } from "node:net";
import { ServerWebSocket, socketLimits, WebSocketProtocolError, type WebSocketLimits } from "../../server/engine/websocket/socket.js";
import { clientFrame, ServerFrames } from "../helpers/raw-websocket.js";
import { startServer } from "../helpers/server.js";

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";

/** A ServerWebSocket over a real loopback TCP pair; `client` is the raw peer. */
async function pair(maxPayload = 1024 * 1024, limits: Partial<WebSocketLimits> = {}): Promise<{ ws: ServerWebSocket; client: NetSocket; serverTcp: NetSocket; reader: ServerFrames; close(): void }> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const accepted = once(srv, "connection");
  const client = connect((srv.address() as AddressInfo).port, "127.0.0.1");
  const [serverTcp] = (await accepted) as [NetSocket];
  const ws = new ServerWebSocket(serverTcp, Buffer.alloc(0), socketLimits({ ...limits, maxPayload }));
  const reader = new ServerFrames(client);
  return {
    ws,
    client,
    serverTcp,
    reader,
    close() {
      client.destroy();
      serverTcp.destroy();
      srv.close();
    },
  };
}

function messages(ws: ServerWebSocket): Array<[string, boolean]> {
  const got: Array<[string, boolean]> = [];
  ws.on("message", (data: Buffer, binary: boolean) => got.push([binary ? data.toString("hex") : data.toString(), binary]));
  return got;
}

function nextMessage(ws: ServerWebSocket): Promise<[Buffer, boolean]> {
  return new Promise((resolve) => ws.once("message", (data: Buffer, binary: boolean) => resolve([data, binary])));
}

describe("WebSocket engine: the opening handshake through a Server", () => {
  /** Sends an upgrade request (and `behind` it, in the same write, if given); resolves with the response head. */
  async function rawUpgrade(
    port: number,
    headers: Record<string, string>,
    behind: Buffer = Buffer.alloc(0),
  ): Promise<{ head: string; rest: Buffer; socket: NetSocket }> {
    const socket = connect(port, "127.0.0.1");
    const lines = [`GET /socket.io/?EIO=4&transport=websocket HTTP/1.1`, `Host: 127.0.0.1:${port}`];
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    socket.write(Buffer.concat([Buffer.from(lines.join("\r\n") + "\r\n\r\n"), behind]));
    let buf = Buffer.alloc(0);
    for (;;) {
      const [chunk] = (await once(socket, "data")) as [Buffer];
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf("\r\n\r\n");
      if (end >= 0) return { head: buf.subarray(0, end).toString(), rest: buf.subarray(end + 4), socket };
    }
  }
  const upgradeHeaders = { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": KEY };

  test("101 with the RFC's accept value; the session opens and CONNECT is answered", async () => {
    const srv = await startServer();
    try {
      const { head, rest, socket } = await rawUpgrade(srv.port, upgradeHeaders);
      assert.match(head, /^HTTP\/1\.1 101 /);
      const accept = createHash("sha1").update(KEY + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
      assert.equal(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="); // RFC 6455 §1.3's example
      assert.match(head, new RegExp(`\\r\\nSec-WebSocket-Accept: ${accept.replace(/[+/]/g, "\\$&")}`));
      assert.doesNotMatch(head, /Sec-WebSocket-Extensions/);
      const reader = new ServerFrames(socket, rest);
      const open = await reader.next();
      assert.equal(open?.payload.toString()[0], "0");
      socket.write(clientFrame(1, "40"));
      const connect = await reader.next();
      assert.match(connect!.payload.toString(), /^40\{"sid":"/);
      socket.destroy();
    } finally {
      await srv.close();
    }
  });

  test("a frame sent right behind the upgrade request (before the 101) is not lost", async () => {
    const srv = await startServer();
    try {
      // one write: the CONNECT rides along with the upgrade request
      const { head, rest, socket } = await rawUpgrade(srv.port, upgradeHeaders, clientFrame(1, "40"));
      assert.match(head, /^HTTP\/1\.1 101 /);
      const reader = new ServerFrames(socket, rest);
      assert.equal((await reader.next())?.payload.toString()[0], "0"); // engine.io's open packet
      assert.match((await reader.next())!.payload.toString(), /^40\{"sid":"/); // the CONNECT was answered
      socket.destroy();
    } finally {
      await srv.close();
    }
  });

  test("the first offered subprotocol is selected; offered extensions are declined", async () => {
    const srv = await startServer();
    try {
      const { head, socket } = await rawUpgrade(srv.port, {
        ...upgradeHeaders,
        "Sec-WebSocket-Protocol": "chat, superchat",
        "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits",
      });
      assert.match(head, /\r\nSec-WebSocket-Protocol: chat(\r|$)/);
      assert.doesNotMatch(head, /Sec-WebSocket-Extensions/);
      socket.destroy();
    } finally {
      await srv.close();
    }
  });

  test("with perMessageDeflate the ws engine is used and compression is negotiated", async () => {
    const srv = await startServer({ perMessageDeflate: true });
    try {
      const { head, socket } = await rawUpgrade(srv.port, { ...upgradeHeaders, "Sec-WebSocket-Extensions": "permessage-deflate" });
      assert.match(head, /^HTTP\/1\.1 101 /);
      assert.match(head, /\r\nSec-WebSocket-Extensions: permessage-deflate/);
      socket.destroy();
    } finally {
      await srv.close();
    }
  });

  test("refusals: bad key 400, bad version 400 naming the versions, bad subprotocol list 400", async () => {
    const srv = await startServer();
    try {
      const cases: Array<[Record<string, string>, RegExp]> = [
        [{ ...upgradeHeaders, "Sec-WebSocket-Key": "short" }, /^HTTP\/1\.1 400 [\s\S]*Sec-WebSocket-Key/],
        [{ ...upgradeHeaders, "Sec-WebSocket-Version": "12" }, /^HTTP\/1\.1 400 [\s\S]*Sec-WebSocket-Version: 13, 8/],
        [{ ...upgradeHeaders, "Sec-WebSocket-Protocol": "a, a" }, /^HTTP\/1\.1 400 /],
        [{ ...upgradeHeaders, "Sec-WebSocket-Protocol": "bad protocol" }, /^HTTP\/1\.1 400 /],
      ];
      for (const [headers, expected] of cases) {
        const { head, rest, socket } = await rawUpgrade(srv.port, headers);
        const body: Buffer[] = [rest];
        socket.on("data", (chunk: Buffer) => body.push(chunk));
        await once(socket, "close");
        assert.match(`${head}\r\n\r\n${Buffer.concat(body).toString()}`, expected);
      }
      assert.equal(srv.io.engine.clientsCount, 0);
    } finally {
      await srv.close();
    }
  });
});

describe("WebSocket engine: one connection's frames", () => {
  test("several frames in one chunk arrive as messages in order; binary stays binary", async () => {
    const p = await pair();
    try {
      const got = messages(p.ws);
      const last = nextMessage(p.ws);
      p.client.write(Buffer.concat([clientFrame(1, "one"), clientFrame(2, Buffer.from([1, 2, 3])), clientFrame(1, "tr€s")]));
      await last;
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(got, [["one", false], ["010203", true], ["tr€s", false]]);
    } finally {
      p.close();
    }
  });

  test("a frame delivered one byte per TCP chunk is reassembled (16-bit length)", async () => {
    const p = await pair();
    try {
      const text = "x".repeat(300) + "€";
      const bytes = clientFrame(1, text);
      const got = nextMessage(p.ws);
      for (const b of bytes) {
        const arrived = once(p.serverTcp, "data");
        p.client.write(Buffer.from([b]));
        await arrived;
      }
      const [data, binary] = await got;
      assert.equal(binary, false);
      assert.equal(data.toString(), text);
    } finally {
      p.close();
    }
  });

  test("fragments with a ping in between: one message, and a pong echoing the ping", async () => {
    const p = await pair();
    try {
      const got = nextMessage(p.ws);
      p.client.write(clientFrame(1, "frag", { fin: false }));
      p.client.write(clientFrame(9, "are you there"));
      p.client.write(clientFrame(0, "men", { fin: false }));
      p.client.write(clientFrame(0, "ted"));
      const pong = await p.reader.next();
      assert.equal(pong?.opcode, 0xa);
      assert.equal(pong?.payload.toString(), "are you there");
      assert.equal((await got)[0].toString(), "fragmented");
    } finally {
      p.close();
    }
  });

  test("a 64-bit length message both ways (70,000 bytes binary)", async () => {
    const p = await pair();
    try {
      const payload = Buffer.alloc(70_000, 7);
      payload[69_999] = 9;
      const got = nextMessage(p.ws);
      p.client.write(clientFrame(2, payload));
      const [data, binary] = await got;
      assert.equal(binary, true);
      assert.ok(data.equals(payload));
      p.ws.send(payload);
      const frame = await p.reader.next();
      assert.equal(frame?.opcode, 2);
      assert.ok(frame?.payload.equals(payload));
    } finally {
      p.close();
    }
  });

  const failures: Array<[string, Buffer | Buffer[], number]> = [
    ["an unmasked frame", clientFrame(1, "hi", { mask: false }), 1002],
    ["an RSV bit without an extension", clientFrame(1, "hi", { rsv: 4 }), 1002],
    ["an unknown opcode", clientFrame(3, "hi"), 1002],
    ["a continuation with nothing to continue", clientFrame(0, "hi"), 1002],
    ["a new message inside a fragmented one", [clientFrame(1, "a", { fin: false }), clientFrame(1, "b")], 1002],
    ["a fragmented ping", clientFrame(9, "p", { fin: false }), 1002],
    ["a ping over 125 bytes", clientFrame(9, Buffer.alloc(126)), 1002],
    ["text that is not UTF-8", clientFrame(1, Buffer.from([0xc3, 0x28])), 1007],
    ["a close code that may not be sent", clientFrame(8, Buffer.from([0x03, 0xe7])), 1002],
    ["a close frame with a 1-byte payload", clientFrame(8, Buffer.from([3])), 1002],
  ];
  for (const [what, bytes, code] of failures) {
    test(`fails the connection on ${what}: close ${code}, an error, TCP closed`, async () => {
      const p = await pair();
      try {
        const errors: WebSocketProtocolError[] = [];
        p.ws.on("error", (err: WebSocketProtocolError) => errors.push(err));
        const got = messages(p.ws);
        const closed = new Promise<number>((r) => p.ws.on("close", (c: number) => r(c)));
        p.client.write(Buffer.concat(Array.isArray(bytes) ? bytes : [bytes]));
        assert.equal(await p.reader.closeCode(), code);
        p.client.end();
        await closed;
        assert.equal(errors.length, 1);
        assert.ok(errors[0] instanceof WebSocketProtocolError);
        assert.equal(errors[0].closeCode, code);
        assert.deepEqual(got, []);
        assert.equal(p.ws.readyState, 3);
      } finally {
        p.close();
      }
    });
  }

  test("a message over maxPayload fails with 1009 from its header alone (the payload is never awaited)", async () => {
    const p = await pair(1000);
    try {
      const header = clientFrame(2, Buffer.alloc(0), { length: 1001 }); // header only: no payload is sent
      p.client.write(header);
      assert.equal(await p.reader.closeCode(), 1009);
      // fragments count together: 600 + 600 > 1000
      const q = await pair(1000);
      try {
        q.client.write(Buffer.concat([clientFrame(2, Buffer.alloc(600), { fin: false }), clientFrame(0, Buffer.alloc(600))]));
        assert.equal(await q.reader.closeCode(), 1009);
      } finally {
        q.close();
      }
    } finally {
      p.close();
    }
  });

  test("the peer's close is echoed with its code, TCP is closed by the server, 'close' gets code and reason", async () => {
    const p = await pair();
    try {
      const closed = new Promise<[number, string]>((r) => p.ws.on("close", (c: number, reason: Buffer) => r([c, reason.toString()])));
      const reason = Buffer.from("bye now");
      p.client.write(clientFrame(8, Buffer.concat([Buffer.from([0x03, 0xe8]), reason])));
      assert.equal(await p.reader.closeCode(), 1000);
      assert.equal(await p.reader.next(), undefined); // the server ended TCP first
      assert.deepEqual(await closed, [1000, "bye now"]);
    } finally {
      p.close();
    }
  });

  test("close() sends a close frame, waits for the peer's, then ends TCP; sends after it fail in their callback", async () => {
    const p = await pair();
    try {
      const closed = new Promise<number>((r) => p.ws.on("close", (c: number) => r(c)));
      p.ws.close();
      assert.equal(await p.reader.closeCode(), 1005); // empty close frame (no code given)
      assert.equal(p.ws.readyState, 2);
      const sendError = await new Promise<Error | null | undefined>((r) => p.ws.send("late", r));
      assert.equal(sendError?.message, "WebSocket is not open: readyState 2");
      assert.equal((sendError as Error & { code?: unknown }).code, "ERR_WS_NOT_OPEN");
      p.client.write(clientFrame(8, Buffer.from([0x03, 0xe8])));
      assert.equal(await p.reader.next(), undefined);
      assert.equal(await closed, 1000);
    } finally {
      p.close();
    }
  });

  test("listeners: once, removeListener and listenerCount behave as on an EventEmitter", async () => {
    const p = await pair();
    try {
      const seen: string[] = [];
      const a = (d: Buffer): void => void seen.push(`a:${d}`);
      const b = (d: Buffer): void => void seen.push(`b:${d}`);
      p.ws.on("message", a);
      p.ws.once("message", b);
      assert.equal(p.ws.listenerCount("message"), 2);
      const second = new Promise<void>((r) => {
        let n = 0;
        p.ws.on("message", () => ++n === 1 || r());
      });
      p.client.write(Buffer.concat([clientFrame(1, "1"), clientFrame(1, "2")]));
      await second;
      p.ws.removeListener("message", a);
      assert.deepEqual(seen, ["a:1", "b:1", "a:2"]);
      assert.equal(p.ws.listenerCount("message"), 1);
    } finally {
      p.close();
    }
  });

  for (const [what, limits, payload] of [
    ["maxBufferedPackets writes", { maxBufferedPackets: 50 }, "x".repeat(1000)],
    ["maxBufferedBytes bytes", { maxBufferedBytes: 256 * 1024 }, "y".repeat(60_000)],
  ] as const) {
    test(`a write while the TCP socket holds ${what} unsent destroys the connection (ERR_WS_OUTGOING_BUFFER_FULL)`, async () => {
      const p = await pair(1024 * 1024, limits);
      try {
        p.client.pause(); // the peer never reads: the kernel's buffers fill, then Node's
        const errors: WebSocketProtocolError[] = [];
        p.ws.on("error", (err: WebSocketProtocolError) => errors.push(err));
        const closed = new Promise<number>((r) => p.ws.on("close", (c: number) => r(c)));
        let refused: Error | null | undefined;
        let writes = 0;
        // bounded: 200,000 writes at most; the kernel takes a few MB before Node starts holding them
        while (refused === undefined && writes < 200_000) {
          writes++;
          p.ws.send(payload, (err) => void (err && (refused ??= err)));
          if (errors.length > 0) break;
          if (writes % 1000 === 0) await new Promise((r) => setImmediate(r));
        }
        assert.equal(errors.length, 1, `no error after ${writes} writes`);
        assert.equal(errors[0]!.code, "ERR_WS_OUTGOING_BUFFER_FULL");
        assert.equal(await closed, 1006); // no close frame can pass a full buffer
        assert.equal(p.serverTcp.destroyed, true);
        const late = await new Promise<Error | null | undefined>((r) => p.ws.send("late", r));
        assert.match(String(late), /not open/);
      } finally {
        p.close();
      }
    });
  }
});
