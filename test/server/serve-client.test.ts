/**
 * serveClient: the browser client at socket.io's URLs (socket.io.js, socket.io.min.js, socket.io.esm.min.js and their
 * maps) with ETag / 304, br / gzip / deflate, HEAD and Content-Length; socket.io.msgpack.min.js a 404 that says why;
 * every other path left to engine.io; the `path` option; `serveClient: false` and `io.serveClient(bool)` at runtime;
 * hostile requests (a huge Accept-Encoding, many at once) that must not grow memory. Differential checks against the
 * official socket.io server for the headers both send and for a name neither serves.
 */
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createServer, request, type IncomingHttpHeaders, type Server as HttpServer } from "node:http";
import type { Socket } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { Server as SocketIoServer } from "socket.io";
import { Server, type ServerOptions } from "../../server/index.js";
import { attachServeClient, negotiate } from "../../server/serve-client.js";
import { listen } from "../helpers/server.js";

const BUNDLE_DIR = new URL("../../client/bundle/", import.meta.url); // dist/client/bundle from dist/test/server
const SERVED: Record<string, RegExp> = {
  "socket.io.js": /^application\/javascript; charset=utf-8$/,
  "socket.io.min.js": /^application\/javascript; charset=utf-8$/,
  "socket.io.esm.min.js": /^application\/javascript; charset=utf-8$/,
  "socket.io.js.map": /^application\/json; charset=utf-8$/,
  "socket.io.min.js.map": /^application\/json; charset=utf-8$/,
  "socket.io.esm.min.js.map": /^application\/json; charset=utf-8$/,
};

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function get(port: number, path: string, headers: Record<string, string> = {}, method = "GET"): Promise<Reply> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path, headers, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on("error", reject)
      .end();
  });
}

function decode(reply: Reply): Buffer {
  const coding = reply.headers["content-encoding"];
  if (coding === "br") return brotliDecompressSync(reply.body);
  if (coding === "gzip") return gunzipSync(reply.body);
  if (coding === "deflate") return inflateSync(reply.body);
  assert.equal(coding, undefined);
  return reply.body;
}

describe("serveClient", { timeout: 60_000 }, () => {
  const closers: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  /** A roomcast server on an HTTP server whose own handler answers 404 "app" (what the app serves elsewhere). */
  async function roomcast(opts: Partial<ServerOptions> = {}): Promise<{ io: Server; port: number }> {
    const http = createServer((_req, res) => res.writeHead(404, { "Content-Type": "text/plain" }).end("app"));
    const io = new Server(http, opts);
    closers.push(() => io.close());
    return { io, port: await listen(http) };
  }

  it("serves every file socket.io serves, with its Content-Type, the bytes on disk, an ETag and Vary", async () => {
    const { port } = await roomcast();
    for (const [name, type] of Object.entries(SERVED)) {
      const reply = await get(port, `/socket.io/${name}`);
      assert.equal(reply.status, 200, name);
      assert.match(String(reply.headers["content-type"]), type, name);
      assert.equal(reply.headers["cache-control"], "public, max-age=0");
      assert.equal(reply.headers["vary"], "Accept-Encoding, Origin");
      assert.match(String(reply.headers["etag"]), /^"[A-Za-z0-9_-]{27}"$/);
      assert.equal(reply.headers["content-length"], String(reply.body.length));
      assert.equal(reply.headers["content-encoding"], undefined); // no Accept-Encoding: identity
      assert.deepEqual(reply.body, await readFile(new URL(name, BUNDLE_DIR)), name);
      if (name.endsWith(".map")) assert.equal(JSON.parse(reply.body.toString()).version, 3);
      else assert.match(reply.body.toString(), new RegExp(`//# sourceMappingURL=${name.replaceAll(".", "\\.")}\\.map\\s*$`));
    }
    // a query string (cache busting) is the same file
    const busted = await get(port, "/socket.io/socket.io.min.js?v=4.8.1");
    assert.equal(busted.status, 200);
    assert.deepEqual(busted.body, await readFile(new URL("socket.io.min.js", BUNDLE_DIR)));
    // the bundles are the global `io` build and the ESM build
    assert.match((await get(port, "/socket.io/socket.io.min.js")).body.toString(), /globalThis\.io=Object\.assign\(/);
    assert.match((await get(port, "/socket.io/socket.io.js")).body.toString(), /globalThis\.io = Object\.assign\(/);
    assert.match((await get(port, "/socket.io/socket.io.esm.min.js")).body.toString(), /export\{[^}]*\bas io\b[^}]*\}/);
  });

  it("answers If-None-Match with 304 (strong, weak, in a list, *) and a changed tag with 200", async () => {
    const { port } = await roomcast();
    const first = await get(port, "/socket.io/socket.io.min.js");
    const etag = String(first.headers["etag"]);
    for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const again = await get(port, "/socket.io/socket.io.min.js?x=1", { "If-None-Match": inm, "Accept-Encoding": "gzip" });
      assert.equal(again.status, 304, inm);
      assert.equal(again.headers["etag"], etag);
      assert.equal(again.headers["vary"], "Accept-Encoding, Origin");
      assert.equal(again.body.length, 0);
    }
    assert.equal((await get(port, "/socket.io/socket.io.min.js", { "If-None-Match": '"stale"' })).status, 200);
    // each file has its own tag
    const tags = await Promise.all(Object.keys(SERVED).map(async (name) => (await get(port, `/socket.io/${name}`)).headers["etag"]));
    assert.equal(new Set(tags).size, tags.length);
  });

  it("br, gzip and deflate decode to the same bytes, and q-values choose between them", async () => {
    const { port } = await roomcast();
    for (const name of Object.keys(SERVED)) {
      const plain = await readFile(new URL(name, BUNDLE_DIR));
      for (const [accept, want] of [
        ["gzip, deflate, br", "br"],
        ["gzip", "gzip"],
        ["deflate", "deflate"],
        ["br;q=0.5, gzip;q=0.9", "gzip"],
        ["*", "br"],
        ["identity", undefined],
        ["gzip;q=0.2, identity;q=0.8", undefined],
        ["br;q=0, gzip;q=0, deflate;q=0", undefined],
      ] as const) {
        const reply = await get(port, `/socket.io/${name}`, { "Accept-Encoding": accept });
        assert.equal(reply.status, 200);
        assert.equal(reply.headers["content-encoding"], want, `${name} ${accept}`);
        assert.equal(reply.headers["content-length"], String(reply.body.length));
        assert.deepEqual(decode(reply), plain, `${name} ${accept}`);
        if (want !== undefined) assert.ok(reply.body.length < plain.length / 2, `${name} ${want} compresses`);
      }
    }
  });

  it("negotiate(): Accept-Encoding by q-value, ties to br > gzip > deflate, malformed q is 0", () => {
    const cases: [string | undefined, string | undefined][] = [
      [undefined, undefined],
      ["", undefined],
      ["gzip, br", "br"],
      ["GZIP", "gzip"],
      ["br;q=0.1, deflate;q=0.2", "deflate"],
      ["*;q=0.5, gzip;q=0.1", "br"],
      ["*, br;q=0", "gzip"],
      ["gzip;q=1.5", undefined],
      ["gzip;q=abc, deflate", "deflate"],
      ["gzip; level=1; q=0.3, identity;q=0.2", "gzip"],
      ["identity;q=1, br;q=1", "br"],
      ["x-compress, compress", undefined],
    ];
    for (const [header, want] of cases) assert.equal(negotiate(header), want, String(header));
  });

  it("HEAD: the same headers and Content-Length, no body; other methods 405", async () => {
    const { port } = await roomcast();
    for (const accept of ["", "br", "gzip"]) {
      const headers: Record<string, string> = accept ? { "Accept-Encoding": accept } : {};
      const full = await get(port, "/socket.io/socket.io.js", headers);
      const head = await get(port, "/socket.io/socket.io.js", headers, "HEAD");
      assert.equal(head.status, 200);
      assert.equal(head.body.length, 0);
      for (const h of ["content-type", "content-length", "content-encoding", "etag", "vary", "cache-control"]) {
        assert.equal(head.headers[h], full.headers[h], `${accept} ${h}`);
      }
    }
    const post = await get(port, "/socket.io/socket.io.js", {}, "POST");
    assert.equal(post.status, 405);
    assert.equal(post.headers["allow"], "GET, HEAD");
  });

  it("socket.io.msgpack.min.js and its map: 404 saying roomcast has no msgpack parser", async () => {
    const { port } = await roomcast();
    for (const name of ["socket.io.msgpack.min.js", "socket.io.msgpack.min.js.map"]) {
      const reply = await get(port, `/socket.io/${name}`);
      assert.equal(reply.status, 404);
      assert.match(reply.body.toString(), /no msgpack parser/);
    }
  });

  it("other names under the path get engine.io's answer, as from a server that serves nothing", async () => {
    const { port } = await roomcast();
    const { port: offPort } = await roomcast({ serveClient: false });
    const sio = new SocketIoServer(createServer());
    closers.push(() => new Promise((resolve) => sio.close(resolve)));
    const sioPort = await listen(sio.httpServer as HttpServer);
    for (const path of ["/socket.io/roomcast.min.js", "/socket.io/socket.io.JS", "/socket.io/socket.io.js/x", "/socket.io/", "/socket.io/?EIO=4&transport=nope"]) {
      const ours = await get(port, path);
      const off = await get(offPort, path);
      const theirs = await get(sioPort, path);
      assert.equal(ours.status, off.status, path);
      assert.deepEqual(ours.body, off.body, path);
      assert.equal(ours.status, theirs.status, path); // engine.io's 400 in both
      assert.deepEqual(JSON.parse(ours.body.toString()), JSON.parse(theirs.body.toString()), path);
    }
    const handshake = await get(port, "/socket.io/?EIO=4&transport=polling");
    assert.equal(handshake.status, 200); // engine.io still answers its own requests
    assert.equal((await get(port, "/elsewhere/socket.io.js")).body.toString(), "app"); // outside the path: the app's
  });

  it("the headers socket.io sends for the same files (Content-Type, Cache-Control, 304 on its ETag)", async () => {
    const sio = new SocketIoServer(createServer());
    closers.push(() => new Promise((resolve) => sio.close(resolve)));
    const sioPort = await listen(sio.httpServer as HttpServer);
    const { port } = await roomcast();
    for (const name of Object.keys(SERVED)) {
      const theirs = await get(sioPort, `/socket.io/${name}`, { "Accept-Encoding": "gzip" });
      const ours = await get(port, `/socket.io/${name}`, { "Accept-Encoding": "gzip" });
      for (const h of ["content-type", "cache-control", "content-encoding"]) assert.equal(ours.headers[h], theirs.headers[h], `${name} ${h}`);
      const theirs304 = await get(sioPort, `/socket.io/${name}`, { "If-None-Match": String(theirs.headers["etag"]) });
      const ours304 = await get(port, `/socket.io/${name}`, { "If-None-Match": String(ours.headers["etag"]) });
      assert.equal(ours304.status, theirs304.status);
    }
  });

  it("CORS: an origin the server's policy lets in gets Access-Control-Allow-Origin, as from socket.io with the same cors", async () => {
    const cors = { origin: ["http://app.example"] };
    const { port } = await roomcast({ cors });
    const sio = new SocketIoServer(createServer(), { cors });
    closers.push(() => new Promise((resolve) => sio.close(resolve)));
    const sioPort = await listen(sio.httpServer as HttpServer);
    for (const [origin, want] of [
      ["http://app.example", "http://app.example"],
      ["http://evil.example", undefined],
    ] as const) {
      const ours = await get(port, "/socket.io/socket.io.esm.min.js", { Origin: origin });
      const theirs = await get(sioPort, "/socket.io/socket.io.esm.min.js", { Origin: origin });
      assert.equal(ours.status, 200); // the file either way: the browser decides what the page may read
      assert.equal(ours.headers["access-control-allow-origin"], want, origin);
      assert.equal(theirs.headers["access-control-allow-origin"], want, `socket.io ${origin}`);
    }
    const { port: plainPort } = await roomcast(); // no cors: same-origin only
    assert.equal((await get(plainPort, "/socket.io/socket.io.min.js", { Origin: "http://app.example" })).headers["access-control-allow-origin"], undefined);
    const self = `http://127.0.0.1:${plainPort}`;
    assert.equal((await get(plainPort, "/socket.io/socket.io.min.js", { Origin: self })).headers["access-control-allow-origin"], self);
  });

  it("the path option: served under it, not under /socket.io", async () => {
    const { port } = await roomcast({ path: "/rt/" });
    assert.equal((await get(port, "/rt/socket.io.min.js")).status, 200);
    assert.equal((await get(port, "/rt/socket.io.esm.min.js.map")).status, 200);
    const outside = await get(port, "/socket.io/socket.io.min.js");
    assert.equal(outside.status, 404);
    assert.equal(outside.body.toString(), "app");
  });

  it("serveClient: false, and io.serveClient(bool) at runtime: read, chainable, effective on the next request", async () => {
    const { io: off, port: offPort } = await roomcast({ serveClient: false });
    assert.equal(off.serveClient(), false);
    assert.equal((await get(offPort, "/socket.io/socket.io.js")).status, 400); // engine.io: Transport unknown
    assert.equal(off.serveClient(true), off);
    assert.equal(off.serveClient(), true);
    assert.equal((await get(offPort, "/socket.io/socket.io.js")).status, 200);

    const { io, port } = await roomcast();
    assert.equal(io.serveClient(), true);
    assert.equal((await get(port, "/socket.io/socket.io.min.js")).status, 200);
    io.serveClient(false);
    const refused = await get(port, "/socket.io/socket.io.min.js");
    assert.equal(refused.status, 400);
    assert.match(refused.body.toString(), /Transport unknown/);
    assert.equal((await get(port, "/socket.io/socket.io.msgpack.min.js")).status, 400);
    io.serveClient(true);
    assert.equal((await get(port, "/socket.io/socket.io.min.js")).status, 200);

    // set before attach (socket.io allows it too)
    const early = new Server({ serveClient: true }).serveClient(false);
    closers.push(() => early.close().catch(() => undefined));
    const http = createServer((_req, res) => res.writeHead(404).end());
    early.attach(http);
    assert.equal((await get(await listen(http), "/socket.io/socket.io.js")).status, 400);
  });

  it("a bundle that was not built is a 404 that says so; other requests reach the server's handler", async () => {
    const bare = createServer((_req, res) => res.writeHead(418).end());
    attachServeClient(bare, "/socket.io", { dir: new URL("file:///nonexistent/roomcast-bundle/") });
    const port = await listen(bare);
    closers.push(() => new Promise((resolve) => bare.close(resolve)));
    const missing = await get(port, "/socket.io/socket.io.min.js");
    assert.equal(missing.status, 404);
    assert.match(missing.body.toString(), /not built/);
    assert.equal((await get(port, "/other")).status, 418);
  });

  it("hostile requests: a 14 kB Accept-Encoding, 2 000 requests 100 at a time: same bytes, no growth per request", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const { io, port } = await roomcast();
    const names = Object.keys(SERVED);
    const plain = new Map<string, Buffer>();
    for (const name of names) plain.set(name, await readFile(new URL(name, BUNDLE_DIR)));
    let hostile = "gzip;q=0.1"; // ~14 kB of codings (Node's default limit for all headers is 16 kB)
    for (let i = 0; hostile.length < 14_000; i++) hostile = `x-${i};q=0.${i % 10},${hostile}`;
    const accepts = [hostile, "br", "gzip", "deflate", "*", "", `${"gzip;q=0.5;".repeat(1000)}`];
    const round = async (n: number) => {
      for (let batch = 0; batch < n / 100; batch++) {
        await Promise.all(
          Array.from({ length: 100 }, async (_, i) => {
            const name = names[(batch + i) % names.length] as string;
            const accept = accepts[i % accepts.length] as string;
            const reply = await get(port, `/socket.io/${name}?n=${batch}-${i}`, accept ? { "Accept-Encoding": accept } : {});
            assert.equal(reply.status, 200);
            assert.deepEqual(decode(reply), plain.get(name));
          }),
        );
      }
    };
    // every connection the server saw closed, then a full collection (twice, so finalizers have run between)
    const open = new Set<Socket>();
    (io.httpServer as HttpServer).on("connection", (socket: Socket) => {
      open.add(socket);
      socket.once("close", () => open.delete(socket));
    });
    const settled = async () => {
      await Promise.all([...open].map((socket) => new Promise((resolve) => socket.once("close", resolve))));
      gc();
      await new Promise((resolve) => setImmediate(resolve));
      gc();
      const { heapUsed, arrayBuffers } = process.memoryUsage();
      return heapUsed + arrayBuffers;
    };
    await round(500); // warm: every file and encoding computed once, the runtime's own pools filled
    const before = await settled();
    await round(2000);
    const grown = (await settled()) - before;
    // 2 000 replies of ~10-80 kB each would be ~50 MB if any were kept per request
    assert.ok(grown < 8 * 1024 * 1024, `grew ${grown} B over 2 000 requests`);
  });
});
