/**
 * App code that throws or rejects (handlers, middlewares, ack callbacks) never crashes the process: the error is
 * emitted as "error" on the socket when listened to, given to the `onError` option otherwise, and every socket
 * keeps working.
 */
import { describe, it, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { UNREADABLE_ERROR_MESSAGE } from "../../shared/errors.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { next, until } from "../helpers/events.js";
import type { Server, Socket } from "../../server/index.js";
import { Clients, serverSocketOf, type ClientSocket } from "../helpers/client.js";

describe("errors thrown by app code", { timeout: 10_000 }, () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => unhandled.push(err);
  before(() => process.on("unhandledRejection", onUnhandled));
  afterEach(() => assert.deepEqual(unhandled.splice(0), [], "no unhandled rejection"));
  after(() => process.off("unhandledRejection", onUnhandled));

  /** One test's server (what onError gets is recorded in `errors`), its clients, and helpers over them. */
  async function app() {
    const errors: Array<{ err: Error; context: string }> = [];
    const reported = new EventEmitter();
    const srv = await startServer({
      onError: (err, context) => {
        errors.push({ err, context });
        reported.emit("err");
      },
    });
    const clients = new Clients("websocket");

    const reportedMessage = (message: string) =>
      until(reported, "err", () => errors.some((e) => e.err.message === message));

    async function pair(nsp = "/"): Promise<{ client: ClientSocket; socket: Socket }> {
      const client = await clients.connect(srv.url, nsp);
      return { client, socket: serverSocketOf(srv.io.of(nsp), client) };
    }

    /** The socket still answers, and so does a fresh connection. */
    async function stillWorks(client: ClientSocket, socket: Socket): Promise<void> {
      socket.removeAllListeners("check");
      socket.on("check", (ack: (v: string) => void) => ack("fine"));
      assert.equal(await client.timeout(2000).emitWithAck("check"), "fine");
      const other = await pair();
      other.socket.on("check", (ack: (v: string) => void) => ack("fine"));
      assert.equal(await other.client.timeout(2000).emitWithAck("check"), "fine");
    }

    return {
      srv,
      clients,
      errors,
      reportedMessage,
      pair,
      stillWorks,
      async [Symbol.asyncDispose]() {
        clients.closeAll();
        await srv[Symbol.asyncDispose]();
      },
    };
  }

  it("a throwing event handler goes to the socket's \"error\" listener", async () => {
    await using t = await app();
    const { pair, stillWorks } = t;
    const { client, socket } = await pair();
    socket.on("boom", () => {
      throw new Error("handler boom");
    });
    const failed = next<[Error]>(socket, "error");
    client.emit("boom");
    assert.equal((await failed)[0].message, "handler boom");
    await stillWorks(client, socket);
  });

  it("a throwing or rejecting event handler goes to onError when the socket has no \"error\" listener", async () => {
    await using t = await app();
    const { reportedMessage, pair, stillWorks } = t;
    const { client, socket } = await pair();
    socket.on("sync", () => {
      throw new Error("sync handler");
    });
    socket.on("async", async () => {
      await Promise.resolve();
      throw new Error("async handler");
    });
    client.emit("sync");
    client.emit("async");
    await reportedMessage("sync handler");
    await reportedMessage("async handler");
    await stillWorks(client, socket);
  });

  it("throwing and rejecting \"connection\" handlers are reported; the socket stays connected", async () => {
    await using t = await app();
    const { srv, reportedMessage, pair } = t;
    srv.io.of("/conn-sync").on("connection", () => {
      throw new Error("connection sync");
    });
    srv.io.of("/conn-async").on("connection", async () => {
      await Promise.resolve();
      throw new Error("connection async");
    });
    for (const [nsp, message] of [["/conn-sync", "connection sync"], ["/conn-async", "connection async"]] as const) {
      const { client, socket } = await pair(nsp);
      await reportedMessage(message);
      assert.equal(socket.connected, true);
      socket.on("check", (ack: (v: string) => void) => ack("fine"));
      assert.equal(await client.timeout(2000).emitWithAck("check"), "fine");
    }
  });

  it("throwing and rejecting ack callbacks are reported", async () => {
    await using t = await app();
    const { srv, reportedMessage, pair, stillWorks } = t;
    const { client, socket } = await pair();
    client.on("ask", (ack: (v: number) => void) => ack(1));
    client.on("silent", () => {});
    socket.emit("ask", () => {
      throw new Error("ack sync");
    });
    await reportedMessage("ack sync");
    socket.emit("ask", async () => {
      await Promise.resolve();
      throw new Error("ack async");
    });
    await reportedMessage("ack async");
    socket.timeout(20).emit("silent", () => {
      throw new Error("ack timeout callback");
    });
    await reportedMessage("ack timeout callback");
    srv.io.timeout(2000).emit("ask", () => {
      throw new Error("broadcast ack callback");
    });
    await reportedMessage("broadcast ack callback");
    srv.io.timeout(2000).emit("ask", async () => {
      await Promise.resolve();
      throw new Error("broadcast ack async");
    });
    await reportedMessage("broadcast ack async");
    await stillWorks(client, socket);
  });

  it("throwing and rejecting onAny / packet middlewares are reported", async () => {
    await using t = await app();
    const { reportedMessage, pair, stillWorks } = t;
    const { client, socket } = await pair();
    socket.onAny((event: unknown) => {
      if (event === "any-sync") throw new Error("onAny sync");
    });
    socket.onAny(async (event: unknown) => {
      await Promise.resolve();
      if (event === "any-async") throw new Error("onAny async");
    });
    client.emit("any-sync");
    await reportedMessage("onAny sync");
    client.emit("any-async");
    await reportedMessage("onAny async");
    socket.offAny();
    socket.use((async ([event]: unknown[], next: (err?: Error) => void) => {
      await Promise.resolve();
      if (event === "mw-async") throw new Error("packet middleware async");
      next();
    }) as (packet: unknown[], next: (err?: Error) => void) => void);
    client.emit("mw-async");
    await reportedMessage("packet middleware async");
    await stillWorks(client, socket);
  });

  it("throwing \"disconnect\" / \"disconnecting\" handlers are reported and the socket is cleaned up", async () => {
    await using t = await app();
    const { srv, errors, reportedMessage, pair } = t;
    const { client, socket } = await pair();
    await socket.join("r");
    socket.on("disconnecting", () => {
      throw new Error("disconnecting boom");
    });
    socket.on("disconnect", () => {
      throw new Error("disconnect boom");
    });
    client.disconnect();
    await reportedMessage("disconnect boom");
    assert.ok(errors.some((e) => e.err.message === "disconnecting boom"));
    assert.equal(srv.io.sockets.sockets.has(socket.id), false);
    assert.equal(srv.io.sockets.adapter.rooms.has("r"), false);
  });

  it("an \"error\" listener that throws falls back to onError", async () => {
    await using t = await app();
    const { reportedMessage, pair, stillWorks } = t;
    const { client, socket } = await pair();
    socket.on("error", () => {
      throw new Error("error listener boom");
    });
    socket.on("boom", () => {
      throw new Error("original");
    });
    client.emit("boom");
    await reportedMessage("error listener boom");
    await stillWorks(client, socket);
  });

  it("issue 11: an async handler rejecting with an object whose message getter and toString throw is reported", async () => {
    await using t = await app();
    const { errors, reportedMessage, pair, stillWorks } = t;
    const { client, socket } = await pair();
    const hostile = {
      get message(): string {
        throw new Error("message getter");
      },
      toString(): string {
        throw new Error("toString");
      },
    };
    socket.on("hostile", async () => {
      await Promise.resolve();
      throw hostile;
    });
    client.emit("hostile");
    await reportedMessage(UNREADABLE_ERROR_MESSAGE);
    assert.equal(errors.find((e) => e.err.message === UNREADABLE_ERROR_MESSAGE)?.context, 'handler for "hostile"');
    await stillWorks(client, socket);
  });

  it("a middleware refusing with a plain object: connect_error with its message and data (as socket.io)", async () => {
    await using t = await app();
    const { srv, clients } = t;
    srv.io.of("/plain-refusal").use((_socket, next) => next({ message: "no entry", data: { code: 7 } } as unknown as Error));
    const client = clients.open(srv.url, "/plain-refusal");
    const [err] = await next<[Error & { data?: unknown }]>(client, "connect_error");
    assert.equal(err.message, "no entry");
    assert.deepEqual(err.data, { code: 7 });
  });

  it("a client emitting \"error\" does not crash a server socket without an error listener", async () => {
    await using t = await app();
    const { pair, stillWorks } = t;
    const { client, socket } = await pair();
    client.emit("error", "from the client");
    await stillWorks(client, socket);
  });
});
