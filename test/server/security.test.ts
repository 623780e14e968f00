/** allowedOrigins (HTTP 403 for polling and WebSocket), trustProxy (live), maxHttpBufferSize, maxAttachments. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../helpers/server.js";
import { next } from "../helpers/events.js";
import type { Server, Socket } from "../../server/index.js";
import { Clients, MODES, serverSocketOf } from "../helpers/client.js";
import { clientOrigins, pollingRequest, upgradeRequest, type ProbeHeaders, type ProbeReply } from "../helpers/http-probe.js";

const GOOD = "https://good.example";
const EVIL = "https://evil.example";

/** Headers with this Origin (none when undefined). */
const from = (origin?: string): ProbeHeaders => (origin === undefined ? {} : { origin });

/** A WebSocket upgrade's outcome: "open" (then closed at once) or the HTTP status of the refusal. */
async function upgradeStatus(port: number, origin?: string, query = ""): Promise<number | "open"> {
  using reply = await upgradeRequest(port, from(origin), { query });
  return reply.status === 101 ? "open" : reply.status;
}

describe("allowedOrigins", { timeout: 10_000 }, () => {
  const allowing = () => startServer({ allowedOrigins: [GOOD] });
  const allowingByFunction = () => startServer({ allowedOrigins: (origin) => origin.endsWith(".good.example") });

  it("polling handshake: 403 for a foreign Origin, 200 for an allowed one or none", async () => {
    await using srv = await allowing();
    await using fnSrv = await allowingByFunction();
    assert.equal((await pollingRequest(srv.port, from(EVIL))).status, 403);
    assert.equal((await pollingRequest(srv.port, from(GOOD))).status, 200);
    assert.equal((await pollingRequest(srv.port, from(GOOD + "/"))).status, 403, "an origin has no path");
    assert.equal((await pollingRequest(srv.port)).status, 200);
    assert.equal((await pollingRequest(fnSrv.port, from("https://a.good.example"))).status, 200);
    assert.equal((await pollingRequest(fnSrv.port, from(EVIL))).status, 403);
  });

  it("WebSocket upgrade: 403 for a foreign Origin, open for an allowed one or none", async () => {
    await using srv = await allowing();
    await using fnSrv = await allowingByFunction();
    assert.equal(await upgradeStatus(srv.port, EVIL), 403);
    assert.equal(await upgradeStatus(srv.port, GOOD), "open");
    assert.equal(await upgradeStatus(srv.port), "open");
    assert.equal(await upgradeStatus(fnSrv.port, EVIL), 403);
  });

  it("the refusal body is engine.io's error shape: {code: 4, message: \"Forbidden\"} (polling and WebSocket)", async () => {
    await using srv = await allowing();
    const polling = await pollingRequest(srv.port, from(EVIL));
    assert.equal(polling.status, 403);
    assert.deepEqual(JSON.parse(polling.body), { code: 4, message: "Forbidden" });
    using ws = await upgradeRequest(srv.port, from(EVIL));
    assert.equal(ws.status, 403);
    assert.deepEqual(JSON.parse(ws.body), { code: 4, message: "Forbidden" });
  });

  it("a session opened from an allowed origin cannot be used from a foreign one", async () => {
    await using srv = await allowing();
    const open = await pollingRequest(srv.port, from(GOOD));
    const sid = (JSON.parse(open.body.slice(1)) as { sid: string }).sid;
    const post = await pollingRequest(srv.port, from(EVIL), { query: `&sid=${sid}`, method: "POST", body: "40" });
    assert.equal(post.status, 403);
    assert.equal(await upgradeStatus(srv.port, EVIL, `&sid=${sid}`), 403);
    assert.equal(srv.io.sockets.sockets.size, 0, "the foreign CONNECT never reached the server");
  });

  for (const mode of MODES) {
    it(`socket.io-client from an allowed origin connects, a foreign one gets connect_error (${mode})`, async () => {
      await using srv = await allowing();
      await clientOrigins(mode, srv.url, [GOOD], EVIL);
    });
  }
});

describe("trustProxy (live)", { timeout: 10_000 }, () => {
  // The TCP peer 127.0.0.1 plays the trusted proxy: each request carries the X-Forwarded-For a standard appending
  // proxy produces, i.e. whatever the client sent with the address the proxy saw (REAL) appended on the right.
  const REAL = "203.0.113.7";
  const behindProxy = (forged?: string) => ({ "x-forwarded-for": forged === undefined ? REAL : `${forged}, ${REAL}` });

  for (const mode of ["websocket", "polling"] as const) {
    it(`handshake.address is what the trusted proxy saw, not what the client forged (${mode})`, async () => {
      await using trusted = await startServer({ trustProxy: true });
      await using untrusted = await startServer();
      using c = new Clients(mode);
      const a = await c.connect(trusted.url, "/", { extraHeaders: behindProxy("198.51.100.1") });
      const b = await c.connect(untrusted.url, "/", { extraHeaders: behindProxy("198.51.100.1") });
      assert.equal(serverSocketOf(trusted.io.sockets, a).handshake.address, REAL);
      assert.equal(serverSocketOf(untrusted.io.sockets, b).handshake.address, "127.0.0.1", "no trustProxy: the TCP peer");
      const plain = await c.connect(trusted.url);
      assert.equal(serverSocketOf(trusted.io.sockets, plain).handshake.address, "127.0.0.1", "no header: the proxy itself");
    });
  }

  it("a list of proxies: the walk goes through every trusted hop and stops at the first other address", async () => {
    await using srv = await startServer({ trustProxy: ["loopback", "10.0.0.0/8"] });
    using c = new Clients("websocket");
    // client (forging 10.9.9.9) -> edge proxy 10.0.0.1 (appends REAL) -> proxy 127.0.0.2 -> server
    const a = await c.connect(srv.url, "/", { extraHeaders: { "x-forwarded-for": `10.9.9.9, ${REAL}, 10.0.0.1` } });
    assert.equal(serverSocketOf(srv.io.sockets, a).handshake.address, REAL);
  });

  for (const transport of ["polling", "websocket"] as const) {
    it(`maxConnectionsPerAddress cannot be walked past by forging X-Forwarded-For behind an appending proxy (${transport})`, async () => {
      await using srv = await startServer({ trustProxy: true, maxConnectionsPerAddress: 2 });
      const open = transport === "polling" ? pollingRequest : upgradeRequest;
      const ok = transport === "polling" ? 200 : 101;
      const replies: ProbeReply[] = [];
      try {
        for (const forged of [undefined, "198.51.100.1"]) {
          const reply = await open(srv.port, behindProxy(forged));
          replies.push(reply);
          assert.equal(reply.status, ok);
        }
        for (const forged of ["198.51.100.2", "198.51.100.3, 198.51.100.4", "unknown", REAL]) {
          const reply = await open(srv.port, behindProxy(forged));
          replies.push(reply);
          assert.equal(reply.status, 429, `forged ${forged}`);
          assert.deepEqual(JSON.parse(reply.body), { code: 429, message: "too many connections" });
        }
        // repeated header lines, as a proxy that adds its own line produces them
        const lines = await open(srv.port, { "x-forwarded-for": ["198.51.100.5", REAL] });
        replies.push(lines);
        assert.equal(lines.status, 429);
        const other = await open(srv.port, { "x-forwarded-for": "198.51.100.1, 203.0.113.8" });
        replies.push(other);
        assert.equal(other.status, ok, "another client behind the same proxy");
        assert.equal(srv.io.stats().trackedAddresses, 2);
      } finally {
        for (const reply of replies) reply.close();
      }
    });
  }

  it("maxConnectionsPerAddress with socket.io-client: a forged X-Forwarded-For gets connect_error", async () => {
    await using srv = await startServer({ trustProxy: true, maxConnectionsPerAddress: 1 });
    using c = new Clients("websocket");
    await c.connect(srv.url, "/", { extraHeaders: behindProxy() });
    const refused = c.open(srv.url, "/", { extraHeaders: behindProxy("198.51.100.9") });
    await next(refused, "connect_error");
    assert.equal(refused.connected, false);
    assert.equal(srv.io.engine.clientsCount, 1);
  });
});

describe("maxHttpBufferSize", { timeout: 10_000 }, () => {
  for (const mode of ["websocket", "polling"] as const) {
    it(`a message over the limit closes that connection only (${mode})`, async () => {
      await using srv = await startServer({ maxHttpBufferSize: 1000 });
      using c = new Clients(mode);
      const big = await c.connect(srv.url);
      const other = await c.connect(srv.url);
      const bigSocket: Socket = serverSocketOf(srv.io.sockets, big);
      const otherSocket: Socket = serverSocketOf(srv.io.sockets, other);
      bigSocket.on("huge", () => assert.fail("an oversized message must not be delivered"));
      const gone = next<[string]>(bigSocket, "disconnect");
      const clientGone = next(big, "disconnect");
      big.emit("huge", "x".repeat(5000));
      const [reason] = await gone;
      assert.ok(["transport error", "transport close", "parse error"].includes(reason), reason);
      await clientGone;
      const got = next<unknown[]>(otherSocket, "small");
      other.emit("small", "x".repeat(500));
      assert.equal((await got)[0], "x".repeat(500));
    });
  }
});

describe("maxAttachments", { timeout: 10_000 }, () => {
  it("accepts up to maxAttachments binaries in one packet, closes the connection above", async () => {
    await using srv = await startServer({ maxAttachments: 3 });
    using clients = new Clients("websocket");
    const client = await clients.connect(srv.url);
    const socket = serverSocketOf(srv.io.sockets, client);
    const ok = next<unknown[]>(socket, "bins");
    client.emit("bins", [Buffer.from([1]), Buffer.from([2]), Buffer.from([3])]);
    assert.equal(((await ok)[0] as unknown[]).length, 3);
    socket.on("too-many", () => assert.fail("must not be delivered"));
    const gone = next<[string]>(socket, "disconnect");
    client.emit("too-many", [1, 2, 3, 4].map((n) => Buffer.from([n])));
    assert.equal((await gone)[0], "parse error");
  });
});
