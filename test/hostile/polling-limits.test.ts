/**
 * Memory-exhaustion attacks on the long-polling path, by raw HTTP/1.1 peers against a live server with default
 * limits, while an official socket.io-client keeps exchanging acks: a POST body in one-byte HTTP chunks or one
 * byte per TCP read (engine.io keeps a string node per piece), and one body packed with acked events while the
 * client never polls. The heap is measured while the attacking connection is still open.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { request, type IncomingMessage } from "node:http";
import { connect, type Socket as NetSocket } from "node:net";
import { MAX_SMALL_PIECES } from "../../server/engine/oversized-body.js";
import { MAX_SESSIONS_PER_HTTP_CONNECTION } from "../../server/rate-limit.js";
import { next, until } from "../helpers/events.js";
import { write } from "../helpers/raw-websocket.js";
import { AckLoop, engineSessions, heapUsed, MB, sessions, startHostileServer, type HostileServer } from "./helpers.js";
import { pollingHandshake } from "../helpers/http-probe.js";

describe("hostile clients: long-polling memory bounds", { timeout: 60_000 }, () => {
  let srv: HostileServer;
  let loop: AckLoop;
  const attackers: NetSocket[] = [];

  before(async () => {
    srv = await startHostileServer();
    loop = await AckLoop.start(srv.url);
  });

  after(async () => {
    for (const s of attackers) s.destroy();
    await loop?.stop();
    await srv?.close();
  });

  /**
   * A raw connection that has sent the head of a POST for session `sid`; `server` is its server-side socket, `req`
   * the server's request for the POST.
   */
  async function postHead(sid: string, headers: string): Promise<{ socket: NetSocket; server: NetSocket; req: Promise<IncomingMessage>; response: Promise<string> }> {
    const httpServer = srv.io.httpServer!;
    // the only connection opened meanwhile: the well-behaved client is on one WebSocket and does not reconnect
    const accepted = next<[NetSocket]>(httpServer, "connection");
    const socket = connect(srv.port, "127.0.0.1");
    socket.setNoDelay(true);
    socket.on("error", () => undefined);
    attackers.push(socket);
    await once(socket, "connect");
    const [server] = await accepted;
    const req = new Promise<IncomingMessage>((resolve, reject) => {
      const onRequest = (r: IncomingMessage): void => {
        if (r.socket !== server) return;
        clearTimeout(timer);
        httpServer.off("request", onRequest);
        resolve(r);
      };
      const timer = setTimeout(() => (httpServer.off("request", onRequest), reject(new Error("no request on the connection within 5000 ms"))), 5000);
      httpServer.on("request", onRequest);
    });
    req.catch(() => undefined); // awaited only by the tests that read the body
    let text = "";
    socket.on("data", (c: Buffer) => (text += c.toString()));
    const response = once(socket, "close").then(() => text);
    await write(socket, `POST /socket.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain;charset=UTF-8\r\n${headers}\r\n`);
    return { socket, server, req, response };
  }

  /**
   * Resolves once `bytes` bytes of body came through `req`. It listens only once engine.io reads the body (its own
   * "data" listener set the request flowing): a listener of ours alone would start the flow before engine.io listens.
   */
  function bodyRead(req: IncomingMessage, bytes: number, timeoutMs = 5000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let got = 0;
      const onData = (chunk: string | Buffer): void => {
        got += chunk.length;
        if (got >= bytes) finish();
      };
      const listen = (): void => void req.on("data", onData);
      const finish = (err?: Error): void => {
        clearTimeout(timer);
        req.off("resume", listen);
        req.off("data", onData);
        if (err === undefined) resolve();
        else reject(err);
      };
      const timer = setTimeout(() => finish(new Error(`the server read ${got}/${bytes} bytes of body within ${timeoutMs} ms`)), timeoutMs);
      if (req.readableFlowing === true) listen();
      else req.once("resume", listen);
    });
  }

  it("a body in one-byte HTTP chunks: nothing per piece is held, and piece 1,025 is refused with 400, the session closed", async () => {
    const sid = await pollingHandshake(srv.port);
    const before = heapUsed();
    const { socket, req, response } = await postHead(sid, "Transfer-Encoding: chunked\r\n");
    const piece = "1\r\nx\r\n";
    // up to the limit: the connection stays open and holds about the bytes received
    const request = await req;
    const sessionClosed = next(engineSessions(srv)[sid]!, "close");
    const everyPiece = bodyRead(request, MAX_SMALL_PIECES); // one byte of body per piece
    await write(socket, piece.repeat(MAX_SMALL_PIECES));
    await everyPiece;
    assert.ok(!socket.destroyed && sessions(srv) >= 2, "still open under the limit");
    const held = heapUsed() - before;
    assert.ok(held < 1 * MB, `heap grew ${(held / MB).toFixed(2)} MB`);
    // one more small piece: refused
    await write(socket, piece.repeat(100));
    assert.match(await response, /^HTTP\/1\.1 400 [\s\S]*\{"code":3,"message":"Bad request"\}$/);
    await sessionClosed;
    assert.ok(!Object.hasOwn(engineSessions(srv), sid), "the session is closed");
    await loop.assertHealthy();
  });

  it("a 1 MB body sent one byte per TCP read: refused once its pieces are many and small", async () => {
    const sid = await pollingHandshake(srv.port);
    const { socket, server, response } = await postHead(sid, "Content-Length: 999999\r\n");
    const one = Buffer.from("4");
    let sent = 0;
    const closed = once(server, "close");
    // each byte waits until the server has read it: one TCP read per byte (bounded: 2 × the limit)
    while (!socket.destroyed && sent < 2 * MAX_SMALL_PIECES) {
      const arrived = new Promise((resolve) => server.once("data", resolve));
      socket.write(one);
      sent++;
      await Promise.race([arrived, closed]);
      if (server.destroyed) break;
    }
    assert.match(await response, /^HTTP\/1\.1 400 /);
    assert.ok(sent > MAX_SMALL_PIECES && sent < MAX_SMALL_PIECES + 64, `refused after ${sent} one-byte reads`);
    await loop.assertHealthy();
  });

  it("a legitimate large body in a few large pieces is taken", async () => {
    const sid = await pollingHandshake(srv.port);
    const body = `42["mark","${"x".repeat(600_000)}"]\x1e6`; // one event and a noop
    const { socket, response } = await postHead(sid, `Content-Length: ${body.length}\r\n`);
    for (let i = 0; i < body.length; i += 16_384) await write(socket, body.slice(i, i + 16_384));
    socket.end();
    assert.match(await response, /^HTTP\/1\.1 200 [\s\S]*ok$/);
  });

  it("one body packed with 40,000 acked events from a client that never polls: closed at maxBufferedPackets", async () => {
    const sid = await pollingHandshake(srv.port);
    const connected = new Promise<string>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: srv.port, method: "POST", path: `/socket.io/?EIO=4&transport=polling&sid=${sid}`, agent: false });
      req.on("response", (res) => {
        res.resume();
        res.on("end", () => resolve(String(res.statusCode)));
      });
      req.on("error", reject);
      req.end("40");
    });
    assert.equal(await connected, "200");
    const disconnected = new Promise<string>((resolve) => {
      const socket = [...srv.io.of("/").sockets.values()].find((s) => (s.conn as unknown as { id: string }).id === sid)!;
      socket.once("disconnect", (reason: string) => resolve(reason));
    });
    const before = heapUsed();
    const events = Array.from({ length: 40_000 }, (_, i) => `42${i}["echo",${i}]`).join("\x1e");
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: srv.port, method: "POST", path: `/socket.io/?EIO=4&transport=polling&sid=${sid}`, agent: false });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end(events);
    });
    assert.equal(status, 200);
    assert.equal(await disconnected, "transport buffer full");
    const held = heapUsed() - before;
    assert.ok(held < 8 * MB, `heap grew ${(held / MB).toFixed(2)} MB`);
    await loop.assertHealthy();
  });

  it("handshakes pipelined on one connection: at most 1,000 live sessions on it, the next handshake gets 429", async () => {
    const base = sessions(srv);
    const socket = connect(srv.port, "127.0.0.1");
    socket.on("error", () => undefined);
    attackers.push(socket);
    await once(socket, "connect");
    const handshake = `GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n\r\n`;
    let text = "";
    const responses = (): number => text.split("HTTP/1.1 ").length - 1;
    socket.setEncoding("latin1");
    socket.on("data", (c: string) => (text += c));
    const PIPELINED = 1500;
    await write(socket, handshake.repeat(PIPELINED));
    await until(socket, "data", () => responses() >= PIPELINED, 20_000, `${PIPELINED} answers`);
    assert.equal(sessions(srv) - base, MAX_SESSIONS_PER_HTTP_CONNECTION, "live sessions opened over the connection");
    text = "";
    await write(socket, handshake);
    await until(socket, "data", () => responses() >= 1 && text.endsWith("}"), 5000, "an answer");
    assert.match(text, /^HTTP\/1\.1 429 [\s\S]*\{"code":429,"message":"too many sessions on one connection"\}$/);
    socket.destroy();
    await loop.assertHealthy();
  });
});
