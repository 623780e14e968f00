/**
 * Hostile-client suite helpers: a live server with an echo app, a well-behaved official socket.io-client that
 * keeps exchanging acked messages during an attack, heap measurements after a full GC, prototype checks, and waits
 * on the server's sessions.
 */
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { io as ioc, type Socket as ClientSocket } from "socket.io-client";
import type { Server, ServerOptions } from "../../server/index.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { next } from "../helpers/events.js";

export const gc: () => void = (() => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === "function") return g;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();

export function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export const MB = 1024 * 1024;

/** Asserts the heap (after a full GC) grew less than `bound` since `before`. */
export function assertHeapBounded(before: number, bound: number, what: string): void {
  const delta = heapUsed() - before;
  assert.ok(delta < bound, `${what}: heap grew ${(delta / MB).toFixed(1)} MB (bound ${(bound / MB).toFixed(0)} MB)`);
}

const PROTO_NAMES = Object.getOwnPropertyNames(Object.prototype).sort().join(",");
export function assertNoPollution(): void {
  assert.equal(({} as Record<string, unknown>)["polluted"], undefined, "({}).polluted");
  assert.equal(([] as unknown as Record<string, unknown>)["polluted"], undefined, "[].polluted");
  assert.equal(Object.getOwnPropertyNames(Object.prototype).sort().join(","), PROTO_NAMES, "Object.prototype unchanged");
  assert.equal(typeof Object.prototype.toString, "function");
  assert.equal(typeof Object.prototype.hasOwnProperty, "function");
}

export interface HostileServer extends TestServer<Server> {
  /** Errors reported by the server (onError): app code errors only, never protocol errors. */
  errors: Error[];
}

/** A server whose "/" namespace echoes (`echo` with ack), plus whatever `setup` adds. */
export async function startHostileServer(opts: Partial<ServerOptions> = {}, setup?: (io: Server) => void): Promise<HostileServer> {
  const errors: Error[] = [];
  const srv = await startServer({ onError: (err) => errors.push(err), ...opts });
  srv.io.on("connection", (socket) => {
    socket.on("echo", (v: unknown, ack: (v: unknown) => void) => {
      if (typeof ack === "function") ack(v);
    });
  });
  setup?.(srv.io);
  return Object.assign(srv, { errors });
}

/**
 * An official socket.io-client doing `emitWithAck` in a loop (one in flight at a time) until stopped. Every ack
 * must come back within `ackTimeoutMs`; `stop()` reports how many did and the failures.
 */
export class AckLoop {
  readonly client: ClientSocket;
  acked = 0;
  readonly failures: string[] = [];
  #running = true;
  #done: Promise<void> = Promise.resolve();
  #waiters: Array<{ target: number; resolve: () => void }> = [];

  private constructor(client: ClientSocket) {
    this.client = client;
  }

  static async start(url: string, transport: "websocket" | "polling" = "websocket", ackTimeoutMs = 3000): Promise<AckLoop> {
    const client = ioc(url, { transports: [transport], forceNew: true, reconnection: false });
    await next(client, "connect");
    const loop = new AckLoop(client);
    // a disconnection ends the loop: say why in the failures the next assertion prints
    client.on("disconnect", (reason, details) => {
      if (reason !== "io client disconnect") loop.failures.push(`disconnected: ${reason} ${JSON.stringify(details ?? "")}`);
    });
    loop.#done = loop.#run(ackTimeoutMs);
    return loop;
  }

  async #run(ackTimeoutMs: number): Promise<void> {
    let i = 0;
    while (this.#running) {
      i++;
      try {
        const got: unknown = await this.client.timeout(ackTimeoutMs).emitWithAck("echo", i);
        if (got !== i) this.failures.push(`ack ${i} answered ${JSON.stringify(got)}`);
        this.acked++;
        for (const w of this.#waiters.filter((w) => this.acked >= w.target)) w.resolve();
        this.#waiters = this.#waiters.filter((w) => this.acked < w.target);
      } catch (err) {
        this.failures.push(`ack ${i}: ${(err as Error).message}`);
        if (!this.client.connected) return;
      }
    }
  }

  /** Resolves once `n` more acks came back (rejects after `timeoutMs`). */
  progress(n: number, timeoutMs = 5000): Promise<void> {
    const target = this.acked + n;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ack loop: ${this.acked}/${target} acks, failures ${JSON.stringify(this.failures)}`)), timeoutMs);
      this.#waiters.push({ target, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /** Asserts the loop is healthy: connected, no failure, and `n` more acks come back now. */
  async assertHealthy(n = 5): Promise<void> {
    await this.progress(n);
    assert.deepEqual(this.failures, [], "the well-behaved client's acks");
    assert.equal(this.client.connected, true, "the well-behaved client is still connected");
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#done;
    this.client.close();
  }
}

/** An Engine.IO session, as far as these tests watch it. */
export interface EngineSession {
  on(event: "close", listener: () => void): unknown;
  once(event: "close", listener: () => void): unknown;
  off(event: string, listener: () => void): unknown;
}

/** The Engine.IO sessions the server holds, by sid (engine.io keeps them in a protected field). */
export function engineSessions(srv: TestServer<Server>): Record<string, EngineSession> {
  return (srv.io.engine as unknown as { clients: Record<string, EngineSession> }).clients;
}

/** The number of Engine.IO sessions the server holds. */
export function sessions(srv: TestServer<Server>): number {
  return srv.io.engine.clientsCount;
}

/**
 * Resolves once `predicate()` holds, checking it now and whenever an Engine.IO session or a "/" socket comes or goes
 * (the engine's "connection" and each session's "close", the namespace's "connection" and each socket's
 * "disconnect"); rejects after `timeoutMs`, naming `what`.
 */
export function whenSessionsSettle(srv: TestServer<Server>, predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const engine = srv.io.engine;
  const nsp = srv.io.of("/");
  return new Promise<void>((resolve, reject) => {
    const watched: Array<{ off(event: string, listener: () => void): unknown }> = [];
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      engine.off("connection", onSession);
      nsp.off("connection", onSocket);
      for (const e of watched) {
        e.off("close", check);
        e.off("disconnect", check);
      }
      if (err === undefined) resolve();
      else reject(err);
    };
    const check = (): void => {
      if (predicate()) finish();
    };
    const onSession = (session: EngineSession): void => {
      session.on("close", check);
      watched.push(session);
      check();
    };
    const onSocket = (socket: { on(event: "disconnect", l: () => void): unknown; off(event: string, l: () => void): unknown }): void => {
      socket.on("disconnect", check);
      watched.push(socket);
      check();
    };
    const timer = setTimeout(() => finish(new Error(`not within ${timeoutMs} ms: ${what}`)), timeoutMs);
    engine.on("connection", onSession);
    nsp.on("connection", onSocket);
    for (const session of Object.values(engineSessions(srv))) onSession(session);
    for (const socket of nsp.sockets.values()) onSocket(socket);
    check();
  });
}
