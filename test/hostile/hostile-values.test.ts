/**
 * Hostile values thrown, rejected or passed by app code (issue 11): a revoked Proxy, objects whose getters /
 * toString / toJSON / Symbol.toPrimitive throw, cycles, BigInt, symbols, Error subclasses with throwing getters, …
 * For every value and every place roomcast runs app code: the process survives (no uncaught exception, no unhandled
 * rejection), the value is reported (onError, with the place as context) as an Error whose message can be read, the
 * hostile socket gets its outcome (connect_error with a safe message, 403 for allowRequest), and a well-behaved
 * client keeps getting acks. toError and the error log are checked on each value directly too.
 */
import { describe, it, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { createClient } from "redis";
import { io as ioc, type Socket as ClientSocket } from "socket.io-client";
import { io as roomcastClient, Manager } from "../../client/index.js";
import { toError, UNREADABLE_ERROR_MESSAGE as UNREADABLE } from "../../shared/errors.js";
import { ErrorLog } from "../../server/error-log.js";
import { createAdapter } from "../../server/adapter/redis/index.js";
import type { Server, ServerOptions, Socket } from "../../server/index.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { RedisProcess } from "../helpers/redis.js";
import { next, until } from "../helpers/events.js";
import { clusterReady } from "../adapter/conformance.js";
import { AckLoop } from "./helpers.js";
import { assertReportOf, HOSTILE, Reports, UNINSPECTABLE, value, withConsole } from "./hostile-values.js";

// ---- process-level recorders --------------------------------------------------------------------------------------

const crashes: string[] = [];
const onUncaught = (): void => void crashes.push("uncaughtException");
const onUnhandled = (): void => void crashes.push("unhandledRejection");
before(() => {
  process.on("uncaughtException", onUncaught);
  process.on("unhandledRejection", onUnhandled);
});
after(() => {
  process.off("uncaughtException", onUncaught);
  process.off("unhandledRejection", onUnhandled);
});
afterEach(() => assert.deepEqual(crashes.splice(0), [], "no uncaught exception, no unhandled rejection"));

// ---- toError and the error log, value by value ----------------------------------------------------------------

describe("toError on hostile values", () => {
  for (const h of HOSTILE) {
    it(h.name, () => {
      const err = toError(h.value);
      assertReportOf(err, h);
      assert.equal(typeof err.message, "string");
    });
  }

  it("ordinary values keep their behaviour", () => {
    const genuine = new TypeError("t");
    assert.equal(toError(genuine), genuine);
    const dom = new DOMException("aborted", "AbortError");
    assert.equal(toError(dom), dom);
    const aggregate = new AggregateError([1], "agg");
    assert.equal(toError(aggregate), aggregate);
    assert.equal(toError("text").message, "text");
    assert.equal(toError({ code: 1 }).message, '{"code":1}');
    for (const [v, m] of [[undefined, "undefined"], [null, "null"], [0, "0"], ["", ""], [false, "false"]] as const) {
      assert.equal(toError(v).message, m);
    }
    const fake = Object.create(Error.prototype) as Error; // no [[ErrorData]]: copied, not kept
    assert.notEqual(toError(fake), fake);
  });
});

describe("the error log (onError absent, throwing or rejecting) on hostile values", () => {
  for (const h of HOSTILE) {
    it(h.name, async () => {
      await withConsole(async (lines) => {
        new ErrorLog().report(toError(h.value), "a handler");
        new ErrorLog(() => {
          throw h.value;
        }).report(new Error("first"), "a handler");
        new ErrorLog(() => Promise.reject(h.value)).report(new Error("first"), "a handler");
        await new Promise<void>((resolve) => setImmediate(resolve)); // the rejection is logged from a microtask
        assert.equal(lines.length, 3, JSON.stringify(lines));
        assert.match(lines[0]!, /^\[roomcast\] error in a handler:/);
        assert.match(lines[1]!, /^\[roomcast\] error in onError option:/);
        assert.match(lines[2]!, /^\[roomcast\] error in onError option:/);
        if (UNINSPECTABLE.has(h.name)) assert.match(lines[0]!, /\(not printable\)$/);
        if (h.message === UNREADABLE) assert.ok(lines[0]!.includes(UNREADABLE), lines[0]);
      });
    });
  }
});

// ---- a live server: every place app code runs -------------------------------------------------------------------

/** The app: each place where roomcast runs app code, made to throw, reject or pass the hostile value number `i`. */
function hostileApp(io: Server): void {
  io.on("connection", (socket) => {
    socket.on("sync", (i: number) => {
      throw value(i);
    });
    socket.on("async", async (i: number) => {
      await null;
      throw value(i);
    });
    socket.onAny((event: unknown, i: unknown) => {
      if (event === "any") throw value(i);
    });
    socket.onAny(async (event: unknown, i: unknown) => {
      await null;
      if (event === "any-async") throw value(i);
    });
    socket.use(([event, i], next) => {
      if (event === "mw-next") return next(value(i) as Error);
      if (event === "mw-throw") throw value(i);
      if (event === "mw-reject") return Promise.reject(value(i));
      next();
      if (event === "mw-late") throw value(i); // after next(): no refusal, still reported
    });
    socket.on("join", async (i: number, ack: (joined: boolean) => void) => {
      await socket.join(`r-${i}`);
      ack(socket.rooms.has(`r-${i}`));
    });
    socket.on("leave", async (i: number, ack: () => void) => {
      await socket.leave(`r-${i}`);
      ack();
    });
  });
  io.sockets.adapter.on("join-room", (room: string) => {
    const m = /^r-(\d+)$/.exec(room);
    if (m) throw value(m[1]);
  });
  io.sockets.adapter.on("leave-room", async (room: string) => {
    await null;
    const m = /^r-(\d+)$/.exec(room);
    if (m) throw value(m[1]);
  });
  io.of("/err").on("connection", (socket) => {
    socket.on("error", (err: Error) => {
      throw value(err.message);
    });
    socket.on("boom", (i: number) => {
      throw new Error(String(i));
    });
  });
  const auth = (socket: Socket) => socket.handshake.auth as { i: number; mode: string };
  io.of("/bye").on("connection", (socket) => {
    socket.on("disconnecting", () => {
      throw value(auth(socket).i);
    });
    socket.on("disconnect", async () => {
      await null;
      throw value(auth(socket).i);
    });
  });
  io.of("/conn").on("connection", (socket) => {
    if (auth(socket).mode === "sync") throw value(auth(socket).i);
  });
  io.of("/conn").on("connection", async (socket) => {
    await null;
    if (auth(socket).mode === "async") throw value(auth(socket).i);
  });
  io.of("/mw").use((socket, next) => {
    const { i, mode } = auth(socket);
    if (mode === "throw") throw value(i);
    if (mode === "reject") return Promise.reject(value(i));
    if (mode === "data") return next(Object.assign(new Error("refused"), { data: value(i) }));
    if (mode === "late") {
      next(); // connected: what it rejects with afterwards is still reported
      return Promise.reject(value(i));
    }
    next(value(i) as Error);
  });
  io.of((name, a, next) => {
    if (!name.startsWith("/dyn-")) return next(null, false);
    if (a["mode"] === "throw") throw value(a["i"]);
    return Promise.reject(value(a["i"])) as unknown as void; // an async matcher that rejects
  });
  io.of(/^\/new(-async)?-\d+$/);
  io.on("new_namespace", (nsp) => {
    const m = /^\/new-(\d+)$/.exec(nsp.name);
    if (m) throw value(m[1]);
  });
  io.on("new_namespace", async (nsp) => {
    await null;
    const m = /^\/new-async-(\d+)$/.exec(nsp.name);
    if (m) throw value(m[1]);
  });
}

describe("a live server: every place app code runs × every hostile value", { timeout: 60_000 }, () => {
  const reports = new Reports();
  let srv: TestServer<Server>;
  let loop: AckLoop;
  let client: ClientSocket;
  let socket: Socket;
  const open = (nsp: string, opts: Record<string, unknown> = {}): ClientSocket =>
    ioc(srv.url + nsp, { forceNew: true, reconnection: false, transports: ["websocket"], ...opts });

  before(async () => {
    srv = await startServer({ onError: reports.onError });
    srv.io.on("connection", (s) => void s.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v)));
    hostileApp(srv.io);
    loop = await AckLoop.start(srv.url);
    client = open("/");
    await next(client, "connect");
    socket = srv.io.sockets.sockets.get(client.id!)!;
  });
  after(async () => {
    await loop.stop();
    client.close();
    await srv.close();
  });
  afterEach(async () => {
    await loop.assertHealthy(3);
    assert.deepEqual(reports.list.splice(0).map((r) => r.context), [], "nothing else was reported");
  });

  it("event handlers: sync throw and async rejection", async () => {
    for (const [i, h] of HOSTILE.entries()) {
      client.emit("sync", i);
      assertReportOf(await reports.take('handler for "sync"'), h);
      client.emit("async", i);
      assertReportOf(await reports.take('handler for "async"'), h);
    }
  });

  it("onAny listeners and packet middlewares (next(value), throw, reject)", async () => {
    for (const [i, h] of HOSTILE.entries()) {
      for (const event of ["any", "any-async"]) {
        client.emit(event, i);
        assertReportOf(await reports.take('handler for "onAny"'), h);
      }
      for (const event of ["mw-next", "mw-throw", "mw-reject", "mw-late"]) {
        client.emit(event, i);
        assertReportOf(await reports.take("packet middleware"), h);
      }
    }
  });

  it("ack callbacks (sync, async, after timeout), broadcast ack callbacks, serverSideEmit ack callbacks", async () => {
    client.on("question", (ack: (answer: string) => void) => ack("answer"));
    for (const h of HOSTILE) {
      socket.emit("question", () => {
        throw h.value;
      });
      assertReportOf(await reports.take("ack callback"), h);
      socket.emit("question", async () => {
        await null;
        throw h.value;
      });
      assertReportOf(await reports.take("ack callback"), h);
      socket.timeout(5).emit("silent", () => {
        throw h.value;
      });
      assertReportOf(await reports.take("ack callback"), h);
      srv.io.to(socket.id).timeout(2000).emit("question", () => {
        throw h.value;
      });
      assertReportOf(await reports.take("broadcast ack callback"), h);
      srv.io.serverSideEmit("nobody", () => {
        throw h.value;
      });
      assertReportOf(await reports.take("serverSideEmit ack callback"), h);
    }
    client.off("question");
  });

  it("adapter hooks: a join-room listener that throws, a leave-room listener that rejects", async () => {
    for (const [i, h] of HOSTILE.entries()) {
      assert.equal(await client.timeout(2000).emitWithAck("join", i), true, "joined anyway");
      assertReportOf(await reports.take('adapter "join-room" listener'), h);
      await client.timeout(2000).emitWithAck("leave", i);
      assertReportOf(await reports.take('adapter "leave-room" listener'), h);
    }
  });

  it('a socket "error" listener that throws: onError gets its value', async () => {
    const c = open("/err");
    await next(c, "connect");
    for (const [i, h] of HOSTILE.entries()) {
      c.emit("boom", i);
      assertReportOf(await reports.take('"error" listener'), h);
    }
    c.close();
  });

  it('"disconnecting" / async "disconnect" handlers: reported, and the socket is cleaned up', async () => {
    for (const [i, h] of HOSTILE.entries()) {
      const c = open("/bye", { auth: { i } });
      await next(c, "connect");
      c.close();
      assertReportOf(await reports.take('handler for "disconnecting"'), h);
      assertReportOf(await reports.take('handler for "disconnect"'), h);
      assert.equal(srv.io.of("/bye").sockets.size, 0);
      assert.equal(srv.io.of("/bye").adapter.sids.size, 0);
    }
  });

  it('"connection" handlers (sync throw, async rejection): reported, the socket stays connected', async () => {
    for (const [i, h] of HOSTILE.entries()) {
      for (const mode of ["sync", "async"]) {
        const c = open("/conn", { auth: { i, mode } });
        await next(c, "connect");
        assertReportOf(await reports.take('"connection" handler'), h);
        assert.equal(c.connected, true);
        c.close();
      }
    }
  });

  it("connection middlewares: connect_error with a message that can be read; unreadable ones reported", async () => {
    for (const [i, h] of HOSTILE.entries()) {
      const late = open("/mw", { auth: { i, mode: "late" } });
      await next(late, "connect");
      assertReportOf(await reports.take('connection middleware of "/mw"'), h);
      late.close();
      for (const mode of ["next", "throw", "reject"]) {
        const c = open("/mw", { auth: { i, mode } });
        const [err] = await next<[Error]>(c, "connect_error");
        assert.equal(err.message, h.message, `${h.name} (${mode})`);
        if (h.message === UNREADABLE) assertReportOf(await reports.take('connection middleware of "/mw"'), h);
        c.close();
      }
    }
  });

  it("connection middlewares: next(err) whose data is hostile — data left out (and reported) unless JSON takes it", async () => {
    for (const [i, h] of HOSTILE.entries()) {
      const c = open("/mw", { auth: { i, mode: "data" } });
      const [err] = await next<[Error & { data?: unknown }]>(c, "connect_error");
      assert.equal(err.message, "refused");
      if (h.json === "throws") {
        assert.equal(err.data, undefined, h.name);
        assert.ok((await reports.take('connection middleware of "/mw"')) instanceof Error);
      } else {
        assert.deepEqual(err.data, h.json === undefined ? undefined : JSON.parse(h.json), h.name);
      }
      c.close();
    }
  });

  it('dynamic namespaces: a matcher that throws or rejects ("Invalid namespace"), "new_namespace" listeners', async () => {
    for (const [i, h] of HOSTILE.entries()) {
      for (const mode of ["throw", "reject"]) {
        const c = open(`/dyn-${mode}-${i}`, { auth: { i, mode } });
        const [err] = await next<[Error]>(c, "connect_error");
        assert.equal(err.message, "Invalid namespace");
        assertReportOf(await reports.take("dynamic namespace matcher"), h);
        c.close();
      }
      for (const name of [`/new-${i}`, `/new-async-${i}`]) {
        const c = open(name);
        await next(c, "connect"); // the child exists and answers, whatever its announcement threw
        assertReportOf(await reports.take('"new_namespace" listener'), h);
        c.close();
      }
    }
  });
});

describe("allowRequest that throws, rejects or refuses with a hostile message", { timeout: 30_000 }, () => {
  const reports = new Reports();
  let srv: TestServer<Server>;
  before(async () => {
    const allowRequest: ServerOptions["allowRequest"] = (req, fn) => {
      const query = new URL(req.url ?? "/", "http://localhost").searchParams;
      const v = value(query.get("i"));
      if (query.get("mode") === "throw") throw v;
      if (query.get("mode") === "reject") return Promise.reject(v) as unknown as void;
      fn(v as string, false);
    };
    srv = await startServer({ onError: reports.onError, allowRequest });
  });
  after(() => srv.close());
  afterEach(() => assert.deepEqual(reports.list.splice(0).map((r) => r.context), [], "nothing else was reported"));

  it("polling handshake: HTTP 403 with a message that can be read", async () => {
    for (const [i, h] of HOSTILE.entries()) {
      for (const mode of ["throw", "reject", "refuse"]) {
        const res = await fetch(`${srv.url}/socket.io/?EIO=4&transport=polling&i=${i}&mode=${mode}`);
        assert.equal(res.status, 403, `${h.name} (${mode})`);
        const body = (await res.json()) as { code: number; message: string };
        assert.deepEqual(body, { code: 4, message: mode === "refuse" ? h.message : "Forbidden" });
        if (mode !== "refuse" || h.message === UNREADABLE) assertReportOf(await reports.take("allowRequest"), h);
      }
    }
  });

  it("WebSocket handshake: refused (connect_error), the process survives", async () => {
    for (const [i, h] of HOSTILE.entries()) {
      for (const mode of ["throw", "refuse"]) {
        const c = ioc(srv.url, { forceNew: true, reconnection: false, transports: ["websocket"], query: { i: String(i), mode } });
        await next(c, "connect_error");
        c.close();
        if (mode !== "refuse" || h.message === UNREADABLE) assertReportOf(await reports.take("allowRequest"), h);
      }
    }
  });
});

describe("the onError option throwing or rejecting, console.error of what util.inspect cannot print", { timeout: 30_000 }, () => {
  /** A server whose "boom" handler throws `thrown(i)`, hit with every index; resolves with what it logged. */
  async function logged(opts: Partial<ServerOptions>, thrown: (i: number) => unknown): Promise<string[]> {
    return withConsole(async (lines, logs) => {
      const srv = await startServer(opts);
      srv.io.on("connection", (s) => {
        s.on("boom", (i: number) => {
          throw thrown(i);
        });
      });
      const c = ioc(srv.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
      try {
        await next(c, "connect");
        for (let i = 0; i < HOSTILE.length; i++) c.emit("boom", i); // under the log's 20 lines per 10 s
        await until(logs, "line", () => lines.length === HOSTILE.length);
        return lines.slice();
      } finally {
        c.close();
        await srv.close();
      }
    });
  }

  it("onError throws or rejects each hostile value: each logged as an error in the onError option", async () => {
    const index = (err: Error) => Number(err.message);
    const onErrors = [
      (err: Error): void => {
        throw value(index(err));
      },
      (err: Error): Promise<void> => Promise.reject(value(index(err))),
    ];
    for (const onError of onErrors) {
      const lines = await logged({ onError }, (i) => new Error(String(i)));
      for (const line of lines) assert.match(line, /^\[roomcast\] error in onError option:/);
      assert.equal(lines.filter((l) => l.endsWith("(not printable)")).length, UNINSPECTABLE.size);
    }
  });

  it("no onError: every hostile value is logged, those util.inspect chokes on by name and message", async () => {
    const lines = await logged({}, value);
    for (const line of lines) assert.match(line, /^\[roomcast\] error in handler for "boom":/);
    const unprintable = lines.filter((l) => l.endsWith("(not printable)"));
    assert.deepEqual(
      unprintable.map((l) => l.replace(/^.*: Error: /, "").replace(/ \(not printable\)$/, "")).sort(),
      HOSTILE.filter((h) => UNINSPECTABLE.has(h.name)).map((h) => h.message).sort(),
    );
  });
});

describe("the Redis adapter: serverSideEmit handlers and callbacks, the adapter's error listener", { timeout: 60_000 }, () => {
  const reports = new Reports();
  let redis: RedisProcess;
  let a: TestServer<Server>;
  let b: TestServer<Server>;
  before(async () => {
    redis = await RedisProcess.start();
    const key = `hostile-${process.pid}`;
    const make = () => startServer({ onError: reports.onError, adapter: createAdapter(createClient({ url: redis.url }), undefined, { key, heartbeatInterval: 500 }) });
    [a, b] = await Promise.all([make(), make()]);
    await clusterReady([a, b]);
    b.io.on("ss-sync", (i: number) => {
      throw value(i);
    });
    b.io.on("ss-async", async (i: number) => {
      await null;
      throw value(i);
    });
    b.io.on("ss-reply", (i: number, reply: (v: unknown) => void) => reply(value(i)));
    b.io.on("ss-ok", (reply: (v: unknown) => void) => reply("ok"));
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
    await redis.stop();
  });
  afterEach(() => assert.deepEqual(reports.list.splice(0).map((r) => r.context), [], "nothing else was reported"));

  it("handlers on the other instance throw / reject / answer with the value; callbacks here throw", async () => {
    for (const [i, h] of HOSTILE.entries()) {
      a.io.serverSideEmit("ss-sync", i);
      assertReportOf(await reports.take('server-side handler for "ss-sync"'), h);
      a.io.serverSideEmit("ss-async", i);
      assertReportOf(await reports.take('"ss-async" handler'), h);
      a.io.serverSideEmit("ss-ok", () => {
        throw h.value;
      });
      assertReportOf(await reports.take("serverSideEmit ack callback"), h);
      // an answer JSON refuses is reported there; the asking instance's callback then times out
      const answered = new Promise<[Error | null, unknown[]]>((resolve) =>
        a.io.timeout(300).serverSideEmit("ss-reply", i, (err: Error | null, responses: unknown[]) => resolve([err, responses])),
      );
      const [err, responses] = await answered;
      if (h.json === "throws") {
        assert.ok(err instanceof Error, h.name);
        assert.ok((await reports.take('server-side handler for "ss-reply"')) instanceof Error);
      } else {
        assert.equal(err, null, h.name);
        assert.deepEqual(responses, [h.json === undefined ? undefined : JSON.parse(h.json)], h.name); // JSON's image
      }
    }
  });

  it('an adapter "error" listener that throws the issue-11 value when Redis goes away: reported', async () => {
    const issue = HOSTILE.find((h) => h.name.includes("issue 11"))!;
    a.io.sockets.adapter.on("error", () => {
      throw issue.value;
    });
    await redis.stop();
    assertReportOf(await reports.take('adapter "error" listener'), issue);
    reports.list.splice(0); // b's adapter reports its own outage (no listener there)
  });
});

describe("roomcast's client: listeners and callbacks that throw never break its engine", { timeout: 30_000 }, () => {
  // the client reports what app code throws like any uncaught exception (rethrown from a microtask): here the
  // process's "uncaughtException" is ours for the duration (node:test's own listener would fail the test)
  const rethrown: unknown[] = [];
  const rethrows = new EventEmitter();
  const record = (err: unknown): void => {
    rethrown.push(err);
    rethrows.emit("err");
  };
  let theirs: Array<(...args: unknown[]) => void> = [];
  let srv: TestServer<Server>;
  before(async () => {
    theirs = process.rawListeners("uncaughtException") as Array<(...args: unknown[]) => void>;
    process.removeAllListeners("uncaughtException");
    process.on("uncaughtException", record);
    srv = await startServer();
    srv.io.on("connection", (socket) => {
      socket.on("ticks", (n: number) => {
        for (let i = 0; i < n; i++) socket.emit("tick", i); // one turn: packets sharing a polling payload with a throw
      });
      socket.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v));
    });
  });
  after(async () => {
    await srv.close();
    process.off("uncaughtException", record);
    for (const listener of theirs) process.on("uncaughtException", listener);
  });
  afterEach(() => assert.deepEqual(rethrown.splice(0), [], "nothing else was rethrown"));

  /** Asserts the values the client rethrew (in order), then forgets them. */
  async function assertRethrown(values: unknown[]): Promise<void> {
    await until(rethrows, "err", () => rethrown.length >= values.length);
    assert.deepEqual(rethrown.splice(0), values);
  }

  it("event, onAny and ack callbacks that throw: the next packets of the same poll still arrive", async () => {
    const c = roomcastClient(srv.url, { forceNew: true, reconnection: false, transports: ["polling"] });
    await next(c, "connect");
    for (const h of HOSTILE) {
      const got: number[] = [];
      const all = new EventEmitter();
      const onTick = (i: number) => {
        got.push(i);
        all.emit("tick");
        if (i === 0) throw h.value;
      };
      c.on("tick", onTick);
      const onAny = (event: string, i: unknown) => {
        if (event === "tick" && i === 1) throw h.value;
      };
      c.onAny(onAny);
      c.emit("ticks", 3);
      await until(all, "tick", () => got.length === 3);
      assert.deepEqual(got, [0, 1, 2]);
      c.off("tick", onTick);
      c.offAny(onAny);
      await assertRethrown([h.value, h.value]);
      const acked = new Promise<unknown>((resolve) =>
        c.emit("echo", 1, (v: unknown) => {
          resolve(v);
          throw h.value;
        }),
      );
      assert.equal(await acked, 1);
      await assertRethrown([h.value]);
      assert.equal(await c.timeout(2000).emitWithAck("echo", 2), 2, "the client still works");
    }
    c.close();
  });

  it('an auth function, "connect" and "disconnect" listeners that throw: other sockets, buffered emits, reconnection', async () => {
    const issue = HOSTILE.find((h) => h.name.includes("issue 11"))!;
    const manager = new Manager(srv.url, { transports: ["polling"], reconnectionDelay: 10, reconnectionDelayMax: 20 });
    const refused = manager.socket("/", {
      auth: () => {
        throw issue.value;
      },
    });
    const other = manager.socket("/other"); // opened after the throwing auth function, on the same connection
    srv.io.of("/other").on("connection", (s) => void s.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v)));
    let connects = 0;
    const connected = new EventEmitter();
    other.on("connect", () => {
      connects++;
      connected.emit("connect");
      throw issue.value;
    });
    other.on("disconnect", () => {
      throw issue.value;
    });
    const echoed = new Promise<unknown>((resolve) => other.emit("echo", "buffered", resolve)); // sent once connected
    assert.equal(await echoed, "buffered");
    assert.equal(refused.connected, false);
    // the connection drops: the throwing "disconnect" listener does not stop the Manager from reconnecting
    srv.io.of("/other").sockets.get(other.id!)!.conn.close();
    await until(connected, "connect", () => connects === 2);
    assert.equal(await other.timeout(2000).emitWithAck("echo", "again"), "again");
    await assertRethrown(Array(5).fill(issue.value)); // auth, connect, disconnect, auth, connect
    other.off("disconnect");
    manager.disconnect();
  });
});
