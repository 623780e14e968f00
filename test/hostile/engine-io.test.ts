/**
 * Hostile clients at the Engine.IO / transport level, against a live server, while an official socket.io-client
 * keeps exchanging acked messages: bad Engine.IO packet types, a ping from the client, garbage handshakes and
 * upgrades, invalid UTF-8 in WebSocket text frames, polling bodies over maxHttpBufferSize, a slowloris POST, frames
 * sent after the server closed the session. Each case asserts the documented close and a bounded heap.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { request, type ClientRequest } from "node:http";
import { connect as tcpConnect } from "node:net";
import WebSocket from "ws";
import { next } from "../helpers/events.js";
import { FakePeer, type Transport } from "../helpers/fake-peer.js";
import { AckLoop, assertHeapBounded, heapUsed, MB, startHostileServer, type HostileServer } from "./helpers.js";

const TIMEOUT = { timeout: 10_000 };
const PING_INTERVAL = 400;
const PING_TIMEOUT = 400;
const MAX_BUFFER = 100_000;
const HEAP_BOUND = 16 * MB;

describe("hostile clients: Engine.IO and transports", { timeout: 60_000 }, () => {
  let srv: HostileServer;
  let loop: AckLoop;
  let handled: unknown[] = [];

  before(async () => {
    srv = await startHostileServer({ pingInterval: PING_INTERVAL, pingTimeout: PING_TIMEOUT, maxHttpBufferSize: MAX_BUFFER }, (io) => {
      io.on("connection", (socket) => {
        socket.on("mark", (v: unknown) => {
          handled.push(v);
        });
      });
    });
    loop = await AckLoop.start(srv.url);
  });

  after(async () => {
    await loop?.stop();
    await srv?.close();
  });

  /** Opens a raw peer joined to "/" and returns it, its Engine.IO session id and its server-side socket's next disconnect. */
  async function joined(transport: Transport, answerPings = true) {
    const peer = await FakePeer.open(srv.url, transport, { answerPings });
    const socket = srv.io.of("/").sockets.get(await peer.connect("/"));
    const sid = peer.sid;
    assert.ok(socket, "server-side socket");
    const disconnected = next<[string, unknown]>(socket, "disconnect", 8000);
    return { peer, sid, disconnected };
  }

  for (const transport of ["websocket", "polling"] as const) {
    it(`${transport}: an unknown Engine.IO packet type closes with "parse error"`, TIMEOUT, async () => {
      const before = heapUsed();
      for (const bad of ["9", "x", "\u0000"]) {
        const { peer, disconnected } = await joined(transport);
        await peer.sendEngine(bad + "garbage").catch(() => undefined);
        const [reason] = await disconnected;
        assert.equal(reason, "parse error", `packet ${JSON.stringify(bad)}`);
        const closed = await peer.closed;
        assert.notEqual(closed.reason, "client close");
        await loop.assertHealthy();
      }
      assertHeapBounded(before, HEAP_BOUND, "bad packet types");
    });

    it(`${transport}: a ping from the client closes with "transport error" (invalid heartbeat direction)`, TIMEOUT, async () => {
      const { peer, disconnected } = await joined(transport);
      await peer.sendEngine("2").catch(() => undefined);
      const [reason, description] = await disconnected;
      assert.equal(reason, "transport error");
      assert.match(String((description as Error)?.message ?? description), /invalid heartbeat direction/);
      await peer.closed;
      await loop.assertHealthy();
    });

    it(`${transport}: open and upgrade packets sent on an open session are ignored, the session stays usable`, TIMEOUT, async () => {
      const { peer } = await joined(transport);
      try {
        await peer.sendEngine('0{"sid":"forged","upgrades":[]}', "5", "6");
        await peer.send('21["echo","after"]');
        assert.equal(await peer.nextMatching(/^31\[/), '31["after"]');
        assert.equal(peer.isClosed, false);
        await loop.assertHealthy();
      } finally {
        peer.close();
      }
    });
  }

  it("garbage handshakes get engine.io's 400 errors and open no session", TIMEOUT, async () => {
    const base = `${srv.url}/socket.io/`;
    let opened = 0;
    const onSession = () => opened++;
    srv.io.engine.on("connection", onSession);
    const cases: Array<[string, RequestInit | undefined, number]> = [
      ["?EIO=4&transport=carrier-pigeon", undefined, 0], // Transport unknown
      ["?EIO=4&transport=polling&sid=not-a-session", undefined, 1], // Session ID unknown
      ["?EIO=4&transport=polling", { method: "POST", body: "40" }, 2], // Bad handshake method
      ["?EIO=3&transport=polling", undefined, 5], // Unsupported protocol version
      ["?EIO=999&transport=polling", undefined, 5],
    ];
    for (const [query, init, code] of cases) {
      const res = await fetch(base + query, init);
      const body = await res.text();
      assert.equal(res.status, 400, `${query}: ${body}`);
      assert.equal((JSON.parse(body) as { code: number }).code, code, `${query}: ${body}`);
    }
    srv.io.engine.off("connection", onSession);
    assert.equal(opened, 0, "no session opened");
    await loop.assertHealthy();
  });

  it("a garbage WebSocket upgrade request is refused with HTTP 400", TIMEOUT, async () => {
    for (const headers of ["Sec-WebSocket-Version: 99\r\nSec-WebSocket-Key: x", "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: not base64!!"]) {
      const answer = await new Promise<string>((resolve, reject) => {
        const tcp = tcpConnect(srv.port, "127.0.0.1", () => {
          tcp.write(`GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${headers}\r\n\r\n`);
        });
        let got = "";
        tcp.on("data", (d) => (got += d.toString("latin1")));
        tcp.on("close", () => resolve(got));
        tcp.on("error", reject);
        tcp.setTimeout(5000, () => tcp.destroy(new Error("no answer")));
      });
      assert.match(answer, /^HTTP\/1\.1 400 /, headers);
    }
    await loop.assertHealthy();
  });

  it("a garbage upgrade probe closes the WebSocket; the polling session keeps working", TIMEOUT, async () => {
    const { peer, sid } = await joined("polling");
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/socket.io/?EIO=4&transport=websocket&sid=${sid}`);
      await next(ws, "open");
      const closed = next<[number]>(ws, "close");
      ws.send("2not-a-probe");
      await closed;
      await peer.send('21["echo","still polling"]');
      assert.equal(await peer.nextMatching(/^31\[/), '31["still polling"]');
      assert.equal(peer.isClosed, false);
      await loop.assertHealthy();
    } finally {
      peer.close();
    }
  });

  it("invalid UTF-8 in a WebSocket text frame: closed with 1007, the frame never reaches the app", TIMEOUT, async () => {
    handled = [];
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/socket.io/?EIO=4&transport=websocket`);
    const [open] = await next<[Buffer]>(ws, "message");
    assert.match(open.toString(), /^0\{/);
    ws.send("40");
    const [connected] = await next<[Buffer]>(ws, "message");
    const { sid } = JSON.parse(connected.toString().slice(2)) as { sid: string };
    const socket = srv.io.of("/").sockets.get(sid)!;
    const disconnected = next<[string]>(socket, "disconnect");
    const closed = next<[number]>(ws, "close");
    // '42["mark","' + 0xff 0xfe + '"]' as a TEXT frame: ws does not validate what it sends
    ws.send(Buffer.concat([Buffer.from('42["mark","'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"]')]), { binary: false });
    const [code] = await closed;
    assert.equal(code, 1007, "ws close code: invalid frame payload data");
    const [reason] = await disconnected;
    assert.match(reason, /^transport (error|close)$/);
    assert.deepEqual(handled, []);
    await loop.assertHealthy();
  });

  it("a polling body over maxHttpBufferSize: HTTP 413 and the session is closed (unusable)", TIMEOUT, async () => {
    const before = heapUsed();
    // no pong POST may overlap the big one (engine.io answers 400 to overlapping POSTs)
    const { peer, sid, disconnected } = await joined("polling", false);
    // a raw POST: the peer keeps its GET poll open, as a hostile client would (engine.io-client gives up itself)
    const res = await fetch(`${srv.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
      method: "POST",
      body: "42" + JSON.stringify(["mark", "x".repeat(MAX_BUFFER)]),
      headers: { "content-type": "text/plain;charset=UTF-8" },
    });
    assert.equal(res.status, 413);
    const [reason] = await disconnected;
    assert.equal(reason, "transport error", "closed at once, not at the ping timeout");
    // the session is gone: any further request for it is refused
    const after = await fetch(`${srv.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, { method: "POST", body: '42["mark",1]' });
    assert.equal(after.status, 400);
    assert.equal(((await after.json()) as { code: number }).code, 1, "Session ID unknown");
    peer.close();
    assert.deepEqual(handled, []);
    await loop.assertHealthy();
    assertHeapBounded(before, HEAP_BOUND, "413");
  });

  it("a slowloris POST (body trickling a byte every 50 ms) is dropped at the session's ping timeout", TIMEOUT, async () => {
    const { peer, sid, disconnected } = await joined("polling", false);
    const started = Date.now();
    let trickle: ReturnType<typeof setInterval> | undefined;
    const req: ClientRequest = request({
      host: "127.0.0.1",
      port: srv.port,
      method: "POST",
      path: `/socket.io/?EIO=4&transport=polling&sid=${sid}`,
      headers: { "content-type": "text/plain;charset=UTF-8", "transfer-encoding": "chunked" },
    });
    const ended = new Promise<string>((resolve) => {
      req.on("response", (res) => resolve(`status ${res.statusCode}`));
      req.on("error", (err) => resolve(`error ${err.message}`));
      req.on("close", () => resolve("closed"));
    });
    req.write('42["mark","');
    trickle = setInterval(() => req.write("x"), 50);
    try {
      const [reason] = await disconnected;
      assert.equal(reason, "ping timeout");
      const how = await ended;
      const held = Date.now() - started;
      assert.ok(held < PING_INTERVAL + PING_TIMEOUT + 2000, `the POST was held ${held} ms (${how})`);
      assert.deepEqual(handled, []);
      await loop.assertHealthy();
    } finally {
      clearInterval(trickle);
      req.destroy();
      peer.close();
    }
  });

  it("frames sent after the server closed the session are ignored, without errors", TIMEOUT, async () => {
    handled = [];
    // WebSocket: the bad frame and good ones in one burst — nothing after the bad one reaches the app
    const ws = await joined("websocket");
    void ws.peer.send("9-bad", '2["mark","after-ws-1"]', '2["mark","after-ws-2"]').catch(() => undefined);
    assert.equal((await ws.disconnected)[0], "parse error");
    await ws.peer.closed;
    // polling: the bad frame and good ones in one POST, then a POST on the dead session
    const poll = await joined("polling");
    await poll.peer.send('2["mark","before"]', "9-bad", '2["mark","after-poll-1"]').catch(() => undefined);
    assert.equal((await poll.disconnected)[0], "parse error");
    const res = await fetch(`${srv.url}/socket.io/?EIO=4&transport=polling&sid=${poll.sid}`, { method: "POST", body: '42["mark","after-poll-2"]' });
    assert.equal(res.status, 400);
    await loop.assertHealthy();
    assert.deepEqual(handled, ["before"]);
    assert.deepEqual(srv.errors, []);
  });
});
