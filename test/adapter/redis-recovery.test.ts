/**
 * Connection state recovery across instances (roomcast/redis): sessions and missed packets live in Redis, so a client
 * whose instance was SIGKILLed recovers on a survivor — same id, rooms, every missed packet once and in order — and
 * the connect does not wait out the request timeout for the dead instance. Real redis-server, the killed instance in
 * a child process (fixtures/recovery-instance.ts), clients behind a TCP proxy standing for the load balancer.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, connect, type Server as NetServer, type Socket as NetSocket } from "node:net";
import { EventEmitter } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createClient, createCluster } from "redis";
import { io as ioc } from "socket.io-client";
import { io as rio } from "../../client/index.js";
import { createAdapter } from "../../server/adapter/redis/index.js";
import { formatOffset } from "../../server/adapter/cluster-recovery.js";
import type { ClusterAdapter } from "../../server/adapter/cluster-adapter.js";
import { RedisProcess } from "../helpers/redis.js";
import { RedisCluster } from "../helpers/redis-cluster.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { next, until } from "../helpers/events.js";
import type { Server } from "../../server/index.js";

let redis: RedisProcess;
before(async () => {
  redis = await RedisProcess.start();
});
after(async () => {
  await redis.stop();
});

// the defaults: a dead instance is known through its liveness lease (livenessTimeout 1000 ms), not the heartbeats
const HB = { heartbeatInterval: 5000, heartbeatTimeout: 10_000, requestsTimeout: 5000 };
const RECOVERY = { maxDisconnectionDuration: 10_000 };
let keys = 0;

/** The load balancer: a TCP proxy whose target can change. */
class Proxy {
  readonly server: NetServer;
  target: number;
  readonly #sockets = new Set<NetSocket>();
  constructor(target: number) {
    this.target = target;
    this.server = createServer((down) => {
      const up = connect(this.target, "127.0.0.1");
      for (const s of [down, up]) {
        this.#sockets.add(s);
        s.on("error", () => undefined);
        s.on("close", () => {
          this.#sockets.delete(s);
          down.destroy();
          up.destroy();
        });
      }
      down.pipe(up).pipe(down);
    });
  }
  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }
  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

/** The instance to be killed, in a child process; its JSON lines come as "line" events. */
class Child extends EventEmitter {
  readonly proc: ChildProcess;
  readonly lines: Array<Record<string, unknown>> = [];
  constructor(key: string) {
    super();
    const fixture = fileURLToPath(new URL("./fixtures/recovery-instance.js", import.meta.url));
    this.proc = spawn(process.execPath, [fixture, redis.url, key, String(HB.heartbeatInterval), String(HB.heartbeatTimeout)], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    createInterface({ input: this.proc.stdout! }).on("line", (line) => {
      this.lines.push(JSON.parse(line) as Record<string, unknown>);
      this.emit("line");
    });
  }
  async wait(pred: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    await until(this, "line", () => this.lines.some(pred), 10_000);
    return this.lines.find(pred)!;
  }
  emitTo(room: string, event: string, value: unknown): void {
    this.proc.stdin!.write(JSON.stringify({ emit: [room, event, value] }) + "\n");
  }
  async kill(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = next(this.proc, "exit");
    this.proc.kill("SIGKILL");
    await exited;
  }
}

type AnyClient = ReturnType<typeof ioc>;
type Kind = "socket.io-client" | "roomcast client";
const makeClient = (kind: Kind, url: string, opts: Record<string, unknown>): AnyClient =>
  (kind === "socket.io-client" ? ioc(url, opts) : rio(url, opts)) as unknown as AnyClient;

interface Rig {
  key: string;
  child: Child;
  b: TestServer<Server>;
  c: TestServer<Server>;
  proxy: Proxy;
  proxyUrl: string;
  observer: AnyClient;
  seen: number[];
  errors: Error[];
  close(): Promise<void>;
}

async function rig(): Promise<Rig> {
  const key = `rr${process.pid}-${keys++}`;
  const child = new Child(key);
  const errors: Error[] = [];
  const make = () => startServer({ connectionStateRecovery: RECOVERY, adapter: createAdapter(createClient({ url: redis.url }), undefined, { key, ...HB }) });
  const [b, c] = await Promise.all([make(), make()]);
  for (const srv of [b, c]) {
    (srv.io.sockets.adapter as ClusterAdapter).on("error", (e: Error) => errors.push(e));
    srv.io.on("connection", (s) => {
      if (!s.recovered) void s.join((s.handshake.auth["rooms"] as string[] | undefined) ?? []);
    });
  }
  const port = (await child.wait((l) => "port" in l))["port"] as number;
  for (const srv of [b, c]) {
    const adapter = srv.io.sockets.adapter as ClusterAdapter;
    await until(adapter, "peer:up", () => adapter.peers.length === 2, 5000);
  }
  const proxy = new Proxy(port);
  const proxyUrl = await proxy.listen();
  const observer = ioc(c.url, { forceNew: true, reconnection: false, transports: ["websocket"], auth: { rooms: ["news"] } });
  const seen: number[] = [];
  observer.on("n", (n: number) => seen.push(n));
  await next(observer, "connect");
  const close = async () => {
    observer.close();
    await child.kill();
    await proxy.close();
    await Promise.all([b.close(), c.close()]);
  };
  return { key, child, b, c, proxy, proxyUrl, observer, seen, errors, close };
}

/** Emits `n` to "news" from `from` (A = the child) and waits until the observer (on C) has it: a global order. */
async function emitInOrder(r: Rig, from: "A" | "B" | "C", n: number): Promise<void> {
  if (from === "A") r.child.emitTo("news", "n", n);
  else (from === "B" ? r.b : r.c).io.to("news").emit("n", n);
  (from === "C" ? r.b : r.c).io.to("elsewhere").emit("n", -n); // never for our clients
  await until(r.observer, "n", () => r.seen.includes(n), 5000, `observer got ${n}`);
}

for (const kind of ["socket.io-client", "roomcast client"] as const) {
  describe(`recovery after the instance holding the session was SIGKILLed (${kind})`, { timeout: 60_000 }, () => {
    it("(a) disconnected first, then its instance killed: both sessions recover on a survivor, every missed packet once, in order", async (t) => {
      const r = await rig();
      const clients: AnyClient[] = [];
      try {
        const got: number[][] = [[], []];
        for (let i = 0; i < 2; i++) {
          const cl = makeClient(kind, r.proxyUrl, { forceNew: true, reconnection: false, transports: ["websocket"], auth: { rooms: ["news"] } });
          cl.on("n", (n: number) => got[i]!.push(n));
          clients.push(cl);
          await next(cl, "connect");
        }
        const ids = clients.map((cl) => cl.id);
        await emitInOrder(r, "A", 1);
        await emitInOrder(r, "B", 2);
        await emitInOrder(r, "C", 3);
        for (const cl of clients) await until(cl, "n", () => got[clients.indexOf(cl)]!.includes(3), 5000);
        for (const cl of clients) cl.io.engine.close(); // transport drop: A persists the sessions in Redis
        for (const id of ids) await r.child.wait((l) => l["disconnect"] === id);
        await emitInOrder(r, "A", 4); // A's XADD after its SETs of the sessions (one connection): they are in Redis
        await emitInOrder(r, "B", 5);
        await emitInOrder(r, "C", 6);
        await r.child.kill();
        await emitInOrder(r, "B", 7);
        await emitInOrder(r, "C", 8);
        r.proxy.target = r.b.port;
        const started = Date.now();
        for (const cl of clients) cl.connect();
        await Promise.all(clients.map((cl) => next(cl, "connect")));
        const elapsed = Date.now() - started;
        t.diagnostic(`${kind} (a): 2 sessions reconnected to the survivor in ${elapsed} ms; recovered: ${clients.map((cl) => cl.recovered).join(", ")}`);
        await emitInOrder(r, "B", 9);
        for (let i = 0; i < 2; i++) await until(clients[i]!, "n", () => got[i]!.includes(9), 5000);
        for (let i = 0; i < 2; i++) {
          assert.equal(clients[i]!.recovered, true, `client ${i} recovered`);
          assert.equal(clients[i]!.id, ids[i], "same id");
          assert.deepEqual(got[i], [1, 2, 3, 4, 5, 6, 7, 8, 9], `client ${i}: every packet once, in order`);
          const socket = r.b.io.sockets.sockets.get(ids[i]!);
          assert.ok(socket?.recovered && socket.rooms.has("news"), "recovered on B, in its rooms");
        }
        assert.ok(elapsed < 2500, `connect took ${elapsed} ms`);
        assert.deepEqual(r.errors, []);
      } finally {
        for (const cl of clients) cl.close();
        await r.close();
      }
    });

    it("(b) connected when its instance was killed: both sessions recover on a survivor, every missed packet once, in order", async (t) => {
      const r = await rig();
      const clients: AnyClient[] = [];
      try {
        const got: number[][] = [[], []];
        for (let i = 0; i < 2; i++) {
          const cl = makeClient(kind, r.proxyUrl, {
            forceNew: true,
            transports: ["websocket"],
            reconnectionDelay: 50,
            reconnectionDelayMax: 100,
            auth: { rooms: ["news"] },
          });
          cl.on("n", (n: number) => got[i]!.push(n));
          clients.push(cl);
          await next(cl, "connect");
        }
        const ids = clients.map((cl) => cl.id);
        await emitInOrder(r, "A", 1);
        await emitInOrder(r, "B", 2);
        await emitInOrder(r, "C", 3);
        for (let i = 0; i < 2; i++) await until(clients[i]!, "n", () => got[i]!.includes(3), 5000);
        r.proxy.target = r.b.port;
        const reconnected = Promise.all(clients.map((cl) => next(cl, "connect", 10_000)));
        const killedAt = Date.now();
        await r.child.kill();
        await emitInOrder(r, "B", 4);
        await emitInOrder(r, "C", 5);
        await reconnected;
        const elapsed = Date.now() - killedAt;
        t.diagnostic(`${kind} (b): 2 sessions back on the survivor ${elapsed} ms after the kill; recovered: ${clients.map((cl) => cl.recovered).join(", ")}`);
        await emitInOrder(r, "B", 6);
        await emitInOrder(r, "C", 7);
        for (let i = 0; i < 2; i++) await until(clients[i]!, "n", () => got[i]!.includes(7), 5000);
        for (let i = 0; i < 2; i++) {
          assert.equal(clients[i]!.recovered, true, `client ${i} recovered`);
          assert.equal(clients[i]!.id, ids[i], "same id");
          assert.deepEqual(got[i], [1, 2, 3, 4, 5, 6, 7], `client ${i}: every packet once, in order`);
          assert.ok(r.b.io.sockets.sockets.get(ids[i]!)?.rooms.has("news"), "rooms kept");
        }
        assert.ok(elapsed < 2500, `back ${elapsed} ms after the kill (requestsTimeout 5000)`);
        assert.deepEqual(r.errors, []);
      } finally {
        for (const cl of clients) cl.close();
        await r.close();
      }
    });
  });
}

describe("recovery across instances: same instance, trimmed stream, hostile input, Redis away", { timeout: 60_000 }, () => {
  async function inProcess(n: number, extra: { maxStreamLength?: number; url?: string; skipMiddlewares?: boolean } = {}): Promise<{ servers: Array<TestServer<Server>>; errors: Error[]; observer: AnyClient; seen: number[]; close(): Promise<void> }> {
    const key = `rr${process.pid}-${keys++}`;
    const errors: Error[] = [];
    const opts = { key, ...HB, ...(extra.maxStreamLength ? { maxStreamLength: extra.maxStreamLength } : {}) };
    const servers = await Promise.all(
      Array.from({ length: n }, () => startServer({ connectionStateRecovery: { ...RECOVERY, skipMiddlewares: extra.skipMiddlewares ?? true }, adapter: createAdapter(createClient({ url: extra.url ?? redis.url }), undefined, opts) })),
    );
    for (const srv of servers) {
      (srv.io.sockets.adapter as ClusterAdapter).on("error", (e: Error) => errors.push(e));
      srv.io.on("connection", (s) => {
        if (!s.recovered) void s.join((s.handshake.auth["rooms"] as string[] | undefined) ?? []);
      });
    }
    for (const srv of servers) {
      const adapter = srv.io.sockets.adapter as ClusterAdapter;
      await until(adapter, "peer:up", () => adapter.peers.length === n - 1, 5000);
    }
    const observer = ioc(servers.at(-1)!.url, { forceNew: true, reconnection: false, transports: ["websocket"], auth: { rooms: ["news", "other"] } });
    const seen: number[] = [];
    observer.on("n", (v: number) => seen.push(v));
    await next(observer, "connect");
    const close = async () => {
      observer.close();
      await Promise.all(servers.map((s) => s.close()));
    };
    return { servers, errors, observer, seen, close };
  }

  /** A client on `srv`, disconnected by a transport drop once its session is kept (the server saw it go). */
  async function dropped(srv: TestServer<Server>, got: number[]): Promise<AnyClient> {
    const cl = ioc(srv.url, { forceNew: true, reconnection: false, transports: ["websocket"], auth: { rooms: ["news"] } });
    cl.on("n", (v: number) => got.push(v));
    await next(cl, "connect");
    return cl;
  }

  it("recovers on the same instance, packets from both instances in order", async () => {
    const c = await inProcess(2);
    const [a, b] = c.servers as [TestServer<Server>, TestServer<Server>];
    const got: number[] = [];
    const cl = await dropped(a, got);
    try {
      const step = async (srv: TestServer<Server>, v: number) => {
        srv.io.to("news").emit("n", v);
        await until(c.observer, "n", () => c.seen.includes(v), 5000);
      };
      await step(a, 1);
      await step(b, 2);
      await until(cl, "n", () => got.length === 2, 5000);
      const id = cl.id!;
      const gone = next(a.io.sockets.sockets.get(id)!, "disconnect");
      cl.io.engine.close();
      await gone;
      await step(a, 3);
      await step(b, 4);
      await step(a, 5);
      cl.connect();
      await next(cl, "connect");
      await step(b, 6);
      await until(cl, "n", () => got.includes(6), 5000);
      assert.equal(cl.recovered, true);
      assert.equal(cl.id, id);
      assert.deepEqual(got, [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(c.errors, []);
    } finally {
      cl.close();
      await c.close();
    }
  });

  it("an instance stopped with io.close() hands its sessions over: recovered on another, packets in order", async () => {
    const c = await inProcess(2);
    const [a, b] = c.servers as [TestServer<Server>, TestServer<Server>];
    const proxy = new Proxy(a.port);
    const url = await proxy.listen();
    const got: number[] = [];
    const cl = ioc(url, { forceNew: true, transports: ["websocket"], reconnectionDelay: 50, reconnectionDelayMax: 100, auth: { rooms: ["news"] } });
    cl.on("n", (v: number) => got.push(v));
    try {
      await next(cl, "connect");
      const id = cl.id!;
      b.io.to("news").emit("n", 1);
      await until(cl, "n", () => got.length === 1, 5000);
      proxy.target = b.port;
      const back = next(cl, "connect", 10_000);
      await a.close(); // "server shutting down": recoverable, the session goes to Redis
      b.io.to("news").emit("n", 2);
      b.io.to("news").emit("n", 3);
      await back;
      b.io.to("news").emit("n", 4);
      await until(cl, "n", () => got.includes(4), 5000);
      assert.equal(cl.recovered, true);
      assert.equal(cl.id, id);
      assert.deepEqual(got, [1, 2, 3, 4]);
      assert.deepEqual(c.errors, []);
    } finally {
      cl.close();
      await proxy.close();
      await c.close();
    }
  });

  it("broadcasts while the restored socket's middlewares run are delivered after its missed packets, once, in order", async () => {
    const c = await inProcess(2, { skipMiddlewares: false });
    const [a, b] = c.servers as [TestServer<Server>, TestServer<Server>];
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const inMiddleware = new EventEmitter();
    b.io.use((socket, nextFn) => {
      if (!socket.recovered) return nextFn();
      inMiddleware.emit("in");
      void held.then(() => nextFn());
    });
    const got: number[] = [];
    const proxy = new Proxy(a.port);
    const cl = ioc(await proxy.listen(), { forceNew: true, reconnection: false, transports: ["websocket"], auth: { rooms: ["news"] } });
    cl.on("n", (v: number) => got.push(v));
    try {
      await next(cl, "connect");
      const step = async (srv: TestServer<Server>, v: number) => {
        srv.io.to("news").emit("n", v);
        await until(c.observer, "n", () => c.seen.includes(v), 5000);
      };
      await step(a, 1);
      await until(cl, "n", () => got.includes(1), 5000);
      const id = cl.id!;
      const gone = next(a.io.sockets.sockets.get(id)!, "disconnect");
      cl.io.engine.close();
      await gone;
      await step(a, 2);
      await step(b, 3);
      const entered = next(inMiddleware, "in");
      proxy.target = b.port; // the client comes back to B
      cl.connect();
      await entered; // restoreSession answered; the socket has not joined its rooms yet
      await step(b, 4); // B's own, local
      await step(a, 5); // from the stream
      b.io.to(id).emit("n", 6); // to the socket's id
      await step(b, 7);
      release();
      await next(cl, "connect");
      await step(a, 8);
      await until(cl, "n", () => got.includes(8), 5000);
      assert.equal(cl.recovered, true);
      assert.equal(cl.id, id);
      assert.deepEqual(got, [1, 2, 3, 4, 5, 6, 7, 8]);
      assert.deepEqual(c.errors, []);
    } finally {
      cl.close();
      await proxy.close();
      await c.close();
    }
  });

  it("an offset trimmed from the stream is not recovered: a fresh session, nothing replayed", async () => {
    const c = await inProcess(2, { maxStreamLength: 10 });
    const [a, b] = c.servers as [TestServer<Server>, TestServer<Server>];
    const got: number[] = [];
    const cl = await dropped(a, got);
    try {
      b.io.to("news").emit("n", 1);
      await until(cl, "n", () => got.length === 1, 5000);
      const id = cl.id!;
      const gone = next(a.io.sockets.sockets.get(id)!, "disconnect");
      cl.io.engine.close();
      await gone;
      b.io.to("news").emit("n", 50); // missed, but gone with the trimmed entries: never delivered
      for (let i = 0; i < 400; i++) b.io.to("other").emit("n", 1000 + i); // XADD MAXLEN ~ 10: whole nodes trimmed
      await until(c.observer, "n", () => c.seen.includes(1399), 5000);
      cl.connect();
      await next(cl, "connect");
      assert.equal(cl.recovered, false);
      assert.notEqual(cl.id, id);
      b.io.to("news").emit("n", 2); // the fresh session joined "news" again (auth.rooms)
      b.io.to(cl.id!).emit("n", 3);
      await until(cl, "n", () => got.includes(3), 5000);
      assert.deepEqual(got, [1, 2, 3]);
      assert.deepEqual(c.errors, []);
    } finally {
      cl.close();
      await c.close();
    }
  });

  it("forged or garbage pid and offset: a fresh session at once, no error, no crash", async () => {
    const c = await inProcess(2);
    const [a] = c.servers as [TestServer<Server>];
    const offset = formatOffset("0-0", "0123456789abcdef", 1);
    const cases: Array<Record<string, unknown>> = [
      { pid: "x".repeat(100_000), offset: "y".repeat(100_000) },
      { pid: "abcdefghijABCDEFGH_-", offset },
      { pid: "abcdefghijABCDEFGH_-", offset: formatOffset("0-0", (a.io.sockets.adapter as ClusterAdapter).hub.uid, 0) },
      { pid: "abcdefghijABCDEFGH_-", offset: "1-0~" + "f".repeat(16) + "~zzzzzzzzzzz" },
      { pid: 42, offset: {} },
      { pid: "abcdefghijABCDEFGH_-", offset: "not an offset" },
    ];
    const clients: AnyClient[] = [];
    try {
      for (const auth of cases) {
        const started = Date.now();
        const cl = ioc(a.url, { forceNew: true, reconnection: false, transports: ["websocket"], auth });
        clients.push(cl);
        await next(cl, "connect");
        assert.equal(cl.recovered, false);
        assert.ok(Date.now() - started < 1000, `${Date.now() - started} ms`);
      }
      assert.deepEqual(c.errors, []);
    } finally {
      for (const cl of clients) cl.close();
      await c.close();
    }
  });

  it("Redis unreachable: the restore answers null at once (a fresh session), nothing hangs", async () => {
    const own = await RedisProcess.start();
    const c = await inProcess(2, { url: own.url });
    const [a] = c.servers as [TestServer<Server>];
    const got: number[] = [];
    const cl = await dropped(a, got);
    try {
      const id = cl.id!;
      const gone = next(a.io.sockets.sockets.get(id)!, "disconnect");
      cl.io.engine.close();
      await gone;
      a.io.to("news").emit("n", 1); // on A's connection after the session's SET: once the observer has it, so has Redis
      await until(c.observer, "n", () => c.seen.includes(1), 5000);
      await own.stop();
      const started = Date.now();
      cl.connect();
      await next(cl, "connect");
      const elapsed = Date.now() - started;
      assert.equal(cl.recovered, false);
      assert.ok(elapsed < 1000, `${elapsed} ms`);
    } finally {
      cl.close();
      await c.close();
      await own.stop();
    }
  });
});

describe("recovery's Redis commands on a Redis Cluster (3 masters)", { timeout: 60_000 }, () => {
  it("sessions, live snapshots (the take script), stream reads and the trim check reach their keys' nodes", async () => {
    await using cluster = await RedisCluster.start({ masters: 3, replicasPerMaster: 0 });
    const key = `rc${process.pid}`;
    await using srv = await startServer({ connectionStateRecovery: RECOVERY, adapter: createAdapter(createCluster({ rootNodes: cluster.rootNodes }), undefined, { key }) });
    const adapter = srv.io.sockets.adapter as ClusterAdapter;
    const cl = ioc(srv.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
    try {
      await next(cl, "connect");
      const got = next<[number, ...unknown[]]>(cl, "n");
      srv.io.emit("n", 1); // through the stream: the transport is up
      await got;
      // a cluster just formed may refuse the first commands on a slot a moment (the connection probes it): no event to
      // await for the end of that, so a bounded poll
      for (let i = 0; i < 250 && !adapter.hub.ready; i++) await new Promise((r) => setTimeout(r, 20));
      const backend = adapter.hub.sessions!;
      await backend.snapshot("u1", [["p1", "v1"], ["p2", "v2"]], 10_000);
      assert.equal(await backend.takeLive("u1", "p1"), "v1");
      assert.equal(await backend.takeLive("u1", "p1"), null, "taken once");
      await backend.persist("u1", "p2", "s2", 10_000);
      assert.equal(await backend.takeLive("u1", "p2"), null, "persist moved it out of the live hash");
      assert.equal(await backend.take("p2"), "s2");
      assert.equal(await backend.take("p2"), null);
      const entries = await backend.range("0-0", 10);
      assert.ok(entries.length >= 1);
      assert.equal(await backend.intact("0-0"), true);
    } finally {
      cl.close();
    }
  });
});
