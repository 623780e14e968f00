/** Connection middlewares (`nsp.use`) and per-packet middlewares (`socket.use`). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../helpers/server.js";
import { EventEmitter } from "node:events";
import { next, until } from "../helpers/events.js";
import type { ExtendedError, Server, Socket } from "../../server/index.js";
import { Clients, MODES, serverSocketOf } from "../helpers/client.js";

interface ConnectError extends Error {
  data?: unknown;
}

describe("connection middlewares", { timeout: 10_000 }, () => {
  for (const mode of MODES) {
    it(`next(err) with data refuses the socket: connect_error carries message and data (${mode})`, async () => {
      await using srv = await startServer();
      using clients = new Clients(mode);
      const nsp = srv.io.of(`/refuse-${mode}`);
      nsp.use((socket, next) => {
        const err: ExtendedError = new Error("not authorized");
        err.data = { reason: "token", got: socket.handshake.auth["token"] ?? null };
        next(err);
      });
      nsp.on("connection", () => assert.fail("refused socket must not connect"));
      const client = clients.open(srv.url, `/refuse-${mode}`, { auth: { token: "bad" } });
      const [err] = await next<[ConnectError]>(client, "connect_error");
      assert.equal(err.message, "not authorized");
      assert.deepEqual(err.data, { reason: "token", got: "bad" });
      assert.equal(nsp.sockets.size, 0);
    });
  }

  it("runs middlewares in order with the handshake; they can set socket.data", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const nsp = srv.io.of("/ordered");
    const order: number[] = [];
    nsp.use((socket, next) => {
      order.push(1);
      socket.data.user = socket.handshake.auth["user"];
      next();
    });
    nsp.use(async (socket, next) => {
      order.push(2);
      await Promise.resolve();
      socket.data.checked = true;
      next();
    });
    const conn = next<[Socket]>(nsp, "connection");
    await clients.connect(srv.url, "/ordered", { auth: { user: "ann" } });
    const [socket] = await conn;
    assert.deepEqual(order, [1, 2]);
    assert.deepEqual(socket.data, { user: "ann", checked: true });
  });

  it("a throwing middleware counts as next(err)", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const nsp = srv.io.of("/throws");
    nsp.use(() => {
      throw new Error("sync boom");
    });
    const client = clients.open(srv.url, "/throws");
    const [err] = await next<[ConnectError]>(client, "connect_error");
    assert.equal(err.message, "sync boom");
    assert.equal(nsp.sockets.size, 0);
  });

  it("a rejecting async middleware counts as next(err)", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const nsp = srv.io.of("/rejects");
    nsp.use(async () => {
      await Promise.resolve();
      throw new Error("async boom");
    });
    const client = clients.open(srv.url, "/rejects");
    const [err] = await next<[ConnectError]>(client, "connect_error");
    assert.equal(err.message, "async boom");
  });

  it("a refused namespace does not affect the others on the same connection", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const nsp = srv.io.of("/half");
    nsp.use((_socket, next) => next(new Error("nope")));
    const main = await clients.connect(srv.url, "/");
    const refused = main.io.socket("/half");
    const [err] = await next<[ConnectError]>(refused, "connect_error");
    assert.equal(err.message, "nope");
    const socket = serverSocketOf(srv.io.sockets, main);
    const got = next<unknown[]>(socket, "still");
    main.emit("still", "here");
    assert.deepEqual(await got, ["here"]);
  });

  it("rooms joined in a middleware are kept on success and released on refusal", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const nsp = srv.io.of("/rooms-in-mw");
    nsp.use(async (socket, next) => {
      await socket.join(["from-mw", `user:${String(socket.handshake.auth["user"])}`]);
      next();
    });
    nsp.use((socket, next) => next(socket.handshake.auth["user"] === "bad" ? new Error("refused") : undefined));
    const conn = next<[Socket]>(nsp, "connection");
    await clients.connect(srv.url, "/rooms-in-mw", { auth: { user: "good" } });
    const [socket] = await conn;
    assert.deepEqual([...socket.rooms].sort(), [socket.id, "from-mw", "user:good"].sort());
    const refused = clients.open(srv.url, "/rooms-in-mw", { auth: { user: "bad" } });
    await next(refused, "connect_error");
    assert.equal(nsp.adapter.rooms.has("user:bad"), false, "no ghost room left by a refused socket");
    assert.deepEqual([...nsp.adapter.rooms.get("from-mw")!], [socket.id]);
    assert.equal(nsp.adapter.sids.size, 1);
  });

  it("next called twice only counts once", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const nsp = srv.io.of("/twice");
    let connections = 0;
    nsp.use((_socket, next) => {
      next();
      next(new Error("late"));
    });
    nsp.on("connection", () => {
      connections++;
    });
    await clients.connect(srv.url, "/twice");
    assert.equal(connections, 1);
  });
});

describe("per-packet middlewares (socket.use)", { timeout: 10_000 }, () => {
  /** A server whose onError reports go to `errors`, each also emitted as "err" on `reported`. */
  async function server(): Promise<TestServer<Server> & { errors: Error[]; reported: EventEmitter }> {
    const errors: Error[] = [];
    const reported = new EventEmitter();
    const srv = await startServer({
      onError: (err) => {
        errors.push(err);
        reported.emit("err");
      },
    });
    return Object.assign(srv, { errors, reported });
  }

  it("sees and may change each incoming event before its handler", async () => {
    await using srv = await server();
    using clients = new Clients("websocket");
    const client = await clients.connect(srv.url);
    const socket = serverSocketOf(srv.io.sockets, client);
    socket.use((packet, next) => {
      if (packet[0] === "greet") packet[1] = String(packet[1]).toUpperCase();
      next();
    });
    const got = next<unknown[]>(socket, "greet");
    client.emit("greet", "hi");
    assert.deepEqual(await got, ["HI"]);
  });

  it("next(err) drops the event and emits the error as \"error\" on the socket", async () => {
    await using srv = await server();
    using clients = new Clients("websocket");
    const client = await clients.connect(srv.url);
    const socket = serverSocketOf(srv.io.sockets, client);
    socket.use(([event], next) => (event === "forbidden" ? next(new Error("forbidden event")) : next()));
    socket.on("forbidden", () => assert.fail("the handler must not run"));
    const failed = next<[Error]>(socket, "error");
    client.emit("forbidden");
    const [err] = await failed;
    assert.equal(err.message, "forbidden event");
    // later events still flow
    const ok = next<unknown[]>(socket, "allowed");
    client.emit("allowed", 1);
    assert.deepEqual(await ok, [1]);
    assert.equal(socket.connected, true);
  });

  it("a throwing packet middleware is reported as \"error\" too", async () => {
    await using srv = await server();
    using clients = new Clients("websocket");
    const client = await clients.connect(srv.url);
    const socket = serverSocketOf(srv.io.sockets, client);
    socket.use(() => {
      throw new Error("middleware boom");
    });
    const failed = next<[Error]>(socket, "error");
    client.emit("anything");
    assert.equal((await failed)[0].message, "middleware boom");
  });

  it("with no \"error\" listener, a packet middleware error goes to onError", async () => {
    await using srv = await server();
    using clients = new Clients("websocket");
    const client = await clients.connect(srv.url);
    const socket = serverSocketOf(srv.io.sockets, client);
    socket.use((_packet, next) => next(new Error("unheard")));
    client.emit("x");
    await until(srv.reported, "err", () => srv.errors.some((e) => e.message === "unheard"));
    assert.equal(socket.connected, true);
  });
});
