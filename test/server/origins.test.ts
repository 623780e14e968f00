/**
 * The origin gate, live, over raw polling handshakes and raw WebSocket upgrades: same-origin by default, socket.io's
 * `cors.origin` held for upgrades too (every form), `allowedOrigins` precedence, X-Forwarded-Host from a trusted
 * proxy, ports / schemes / IPv6 / missing Host. (`allowedOrigins` alone: security.test.ts.)
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type ServerOptions } from "../../server/index.js";
import { sameOrigin } from "../../server/origins.js";
import { clientOrigins, pollingRequest, upgradeRequest, type ProbeHeaders, type ProbeOptions } from "../helpers/http-probe.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { MODES } from "../helpers/client.js";

const GOOD = "https://good.example";
const SUB = "https://chat.good.example";
const EVIL = "https://evil.example";
const OPEN = [200, 101] as const;
const REFUSED = [403, 403] as const;
const FORBIDDEN = { code: 4, message: "Forbidden" };

/** [polling handshake status, WebSocket upgrade status] for one set of request headers. */
async function admission(port: number, headers: ProbeHeaders, opts: ProbeOptions = {}): Promise<[number, number]> {
  const polling = await pollingRequest(port, headers, opts);
  polling.close();
  if (polling.status === 403) assert.deepEqual(JSON.parse(polling.body), FORBIDDEN);
  const upgrade = await upgradeRequest(port, headers, opts);
  upgrade.close();
  if (upgrade.status === 403) assert.deepEqual(JSON.parse(upgrade.body), FORBIDDEN);
  return [polling.status, upgrade.status];
}

/** Servers of one suite, closed after it. */
function servers() {
  const list: TestServer<Server>[] = [];
  after(() => Promise.all(list.map((s) => s.close())));
  return async (opts: Partial<ServerOptions> = {}) => {
    const s = await startServer(opts);
    list.push(s);
    return s;
  };
}

describe("sameOrigin (unit)", () => {
  const rows: [origin: string, host: string, same: boolean][] = [
    ["http://app.example", "app.example", true],
    ["http://app.example", "app.example:80", true],
    ["https://app.example", "app.example", true],
    ["https://app.example", "app.example:443", true],
    ["https://app.example", "app.example:80", false],
    ["http://app.example", "app.example:443", false],
    ["http://app.example:8080", "app.example:8080", true],
    ["http://app.example:8080", "app.example", false],
    ["http://app.example", "app.example:8080", false],
    ["https://app.example:443", "app.example", true],
    ["ws://app.example", "app.example", true],
    ["wss://app.example", "app.example:443", true],
    ["http://App.Example", "APP.example", true],
    ["HTTP://app.example", "app.example", true],
    ["http://app.example", "other.example", false],
    ["http://app.example.evil", "app.example", false],
    ["http://app.example", "app.example.evil", false],
    ["http://127.0.0.1:3000", "127.0.0.1:3000", true],
    ["http://127.0.0.1:3000", "localhost:3000", false],
    ["http://[::1]:3000", "[::1]:3000", true],
    ["http://[::1]", "[::1]:80", true],
    ["http://[0:0:0:0:0:0:0:1]:3000", "[::1]:3000", true],
    ["http://[::1]:3000", "[0:0::1]:3000", true],
    ["http://[::1]:3000", "[::2]:3000", false],
    ["http://[::ffff:7f00:1]", "[::ffff:127.0.0.1]", true],
    ["null", "app.example", false],
    ["file://", "app.example", false],
    ["chrome-extension://abcdef", "abcdef", false],
    ["http://app.example/", "app.example", false],
    ["http://app.example/path", "app.example", false],
    ["http://user@app.example", "app.example", false],
    ["http://app.example?x", "app.example", false],
    ["http://app.example:65536", "app.example:65536", false],
    ["http://app.example:x", "app.example", false],
    ["http://app.example:", "app.example", true],
    ["http://", "", false],
    ["http://app.example", " app.example ", true],
    ["http://app.example", "app.example:80:80", false],
    ["http://[::1", "[::1", false],
    ["http://[nope]", "[nope]", false],
  ];
  for (const [origin, host, same] of rows) {
    it(`${origin} vs Host ${JSON.stringify(host)}: ${same ? "same" : "foreign"}`, () => assert.equal(sameOrigin(origin, host), same));
  }
});

describe("default: same-origin only (neither allowedOrigins nor cors.origin)", { timeout: 10_000 }, () => {
  const start = servers();

  it("no Origin (non-browser clients) and the page's own origin are admitted; a foreign origin gets 403 on both transports", async () => {
    const srv = await start();
    assert.deepEqual(await admission(srv.port, {}), OPEN);
    assert.deepEqual(await admission(srv.port, { origin: `http://127.0.0.1:${srv.port}` }), OPEN);
    assert.deepEqual(await admission(srv.port, { origin: EVIL }), REFUSED);
    assert.deepEqual(await admission(srv.port, { origin: `http://127.0.0.1:${srv.port === 65535 ? 1 : srv.port + 1}` }), REFUSED, "another port");
    assert.deepEqual(await admission(srv.port, { origin: `http://localhost:${srv.port}` }), REFUSED, "another host name");
    assert.deepEqual(await admission(srv.port, { origin: "null" }), REFUSED, "opaque origin (sandboxed frame, file:)");
    assert.deepEqual(await admission(srv.port, { origin: `https://127.0.0.1:${srv.port}` }), OPEN, "schemes are not compared");
  });

  it("ports: a missing port is the Origin scheme's default on both sides", async () => {
    const srv = await start();
    const at = (host: string, origin: string) => admission(srv.port, { host, origin });
    assert.deepEqual(await at("chat.example", "http://chat.example"), OPEN);
    assert.deepEqual(await at("chat.example", "https://chat.example"), OPEN, "TLS ended at a proxy that passes Host on");
    assert.deepEqual(await at("chat.example:443", "https://chat.example"), OPEN);
    assert.deepEqual(await at("chat.example:80", "http://chat.example"), OPEN);
    assert.deepEqual(await at("chat.example:80", "https://chat.example"), REFUSED);
    assert.deepEqual(await at("chat.example", "http://chat.example:8080"), REFUSED);
    assert.deepEqual(await at("chat.example:8080", "http://chat.example:8080"), OPEN);
    assert.deepEqual(await at("chat.example:8080", "http://chat.example"), REFUSED);
    assert.deepEqual(await at("Chat.Example", "http://chat.example"), OPEN, "host names are case-insensitive");
    assert.deepEqual(await at("chat.example", "http://chat.example.evil.example"), REFUSED);
  });

  it("IPv6 hosts: bracketed, compared in canonical form", async () => {
    const srv = await start();
    const port = srv.port;
    assert.deepEqual(await admission(port, { host: `[::1]:${port}`, origin: `http://[::1]:${port}` }), OPEN);
    assert.deepEqual(await admission(port, { host: `[::1]:${port}`, origin: `http://[0:0:0:0:0:0:0:1]:${port}` }), OPEN);
    assert.deepEqual(await admission(port, { host: `[::1]:${port}`, origin: `http://[::2]:${port}` }), REFUSED);
  });

  it("IPv6 for real: a server on ::1 admits its own page's origin", async () => {
    const http = createServer();
    const io = new Server(http);
    try {
      await new Promise<void>((resolve, reject) => http.once("error", reject).listen(0, "::1", resolve));
      const port = (http.address() as AddressInfo).port;
      assert.deepEqual(await admission(port, { origin: `http://[::1]:${port}` }, { address: "::1" }), OPEN);
      assert.deepEqual(await admission(port, { origin: `http://127.0.0.1:${port}` }, { address: "::1" }), REFUSED);
    } finally {
      await io.close();
    }
  });

  it("Host missing: a request with an Origin has nothing to match and is refused; without Origin it is admitted", async () => {
    const srv = await start();
    const polling = (headers: ProbeHeaders) => pollingRequest(srv.port, { host: null, ...headers }, { version: "1.0" });
    const refused = await polling({ origin: `http://127.0.0.1:${srv.port}` });
    assert.equal(refused.status, 403);
    assert.equal((await polling({})).status, 200);
    // an HTTP/1.1 upgrade without Host reaches engine.io only when the HTTP server allows it
    const http = createServer({ requireHostHeader: false });
    const io = new Server(http);
    try {
      await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
      const port = (http.address() as AddressInfo).port;
      const upgrade = await upgradeRequest(port, { host: null, origin: `http://127.0.0.1:${port}` });
      upgrade.close();
      assert.equal(upgrade.status, 403);
      const plain = await upgradeRequest(port, { host: null });
      plain.close();
      assert.equal(plain.status, 101);
    } finally {
      await io.close();
    }
  });

  it("every request of a session is checked: a session opened without Origin cannot be polled or upgraded from a foreign one", async () => {
    const srv = await start();
    const open = await pollingRequest(srv.port);
    const sid = (JSON.parse(open.body.slice(1)) as { sid: string }).sid;
    const poll = await pollingRequest(srv.port, { origin: EVIL }, { query: `&sid=${sid}`, method: "POST", body: "40" });
    assert.equal(poll.status, 403);
    const upgrade = await upgradeRequest(srv.port, { origin: EVIL }, { query: `&sid=${sid}` });
    upgrade.close();
    assert.equal(upgrade.status, 403);
    assert.equal(srv.io.sockets.sockets.size, 0, "the foreign CONNECT never reached the server");
  });

  for (const mode of MODES) {
    it(`socket.io-client: its own origin and no origin connect, a foreign one gets connect_error (${mode})`, async () => {
      const srv = await start();
      await clientOrigins(mode, srv.url, [undefined, srv.url], EVIL);
    });
  }
});

describe("cors.origin gates WebSocket upgrades as well as polling", { timeout: 10_000 }, () => {
  const start = servers();
  type CorsOpt = NonNullable<ServerOptions["cors"]>;
  // every form lets GOOD and SUB in (a string: GOOD only)
  const forms: [string, CorsOpt][] = [
    ["a string", { origin: GOOD }],
    ["a RegExp", { origin: /^https:\/\/([a-z]+\.)?good\.example$/ }],
    ["an array of strings and RegExps", { origin: [GOOD, /^https:\/\/[a-z]+\.good\.example$/] }],
    ["a function", { origin: (origin, cb) => cb(null, origin === GOOD || origin === SUB) }],
    ["an async function", { origin: (origin, cb) => void Promise.resolve().then(() => setImmediate(() => cb(null, origin?.endsWith("good.example") ?? false))) }],
    ["a function answering with a list", { origin: (_origin, cb) => cb(null, [GOOD, SUB]) }],
    ["a cors delegate (req, cb)", (_req, cb) => cb(null, { origin: [GOOD, SUB], credentials: true })],
    ["a cors delegate with an async origin function", (_req, cb) => setImmediate(() => cb(null, { origin: (o, cb2) => setImmediate(() => cb2(null, o === GOOD || o === SUB)) }))],
  ];

  for (const [name, cors] of forms) {
    it(`${name}: listed origins admitted, foreign ones refused (403), own origin and no origin admitted`, async () => {
      const srv = await start({ cors });
      assert.deepEqual(await admission(srv.port, { origin: GOOD }), OPEN);
      assert.deepEqual(await admission(srv.port, { origin: SUB }), name === "a string" ? REFUSED : OPEN);
      assert.deepEqual(await admission(srv.port, { origin: GOOD }), OPEN, "the same answer again");
      assert.deepEqual(await admission(srv.port, { origin: EVIL }), REFUSED);
      assert.deepEqual(await admission(srv.port, { origin: "https://good.example.evil.example" }), REFUSED);
      assert.deepEqual(await admission(srv.port, {}), OPEN);
      assert.deepEqual(await admission(srv.port, { origin: `http://127.0.0.1:${srv.port}` }), OPEN);
      // the CORS headers are still the cors package's
      const allowed = await pollingRequest(srv.port, { origin: GOOD });
      assert.equal(allowed.headers["access-control-allow-origin"], GOOD);
      const preflight = await pollingRequest(srv.port, { origin: GOOD, "access-control-request-method": "POST" }, { method: "OPTIONS" });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers["access-control-allow-origin"], GOOD);
    });
  }

  it("a /g RegExp gives the same answer every time (the gate resets its lastIndex)", async () => {
    const srv = await start({ cors: { origin: /good\.example$/g } });
    for (let i = 0; i < 3; i++) assert.deepEqual(await admission(srv.port, { origin: GOOD }), OPEN);
    assert.deepEqual(await admission(srv.port, { origin: EVIL }), REFUSED);
  });

  it("true and \"*\" admit every origin", async () => {
    for (const origin of [true, "*"] as const) {
      const srv = await start({ cors: { origin } });
      assert.deepEqual(await admission(srv.port, { origin: EVIL }), OPEN, String(origin));
    }
  });

  it("cors without origin, or origin: false, is no list: same-origin only", async () => {
    for (const cors of [{}, { origin: false }, { credentials: true }] as CorsOpt[]) {
      const srv = await start({ cors });
      assert.deepEqual(await admission(srv.port, { origin: EVIL }), REFUSED, JSON.stringify(cors));
      assert.deepEqual(await admission(srv.port, { origin: srv.url }), OPEN, JSON.stringify(cors));
    }
  });

  it("in an array, \"*\" is a string like any other (as in the cors package)", async () => {
    const srv = await start({ cors: { origin: ["*"] } });
    assert.deepEqual(await admission(srv.port, { origin: EVIL }), REFUSED);
  });

  it("an origin function that fails or throws refuses; one answering twice is taken at its first word", async () => {
    const failing = await start({ cors: { origin: (_o, cb) => cb(new Error("lookup failed")) } });
    assert.deepEqual(await admission(failing.port, { origin: GOOD }), REFUSED);
    const throwing = await start({ cors: { origin: () => { throw new Error("boom"); } } });
    assert.deepEqual(await admission(throwing.port, { origin: GOOD }), REFUSED);
    const twice = await start({ cors: { origin: (_o, cb) => (cb(null, false), cb(null, true)) } });
    assert.deepEqual(await admission(twice.port, { origin: GOOD }), REFUSED);
    const failingDelegate = await start({ cors: (_req, cb) => cb(new Error("no options")) });
    assert.deepEqual(await admission(failingDelegate.port, { origin: GOOD }), REFUSED);
  });

  it("an app's origin function runs once per cross-origin request (CORS headers and gate share its answer)", async () => {
    const calls: (string | undefined)[] = [];
    const srv = await start({ cors: { origin: (origin, cb) => (calls.push(origin), setImmediate(() => cb(null, origin === GOOD))) } });
    assert.deepEqual(await admission(srv.port, { origin: GOOD }), OPEN);
    assert.deepEqual(await admission(srv.port, { origin: EVIL }), REFUSED);
    assert.deepEqual(calls, [GOOD, GOOD, EVIL, EVIL]);
  });

  for (const mode of MODES) {
    it(`socket.io-client: a listed origin connects, a foreign one gets connect_error (${mode})`, async () => {
      const srv = await start({ cors: { origin: [GOOD] } });
      await clientOrigins(mode, srv.url, [GOOD], EVIL);
    });
  }
});

describe("allowedOrigins and cors.origin together: allowedOrigins decides", { timeout: 10_000 }, () => {
  const start = servers();

  it("the allowedOrigins list exactly (the page's own origin is not added); cors.origin only shapes CORS headers", async () => {
    const srv = await start({ allowedOrigins: [GOOD], cors: { origin: [SUB] } });
    assert.deepEqual(await admission(srv.port, { origin: GOOD }), OPEN);
    assert.deepEqual(await admission(srv.port, { origin: SUB }), REFUSED);
    assert.deepEqual(await admission(srv.port, { origin: `http://127.0.0.1:${srv.port}` }), REFUSED);
    assert.deepEqual(await admission(srv.port, {}), OPEN);
  });

  it("allowedOrigins: [\"*\"] opens the server to every site", async () => {
    const srv = await start({ allowedOrigins: ["*"] });
    assert.deepEqual(await admission(srv.port, { origin: EVIL }), OPEN);
  });
});

describe("same-origin behind a trusted proxy: X-Forwarded-Host stands for Host", { timeout: 10_000 }, () => {
  const start = servers();
  const PUBLIC = "https://chat.example";
  const proxied = { "x-forwarded-host": "chat.example", "x-forwarded-for": "203.0.113.7" };

  it("from the trusted proxy (the TCP peer), the public host is the one compared", async () => {
    const srv = await start({ trustProxy: true });
    assert.deepEqual(await admission(srv.port, { ...proxied, origin: PUBLIC }), OPEN);
    assert.deepEqual(await admission(srv.port, { ...proxied, origin: `http://127.0.0.1:${srv.port}` }), REFUSED);
    assert.deepEqual(await admission(srv.port, { ...proxied, "x-forwarded-host": "evil.example, chat.example", origin: PUBLIC }), OPEN);
    assert.deepEqual(await admission(srv.port, { origin: `http://127.0.0.1:${srv.port}` }), OPEN, "no X-Forwarded-Host: Host");
  });

  it("from an untrusted peer, or without trustProxy, X-Forwarded-Host is ignored", async () => {
    for (const opts of [{}, { trustProxy: "10.0.0.0/8" }] as Partial<ServerOptions>[]) {
      const srv = await start(opts);
      assert.deepEqual(await admission(srv.port, { ...proxied, origin: PUBLIC }), REFUSED, JSON.stringify(opts));
      assert.deepEqual(await admission(srv.port, { ...proxied, origin: `http://127.0.0.1:${srv.port}` }), OPEN);
    }
  });
});

describe("origin options: validation", () => {
  it("an option of the wrong shape throws TypeError from the constructor", () => {
    assert.throws(() => new Server({ cors: { origin: 42 as unknown as string } }), TypeError);
    assert.throws(() => new Server({ cors: { origin: [GOOD, 42] as unknown as string[] } }), TypeError);
    assert.throws(() => new Server({ allowedOrigins: GOOD as unknown as string[] }), TypeError);
    assert.throws(() => new Server({ allowedOrigins: [GOOD, 1] as unknown as string[] }), TypeError);
  });
});
