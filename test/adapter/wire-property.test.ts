/**
 * Property test of the cluster wire format: random rooms (strings of every kind, numbers, socket ids, strings that
 * look like socket ids or numbers) and random payloads (binary of every kind, Dates, toJSON, undefined and null in
 * arrays, unicode, large strings, keys that look like our encoding's markers) are broadcast — with except, volatile
 * and compress — across two roomcast instances on a real redis-server, and the very same cases on one instance with
 * the in-memory adapter. What every client (official socket.io-client) receives must be identical.
 *
 * Bounded: 100 cases (ROOMCAST_CASES to change), a fixed seed (ROOMCAST_SEED to change; printed on failure).
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { createClient } from "redis";
import { io as ioc, type Socket as ClientSocket } from "socket.io-client";
import { createAdapter } from "../../server/adapter/redis/index.js";
import type { Server } from "../../server/index.js";
import { RedisProcess } from "../helpers/redis.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { next } from "../helpers/events.js";
import { Random, randomRoom, randomValue, testSeed } from "../helpers/random.js";
import { clusterReady } from "./conformance.js";

const CASES = Number(process.env["ROOMCAST_CASES"] ?? 100);
const SEED = testSeed(0x5eed14);
const CLIENTS = 6;

/** A room as the test draws it: a value, or "the socket id of client j" (resolved per setup). */
type Token = { room: string | number } | { sid: number };

interface Case {
  /** Each client's rooms (applied before the broadcast when set). */
  memberships?: Token[][];
  sender: number;
  /** Broadcast from client `fromSocket`'s server socket (socket.to(...): the sender is left out). */
  fromSocket?: number;
  to: Token[];
  except: Token[];
  volatile: boolean;
  compress?: boolean;
  event: string;
  args: unknown[];
}

/** Errors the servers reported (a message refused by another instance would land here). */
const reported: string[] = [];
const onError = (err: Error, context: string): void => void reported.push(`${context}: ${err.message}`);

class Setup {
  readonly servers: Array<TestServer<Server>>;
  readonly clients: ClientSocket[] = [];
  readonly instanceOf: number[] = [];
  received: unknown[][][] = [];

  constructor(servers: Array<TestServer<Server>>) {
    this.servers = servers;
  }

  async connect(): Promise<void> {
    for (let k = 0; k < CLIENTS; k++) {
      const i = k % this.servers.length;
      const client = ioc(this.servers[i]!.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
      this.clients.push(client);
      this.instanceOf.push(i);
      client.onAny((event: string, ...args: unknown[]) => {
        if (event !== "__end") this.received[k]!.push([event, ...args].map(normalize));
      });
    }
    await Promise.all(this.clients.map((c) => next(c, "connect")));
  }

  resolve(token: Token): string {
    return ("sid" in token ? this.clients[token.sid]!.id! : token.room) as string;
  }

  socketOf(k: number) {
    return this.servers[this.instanceOf[k]!]!.io.sockets.sockets.get(this.clients[k]!.id!)!;
  }

  /** Runs one case; returns what each client received. */
  async run(c: Case, index: number): Promise<unknown[][][]> {
    if (c.memberships) {
      for (let k = 0; k < CLIENTS; k++) {
        const socket = this.socketOf(k);
        for (const room of [...socket.rooms]) if (room !== socket.id) await socket.leave(room);
        await socket.join(c.memberships[k]!.map((t) => this.resolve(t)));
      }
    }
    this.received = this.clients.map(() => []);
    const sender = this.servers[c.sender % this.servers.length]!.io;
    let op = c.fromSocket !== undefined ? this.socketOf(c.fromSocket).to(c.to.map((t) => this.resolve(t))) : sender.to(c.to.map((t) => this.resolve(t)));
    if (c.except.length > 0) op = op.except(c.except.map((t) => this.resolve(t)));
    if (c.volatile) op = op.volatile;
    if (c.compress !== undefined) op = op.compress(c.compress);
    const markerFrom = c.fromSocket !== undefined ? this.servers[this.instanceOf[c.fromSocket]!]!.io : sender;
    const ends = this.clients.map((client, k) => waitEnd(client, index).catch(() => k));
    op.emit(c.event, ...c.args);
    markerFrom.emit("__end", index); // per-sender order: it arrives after the case's broadcast everywhere
    const missing = (await Promise.all(ends)).filter((k) => k !== undefined);
    if (missing.length > 0) {
      const what = inspect(c, { depth: 6, maxStringLength: 60, breakLength: 160 });
      throw new Error(`case ${index}: clients ${missing.join()} never got the marker (errors: ${reported.join("; ") || "none"})\n${what}`);
    }
    return this.received;
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.close();
    await Promise.all(this.servers.map((s) => s.close()));
  }
}

function waitEnd(client: ClientSocket, index: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`case ${index}: no marker within 5 s`)), 5000);
    const listener = (n: number) => {
      if (n !== index) return;
      clearTimeout(timer);
      client.off("__end", listener);
      resolve();
    };
    client.on("__end", listener);
  });
}

/** Binary as hex (Buffer, ArrayBuffer or view), so that deepEqual compares bytes, not classes. */
function normalize(value: unknown): unknown {
  if (value instanceof ArrayBuffer) return { bin: Buffer.from(value).toString("hex") };
  if (ArrayBuffer.isView(value)) return { bin: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex") };
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: normalize(v), enumerable: true });
    return out;
  }
  return value;
}

function randomToken(rng: Random): Token {
  return rng.bool(0.2) ? { sid: rng.int(CLIENTS) } : { room: randomRoom(rng) };
}

function randomCase(rng: Random, index: number): Case {
  const c: Case = {
    sender: rng.int(2),
    to: Array.from({ length: rng.pick([0, 1, 1, 1, 2, 3]) }, () => randomToken(rng)),
    except: Array.from({ length: rng.pick([0, 0, 1, 2]) }, () => randomToken(rng)),
    volatile: rng.bool(0.2),
    event: rng.pick(["m", "évènement", "with space", "m:2", "🎉"]),
    args: Array.from({ length: rng.int(4) }, () => randomValue(rng)),
  };
  if (index % 10 === 0) c.memberships = Array.from({ length: CLIENTS }, () => Array.from({ length: rng.int(4) }, () => randomToken(rng)));
  if (rng.bool(0.2)) c.fromSocket = rng.int(CLIENTS);
  if (rng.bool(0.2)) c.compress = rng.bool();
  return c;
}

describe("cluster wire format: random rooms and payloads across instances = one instance", { timeout: 60_000 }, () => {
  let redis: RedisProcess;
  before(async () => {
    redis = await RedisProcess.start();
  });
  after(() => redis.stop());

  it(`${CASES} random broadcasts (seed ${SEED}): every client receives the same as on a single instance`, async () => {
    const key = `prop${process.pid}`;
    const cluster = new Setup(
      await Promise.all([0, 1].map(() => startServer({ onError, adapter: createAdapter(createClient({ url: redis.url }), undefined, { key, heartbeatInterval: 1000 }) }))),
    );
    const single = new Setup([await startServer({ onError })]);
    try {
      await clusterReady(cluster.servers);
      await Promise.all([cluster.connect(), single.connect()]);
      const rng = new Random(SEED);
      const divergences: string[] = [];
      for (let i = 0; i < CASES; i++) {
        const c = randomCase(rng, i);
        const expected = await single.run(c, i);
        const actual = await cluster.run(c, i);
        try {
          assert.deepEqual(actual, expected);
        } catch {
          const detail = inspect(c, { depth: 6, maxStringLength: 60, breakLength: 160 });
          const got = inspect({ cluster: actual, single: expected }, { depth: 6, maxStringLength: 60, breakLength: 160 });
          divergences.push(`case ${i}: ${detail}\n  ${got}`);
        }
      }
      assert.deepEqual(reported, [], "no server reported an error");
      assert.equal(divergences.length, 0, `seed ${SEED}: ${divergences.length} of ${CASES} cases diverge:\n${divergences.slice(0, 5).join("\n")}`);
    } finally {
      await Promise.all([cluster.close(), single.close()]);
    }
  });
});
