/** Main, custom and dynamic namespaces; parent broadcasts; cleanup of empty children; unknown namespaces. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../helpers/server.js";
import { next } from "../helpers/events.js";
import type { Namespace, Server, Socket } from "../../server/index.js";
import { Clients, connected, serverSocketOf } from "../helpers/client.js";

describe("namespaces", { timeout: 10_000 }, () => {
  it("connects to the main namespace and passes the auth payload", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const conn = next<[Socket]>(srv.io, "connection");
    const client = await clients.connect(srv.url, "/", { auth: { token: "abc", n: 1 } });
    const [socket] = await conn;
    assert.equal(socket.id, client.id);
    assert.equal(socket.nsp.name, "/");
    assert.deepEqual(socket.handshake.auth, { token: "abc", n: 1 });
  });

  it("connects to a custom namespace, emitting new_namespace once on creation", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const created = next<[Namespace]>(srv.io, "new_namespace");
    const chat = srv.io.of("/chat");
    const [nsp] = await created;
    assert.equal(nsp, chat);
    assert.equal(srv.io.of("chat"), chat, "a name without a leading slash is the same namespace");
    const conn = next<[Socket]>(chat, "connection");
    const client = await clients.connect(srv.url, "/chat");
    const [socket] = await conn;
    assert.equal(socket.nsp, chat);
    assert.equal(socket.id, client.id);
    assert.equal(srv.io.sockets.sockets.has(client.id!), false);
  });

  it("multiplexes several namespaces on one connection", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    srv.io.of("/multi");
    const main = await clients.connect(srv.url, "/");
    const other = main.io.socket("/multi");
    await connected(other);
    const a = serverSocketOf(srv.io.sockets, main);
    const b = serverSocketOf(srv.io.of("/multi"), other);
    assert.equal(a.client, b.client);
    assert.notEqual(a.id, b.id);
    const got = next<unknown[]>(b, "only-multi");
    const notMain = (): void => assert.fail("event went to the wrong namespace");
    a.on("only-multi", notMain);
    other.emit("only-multi", 1);
    assert.deepEqual(await got, [1]);
    other.disconnect();
    await next(b, "disconnect");
    assert.equal(a.connected, true, "leaving one namespace keeps the others");
  });

  it("refuses an unknown namespace with connect_error \"Invalid namespace\"", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const client = clients.open(srv.url, "/nope");
    const [err] = await next<[Error]>(client, "connect_error");
    assert.equal(err.message, "Invalid namespace");
    assert.equal(srv.io.namespaces.has("/nope"), false);
  });

  it("creates dynamic children from a RegExp; the parent's handlers and middlewares apply", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const parent = srv.io.of(/^\/dyn-\d+$/);
    const seen: string[] = [];
    parent.use((socket, next) => {
      seen.push(socket.nsp.name);
      next();
    });
    const conn = next<[Socket]>(parent, "connection");
    const created = next<[Namespace]>(srv.io, "new_namespace");
    const client = await clients.connect(srv.url, "/dyn-42");
    const [socket] = await conn;
    const [child] = await created;
    assert.equal(child.name, "/dyn-42");
    assert.equal(socket.nsp, child);
    assert.equal(srv.io.namespaces.get("/dyn-42"), child);
    assert.deepEqual(seen, ["/dyn-42"]);
    assert.equal(client.connected, true);
    const bad = clients.open(srv.url, "/dyn-x");
    const [err] = await next<[Error]>(bad, "connect_error");
    assert.equal(err.message, "Invalid namespace");
  });

  it("creates dynamic children from a function (name, auth, next)", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    srv.io.of((name, auth, next) => next(null, name.startsWith("/fn-") && auth["key"] === "k"));
    const client = await clients.connect(srv.url, "/fn-a", { auth: { key: "k" } });
    assert.ok(srv.io.namespaces.get("/fn-a")?.sockets.has(client.id!));
    const refused = clients.open(srv.url, "/fn-b", { auth: { key: "wrong" } });
    const [err] = await next<[Error]>(refused, "connect_error");
    assert.equal(err.message, "Invalid namespace");
  });

  it("refuses a name whose matcher errors or throws (reported, no crash)", async () => {
    const errors: Error[] = [];
    await using srv = await startServer({ onError: (err) => errors.push(err) });
    using clients = new Clients("websocket");
    srv.io.of((name, _auth, next) => next(name === "/err-x" ? new Error("no") : null, name === "/err-x"));
    srv.io.of((name, _auth, next) => {
      if (name === "/throw-x") throw new Error("matcher boom");
      next(null, false);
    });
    for (const name of ["/err-x", "/throw-x"]) {
      const client = clients.open(srv.url, name);
      const [err] = await next<[Error]>(client, "connect_error");
      assert.equal(err.message, "Invalid namespace");
    }
    assert.ok(errors.some((e) => e.message === "matcher boom"));
    await clients.connect(srv.url, "/");
  });

  it("broadcasts on a parent reach every child, each with its own namespace name", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const parent = srv.io.of(/^\/team-[a-z]+$/);
    const a = await clients.connect(srv.url, "/team-a");
    const b = await clients.connect(srv.url, "/team-b");
    const main = await clients.connect(srv.url, "/");
    main.on("news", () => assert.fail("main namespace got a parent broadcast"));
    const gotA = next<unknown[]>(a, "news");
    const gotB = next<unknown[]>(b, "news");
    parent.emit("news", { n: 1 });
    assert.deepEqual(await gotA, [{ n: 1 }]);
    assert.deepEqual(await gotB, [{ n: 1 }]);
    // a room on the parent selects in every child
    serverSocketOf(srv.io.of("/team-b"), b).join("vip");
    const vip = next<unknown[]>(b, "vip-only");
    a.on("vip-only", () => assert.fail("team-a is not in the room"));
    parent.to("vip").emit("vip-only", 2);
    assert.deepEqual(await vip, [2]);
    assert.deepEqual([...(await parent.allSockets())].sort(), [a.id, b.id].sort());
    const fetched = await parent.fetchSockets();
    assert.deepEqual(fetched.map((s) => s.id).sort(), [a.id, b.id].sort());
  });

  it("exposes the handshake: query, url, headers, address, time", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const conn = next<[Socket]>(srv.io, "connection");
    await clients.connect(srv.url, "/", { query: { room: "lobby" }, extraHeaders: { "x-custom": "1" } });
    const [socket] = await conn;
    const hs = socket.handshake;
    assert.equal(hs.query["room"], "lobby");
    assert.equal(hs.query["EIO"], "4");
    assert.ok(hs.url.startsWith("/socket.io/?"));
    assert.equal(hs.headers["x-custom"], "1");
    assert.equal(hs.address, "127.0.0.1");
    assert.equal(hs.xdomain, false);
    assert.equal(hs.secure, false);
    assert.ok(Math.abs(hs.issued - Date.now()) < 5000);
    assert.equal(typeof hs.time, "string");
  });

  it("a namespace left by the client can be joined again on the same connection", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    srv.io.of("/again");
    const main = await clients.connect(srv.url, "/");
    const other = main.io.socket("/again");
    await connected(other);
    const first = serverSocketOf(srv.io.of("/again"), other);
    other.disconnect();
    await next(first, "disconnect");
    other.connect();
    await connected(other);
    const second = serverSocketOf(srv.io.of("/again"), other);
    assert.notEqual(second, first);
    assert.equal(second.client, serverSocketOf(srv.io.sockets, main).client);
  });

  it("keeps an emptied child namespace by default", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    srv.io.of(/^\/keep-\d$/);
    const client = await clients.connect(srv.url, "/keep-1");
    const socket = serverSocketOf(srv.io.namespaces.get("/keep-1")!, client);
    client.disconnect();
    await next(socket, "disconnect");
    assert.ok(srv.io.namespaces.has("/keep-1"));
  });
});

describe("cleanupEmptyChildNamespaces", { timeout: 10_000 }, () => {
  it("removes a child namespace when its last socket leaves, and re-creates it on demand", async () => {
    await using srv = await startServer({ cleanupEmptyChildNamespaces: true });
    using clients = new Clients("websocket");
    const parent = srv.io.of(/^\/tmp-\d+$/) as unknown as { children: Set<Namespace> };
    const one = await clients.connect(srv.url, "/tmp-1");
    const two = await clients.connect(srv.url, "/tmp-1");
    const child = srv.io.namespaces.get("/tmp-1")!;
    const s1 = serverSocketOf(child, one);
    const s2 = serverSocketOf(child, two);
    one.disconnect();
    await next(s1, "disconnect");
    assert.equal(srv.io.namespaces.get("/tmp-1"), child, "still one socket in it");
    two.disconnect();
    await next(s2, "disconnect");
    assert.equal(srv.io.namespaces.has("/tmp-1"), false);
    assert.equal(parent.children.has(child), false);

    const created = next<[Namespace]>(srv.io, "new_namespace");
    const again = await clients.connect(srv.url, "/tmp-1");
    const [fresh] = await created;
    assert.notEqual(fresh, child);
    assert.ok(fresh.sockets.has(again.id!));
  });

  it("never removes static namespaces", async () => {
    await using srv = await startServer({ cleanupEmptyChildNamespaces: true });
    using clients = new Clients("websocket");
    const nsp = srv.io.of("/static");
    const client = await clients.connect(srv.url, "/static");
    const socket = serverSocketOf(nsp, client);
    client.disconnect();
    await next(socket, "disconnect");
    assert.equal(srv.io.namespaces.get("/static"), nsp);
  });
});

describe("maxNamespacesPerConnection", { timeout: 10_000 }, () => {
  async function server(): Promise<TestServer<Server>> {
    const srv = await startServer({ maxNamespacesPerConnection: 2 });
    srv.io.of("/a");
    srv.io.of("/b");
    return srv;
  }

  it("closes a connection that joins one namespace too many (parse error)", async () => {
    await using srv = await server();
    using clients = new Clients("websocket");
    const main = await clients.connect(srv.url, "/");
    const a = main.io.socket("/a");
    await connected(a);
    const s = serverSocketOf(srv.io.sockets, main);
    const reason = next<[string]>(s, "disconnect");
    main.io.socket("/b").connect();
    assert.equal((await reason)[0], "parse error");
  });
});
