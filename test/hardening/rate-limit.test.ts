/**
 * eventRateLimit and maxConnectionsPerAddress: the pure token bucket and counters (unit), then live with the
 * official socket.io-client and raw HTTP / WebSocket handshakes.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AddressCounter, EventRateLimiter, TokenBucket } from "../../server/rate-limit.js";
import type { Socket } from "../../server/index.js";
import { next } from "../helpers/events.js";
import { startServer, type TestServer } from "../helpers/server.js";
import type { Server } from "../../server/index.js";
import { Clients } from "../helpers/client.js";
import { pollingRequest, upgradeRequest } from "../helpers/http-probe.js";

describe("TokenBucket (unit)", () => {
  it("allows a burst, then refills at perSecond", () => {
    const b = new TokenBucket(3, 2, 0);
    assert.deepEqual([b.take(0), b.take(0), b.take(0), b.take(0)], [true, true, true, false]);
    assert.equal(b.retryAfter(0), 500);
    assert.equal(b.take(499), false);
    assert.equal(b.take(500), true);
    assert.equal(b.take(500), false);
    assert.equal(b.tokens(100_000), 3, "never more than the burst");
  });

  it("a refused take costs nothing; time going backwards adds nothing", () => {
    const b = new TokenBucket(1, 1, 1000);
    assert.equal(b.take(1000), true);
    for (let i = 0; i < 10; i++) assert.equal(b.take(1000), false);
    assert.equal(b.take(1999), false);
    assert.equal(b.take(500), false);
    assert.equal(b.take(2000), true);
  });

  it("refuses nonsense options", () => {
    assert.throws(() => new TokenBucket(0, 1, 0), RangeError);
    assert.throws(() => new TokenBucket(1, 0, 0), RangeError);
    assert.throws(() => new EventRateLimiter({ burst: 5, perSecond: -1 }), RangeError);
    assert.throws(() => new AddressCounter(0), RangeError);
  });
});

describe("EventRateLimiter (unit)", () => {
  it("disconnects after maxViolations refusals within the window, not when they are spread out", () => {
    const limiter = new EventRateLimiter<object>({ burst: 1, perSecond: 1, maxViolations: 3, violationWindowMs: 1000 });
    const a = {};
    assert.deepEqual(limiter.check(a, 0), { ok: true });
    assert.deepEqual(limiter.check(a, 0), { ok: false, retryAfterMs: 1000, disconnect: false });
    assert.equal(limiter.check(a, 10).ok, false);
    const third = limiter.check(a, 20);
    assert.equal(third.ok === false && third.disconnect, true);

    const b = {};
    limiter.check(b, 0);
    // one refusal every 600 ms: never 3 inside a 1 s window (a token comes back every second)
    for (let t = 600; t < 10_000; t += 600) {
      const v = limiter.check(b, t);
      assert.equal(v.ok === false && v.disconnect, false, `t=${t}`);
    }
    assert.equal(limiter.size, 2);
    limiter.release(a);
    limiter.release(b);
    assert.equal(limiter.size, 0);
  });

  it("maxViolations 0 never disconnects", () => {
    const limiter = new EventRateLimiter<object>({ burst: 1, perSecond: 1, maxViolations: 0 });
    const a = {};
    for (let i = 0; i < 100; i++) {
      const v = limiter.check(a, 0);
      assert.equal(!v.ok && v.disconnect, false);
    }
  });
});

describe("AddressCounter (unit)", () => {
  it("counts sessions per address and forgets an address at zero", () => {
    const c = new AddressCounter(2);
    assert.equal(c.acquire("a"), true);
    assert.equal(c.acquire("a"), true);
    assert.equal(c.acquire("a"), false);
    assert.equal(c.acquire("b"), true);
    assert.equal(c.size, 2);
    c.release("a");
    assert.equal(c.acquire("a"), true);
    c.release("a");
    c.release("a");
    c.release("b");
    assert.equal(c.size, 0);
  });
});

function lastServerSocket(io: Server): Promise<Socket> {
  return next<[Socket]>(io, "connection").then(([s]) => s);
}

describe("eventRateLimit (live, socket.io-client)", { timeout: 20_000 }, () => {
  it("over the limit, the handler is not called and the ack gets the rate_limited error", async () => {
    await using srv = await startServer({ eventRateLimit: { burst: 3, perSecond: 0.01 } });
    using clients = new Clients("websocket");
    let calls = 0;
    srv.io.on("connection", (socket) => {
      socket.on("work", (n: number, ack: (r: unknown) => void) => {
        calls++;
        ack(n);
      });
    });
    const client = await clients.connect(srv.url);
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => client.emitWithAck("work", n)));
    assert.deepEqual(answers.slice(0, 3), [1, 2, 3]);
    for (const refused of answers.slice(3)) {
      const { error } = refused as { error: { code: string; message: string; retryAfterMs: number } };
      assert.equal(error.code, "rate_limited");
      assert.equal(error.message, "too many events");
      assert.ok(error.retryAfterMs > 0);
    }
    assert.equal(calls, 3);
    assert.equal(client.connected, true, "a few refusals do not disconnect");
    assert.equal(srv.io.stats().rateLimitBuckets, 1);
  });

  it("sustained abuse disconnects the socket with reason \"rate limited\"; onAny and middlewares never see refused events", async () => {
    await using srv = await startServer({ eventRateLimit: { burst: 2, perSecond: 0.01, maxViolations: 5 } });
    using clients = new Clients("websocket");
    const serverSocket = lastServerSocket(srv.io);
    const client = await clients.connect(srv.url);
    const socket = await serverSocket;
    let handled = 0;
    let seenByAny = 0;
    let seenByUse = 0;
    socket.onAny(() => seenByAny++);
    socket.use((_event, nextFn) => {
      seenByUse++;
      nextFn();
    });
    socket.on("spam", () => {
      handled++;
    });
    const serverGone = next<[string]>(socket, "disconnect");
    const clientGone = next<[string]>(client, "disconnect");
    for (let i = 0; i < 20; i++) client.emit("spam", i);
    assert.equal((await serverGone)[0], "rate limited");
    assert.equal((await clientGone)[0], "io server disconnect", "the client is told (no automatic reconnection)");
    assert.deepEqual([handled, seenByAny, seenByUse], [2, 2, 2]);
    assert.equal(srv.io.stats().rateLimitBuckets, 0, "the bucket goes with the socket");
  });

  it("each socket has its own bucket", async () => {
    await using srv = await startServer({ eventRateLimit: { burst: 1, perSecond: 0.01 } });
    using clients = new Clients("websocket");
    srv.io.on("connection", (socket) => {
      socket.on("e", (ack: (r: string) => void) => ack("ok"));
    });
    const [a, b] = await Promise.all([clients.connect(srv.url), clients.connect(srv.url)]);
    assert.equal(await a.emitWithAck("e"), "ok");
    assert.equal(((await a.emitWithAck("e")) as { error: { code: string } }).error.code, "rate_limited");
    assert.equal(await b.emitWithAck("e"), "ok");
  });

  it("is off by default", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    srv.io.on("connection", (socket) => {
      socket.on("e", (ack: (r: string) => void) => ack("ok"));
    });
    const client = await clients.connect(srv.url);
    const answers = await Promise.all(Array.from({ length: 200 }, () => client.emitWithAck("e")));
    assert.ok(answers.every((a) => a === "ok"));
    assert.equal(srv.io.stats().rateLimitBuckets, 0);
  });
});

describe("maxConnectionsPerAddress (live)", { timeout: 20_000 }, () => {
  it("refuses a session over the limit with HTTP 429 (polling and WebSocket); a freed slot can be used again", async () => {
    await using srv = await startServer({ maxConnectionsPerAddress: 2 });
    using clients = new Clients("websocket");
    const io = srv.io;
    const serverA = lastServerSocket(io);
    const a = await clients.connect(srv.url);
    const connA = (await serverA).conn;
    await clients.connect(srv.url);
    assert.equal(io.stats().trackedAddresses, 1);

    const polling = await pollingRequest(srv.port);
    assert.equal(polling.status, 429);
    assert.deepEqual(JSON.parse(polling.body), { code: 429, message: "too many connections" });
    const upgrade = await upgradeRequest(srv.port);
    upgrade.close();
    assert.equal(upgrade.status, 429);
    const third = clients.open(srv.url);
    const [err] = await next<[Error]>(third, "connect_error");
    assert.match(err.message, /websocket error/);

    // the existing sessions keep working (later requests of a session are never counted)
    const sessionClosed = next(connA, "close");
    a.disconnect();
    await sessionClosed;
    assert.equal(io.stats().engineClients, 1);
    await clients.connect(srv.url);
    assert.equal(io.stats().engineClients, 2);
  });

  it("counts on the X-Forwarded-For address with trustProxy, on the TCP peer without", async () => {
    // trustProxy: true trusts one hop, the TCP peer: the right-most entry is the one it appended (the left ones are the client's)
    await using proxied = await startServer({ maxConnectionsPerAddress: 1, trustProxy: true });
    const first = await pollingRequest(proxied.port, { "x-forwarded-for": "198.51.100.9, 203.0.113.1" });
    assert.equal(first.status, 200);
    assert.equal((await pollingRequest(proxied.port, { "x-forwarded-for": "203.0.113.1" })).status, 429);
    assert.equal((await pollingRequest(proxied.port, { "x-forwarded-for": "203.0.113.2" })).status, 200);
    assert.equal(proxied.io.stats().trackedAddresses, 2);

    await using direct = await startServer({ maxConnectionsPerAddress: 1 });
    assert.equal((await pollingRequest(direct.port, { "x-forwarded-for": "203.0.113.1" })).status, 200);
    assert.equal((await pollingRequest(direct.port, { "x-forwarded-for": "203.0.113.2" })).status, 429, "header ignored");
  });
});
