/** roomcast/client against roomcast's server and socket.io's: namespaces, auth, refusals, acks, retries, binary. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { io, type Socket } from "../../client/index.js";
import { Clients } from "../helpers/client.js";
import { next } from "../helpers/events.js";
import { KINDS, startKind, type AnyServer, type TestServer } from "../helpers/server.js";

const fast = { reconnectionDelay: 20, reconnectionDelayMax: 50, forceNew: true } as const;

for (const kind of KINDS) {
  describe(`client basics against ${kind}`, { timeout: 20_000 }, () => {
    /**
     * A server with the app the tests talk to ("double", "echo", "noack", "ask", "sendbin" on "/", "where" on "/chat"),
     * and `client()`: a roomcast/client socket to it, disconnected with the server at the end of the test.
     */
    async function app(): Promise<TestServer<AnyServer> & { client: (path?: string, opts?: Parameters<typeof io>[1]) => Socket; clients: Clients }> {
      const srv = await startKind(kind);
      const handlers = (s: AnyServer) => {
        s.on("double", (n: number, ack: (r: number) => void) => ack(n * 2));
        s.on("echo", (...args: unknown[]) => (args.pop() as (...a: unknown[]) => void)(...args));
        s.on("noack", () => {});
        s.on("ask", (ack: (r: unknown) => void) => s.emit("question", 20, (answer: number) => ack(answer + 1)));
        s.on("sendbin", () => s.emit("bin", Buffer.from([1, 2, 3]), { nested: [new Uint8Array([4, 5])] }));
      };
      srv.io.on("connection", handlers);
      srv.io.of("/chat").on("connection", (s: AnyServer) => s.on("where", (ack: (r: string) => void) => ack("chat")));
      const clients = new Clients();
      const client = (path = "", opts: Parameters<typeof io>[1] = {}): Socket => clients.track(io(srv.url + path, { ...fast, ...opts }));
      const closeServer = srv[Symbol.asyncDispose];
      return Object.assign(srv, {
        client,
        clients,
        [Symbol.asyncDispose]: () => {
          clients.closeAll();
          return closeServer();
        },
      });
    }

    it("multiplexes namespaces of one origin over one connection (forceNew / multiplex:false opt out)", async () => {
      await using srv = await app();
      const main = io(srv.url);
      const chat = io(srv.url + "/chat");
      const other = io(srv.url + "/chat", { multiplex: false });
      for (const socket of [main, chat, other]) srv.clients.track(socket);
      assert.equal(main.io, chat.io);
      assert.notEqual(chat.io, other.io);
      await Promise.all([next(main, "connect"), next(chat, "connect"), next(other, "connect")]);
      assert.equal(await chat.emitWithAck("where"), "chat");
      assert.equal(await main.emitWithAck("double", 4), 8);
      assert.ok(main.connected && chat.connected && main.id !== chat.id);
      assert.equal(main.io.engine?.id, chat.io.engine?.id);
    });

    it("calls the auth function on every (re)connection", async () => {
      await using srv = await app();
      const { client } = srv;
      const seen: unknown[] = [];
      const nsp = srv.io.of("/authed");
      nsp.use((s: AnyServer, nextFn: (err?: Error) => void) => {
        seen.push(s.handshake.auth.token);
        nextFn();
      });
      let n = 0;
      const socket = client("/authed", { auth: (cb) => cb({ token: `t${++n}` }) });
      await next(socket, "connect");
      const disconnected = next<[string]>(socket, "disconnect");
      socket.io.engine?.close(); // connection lost: the manager reconnects
      const [reason] = await disconnected;
      assert.equal(reason, "forced close");
      await next(socket, "connect");
      assert.deepEqual(seen, ["t1", "t2"]);
    });

    it("connect_error carries the middleware's message and data, and does not reconnect", async () => {
      await using srv = await app();
      const { client } = srv;
      srv.io.of("/private").use((_s: AnyServer, nextFn: (err?: Error) => void) => {
        nextFn(Object.assign(new Error("not authorized"), { data: { code: 401 } }));
      });
      const socket = client("/private");
      const [err] = await next<[Error & { data?: unknown }]>(socket, "connect_error");
      assert.equal(err.message, "not authorized");
      assert.deepEqual(err.data, { code: 401 });
      assert.equal(socket.active, false);
      assert.equal(socket.io._reconnecting, false);
    });

    it("acks both ways, emitWithAck, timeout()", async () => {
      await using srv = await app();
      const { client } = srv;
      const socket = client();
      socket.on("question", (n: number, ack: (r: number) => void) => ack(n * 2));
      await next(socket, "connect");
      const viaCallback = await new Promise((resolve) => socket.emit("double", 5, resolve));
      assert.equal(viaCallback, 10);
      assert.equal(await socket.emitWithAck("ask"), 41);
      const [err] = await new Promise<unknown[]>((resolve) => socket.timeout(30).emit("noack", (...a: unknown[]) => resolve(a)));
      assert.ok(err instanceof Error && /timed out/.test(err.message));
      await assert.rejects(socket.timeout(30).emitWithAck("noack"), /timed out/);
      assert.deepEqual(await socket.timeout(1000).emitWithAck("double", 1), 2);
    });

    it("retries: resends until acked, in order", async () => {
      await using srv = await app();
      const { client } = srv;
      const got: string[] = [];
      const counts = new Map<string, number>();
      srv.io.of("/flaky").on("connection", (s: AnyServer) => {
        s.on("job", (name: string, ack: (r: string) => void) => {
          got.push(name);
          const c = (counts.get(name) ?? 0) + 1;
          counts.set(name, c);
          if (c >= 3) ack(`done ${name}`); // the first two tries go unanswered
        });
      });
      const socket = client("/flaky", { retries: 5, ackTimeout: 40 });
      const a = socket.emitWithAck("job", "a");
      const b = socket.emitWithAck("job", "b");
      assert.deepEqual(await Promise.all([a, b]), ["done a", "done b"]);
      assert.deepEqual(got, ["a", "a", "a", "b", "b", "b"]);
      const gaveUp = client("/flaky", { retries: 1, ackTimeout: 30 });
      await assert.rejects(gaveUp.emitWithAck("job", "c"), /timed out/); // 2 tries, never acked
    });

    it("binary anywhere in the arguments, both ways", async () => {
      await using srv = await app();
      const { client } = srv;
      const socket = client();
      await next(socket, "connect");
      const bytes = new Uint8Array([1, 2, 3]);
      const echoed = (await socket.emitWithAck("echo", { a: [bytes.buffer], b: { c: Buffer.from("hi") } }, new Uint16Array([7]))) as unknown as {
        a: Buffer[];
        b: { c: Buffer };
      };
      assert.deepEqual([...echoed.a[0]!], [1, 2, 3]);
      assert.equal(echoed.b.c.toString(), "hi");
      const incoming = next<[Buffer, { nested: Buffer[] }]>(socket, "bin");
      socket.emit("sendbin");
      const [buf, obj] = await incoming;
      assert.deepEqual([...buf], [1, 2, 3]);
      assert.deepEqual([...obj.nested[0]!], [4, 5]);
    });

    it("onAny / prependAny / offAny / onAnyOutgoing, send()", async () => {
      await using srv = await app();
      const { client } = srv;
      const socket = client();
      const incoming: unknown[][] = [];
      const outgoing: unknown[][] = [];
      const first = (...a: unknown[]) => incoming.push(["first", ...a]);
      socket.onAny((...a) => incoming.push(a));
      socket.prependAny(first);
      socket.onAnyOutgoing((...a) => outgoing.push(a));
      await next(socket, "connect");
      srv.io.of("/").to(socket.id).emit("hello", 1);
      await next(socket, "hello");
      assert.deepEqual(incoming, [["first", "hello", 1], ["hello", 1]]);
      socket.offAny(first);
      socket.send("msg");
      assert.deepEqual(outgoing, [["message", "msg"]]);
      assert.equal(socket.listenersAny().length, 1);
      assert.throws(() => socket.emit("disconnect"), /reserved/);
    });

    it("pending acks fail when the connection drops (Error / rejection), none hang", async () => {
      await using srv = await app();
      const { client } = srv;
      const socket = client("", { reconnection: false });
      await next(socket, "connect");
      const withTimeout = new Promise<unknown>((resolve) => socket.timeout(10_000).emit("noack", resolve));
      const promise = socket.emitWithAck("noack");
      socket.io.engine?.close();
      const err = await withTimeout;
      assert.ok(err instanceof Error && /disconnected/.test(err.message));
      await assert.rejects(promise, /disconnected/);
    });

    it("server-side disconnect gives 'io server disconnect' and no reconnection", async () => {
      await using srv = await app();
      const { client } = srv;
      const socket = client();
      await next(socket, "connect");
      const sockets = (await srv.io.fetchSockets()) as AnyServer[];
      sockets.find((s) => s.id === socket.id).disconnect();
      const [reason] = await next<[string]>(socket, "disconnect");
      assert.equal(reason, "io server disconnect");
      assert.equal(socket.active, false);
    });
  });
}
