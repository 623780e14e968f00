/**
 * The stream transport of roomcast/redis: every cluster message is XADDed to one capped stream (`<key>:stream`), and
 * each instance reads it with a blocking XREAD from its own last id, so an instance whose connection was away a
 * moment catches up on what it missed. Messages that cannot be XADDed wait in the hub's bounded outbox.
 *
 * Responses to requests (fetchSockets, serverSideEmit acks, allRooms) go to the asking instance alone, with PUBLISH on
 * its own channel (`<key>:to:<uid>`): no other instance reads them and Redis keeps nothing (a 1000-socket fetchSockets
 * answer is ~0.5 MB). A response that finds nobody subscribed goes through the stream instead (cluster-hub.ts).
 *
 * Connections (see connections.ts): one publisher, one stream reader (a blocking XREAD must not delay publishes), one
 * subscriber (this instance's response channel).
 *
 * Liveness (see ../liveness.ts): each instance's lease is `{<key>}:alive:<uid>` (SET PX from the publisher, read by
 * the others with one MGET; the hash tag puts every lease of a cluster in one slot of a Redis Cluster).
 *
 * Every command goes through `OwnConnection.command(key, args)` (connections.ts), so it runs on a plain client and on
 * a Redis Cluster alike; on a cluster the reader is a cluster client of its own too, and the response channels are
 * sharded pub/sub (SPUBLISH / SSUBSCRIBE). Keys: `<key>:stream` (one key, one slot) and the leases `{<key>}:alive:<uid>`
 * (one hash tag: one slot for the MGET); channels `<key>:to:<uid>`.
 */
import type { ClusterTransport, TransportSink } from "../cluster-hub.js";
import { MalformedMessageError } from "../cluster-message.js";
import { RoomcastError, toError } from "../../../shared/errors.js";
import { guard, openOwn, shutdown, type OwnConnection, type RedisClientTemplate } from "./connections.js";
import { RedisSessions } from "./sessions.js";

/** XREAD's BLOCK (ms). */
const BLOCK_MS = 5000;

/** The transport's settings (from the adapter options). */
export interface StreamTransportOptions {
  /** Prefix of every key. */
  key: string;
  /** Approximate cap of the stream (XADD MAXLEN ~). */
  maxStreamLength: number;
  /** Most entries per XREAD. */
  readCount: number;
  /** Longest pause between two reconnection attempts (ms). */
  reconnectMaxDelayMs: number;
}

export class RedisTransport implements ClusterTransport {
  readonly #templates: [RedisClientTemplate, RedisClientTemplate];
  readonly #stream: string;
  readonly #key: string;
  /** Prefix of the lease keys: `{<key>}:alive:`. */
  readonly #lease: string;
  readonly #maxLen: string;
  readonly #count: string;
  readonly #maxDelay: number;
  #pub: OwnConnection | undefined;
  #reader: OwnConnection | undefined;
  #sub: OwnConnection | undefined;
  /** Our response channel is subscribed (node-redis subscribes again by itself after a reconnection). */
  #subscribed = false;
  #sink: TransportSink | undefined;
  #lastId: string | undefined;
  #closed = false;
  #positioned = false;
  readonly #wakers = new Set<() => void>();
  /** Recovery's keys (sessions, live snapshots; see sessions.ts), on the publisher connection. */
  readonly sessions: RedisSessions;

  constructor(pub: RedisClientTemplate, sub: RedisClientTemplate, opts: StreamTransportOptions) {
    this.#templates = [pub, sub];
    this.sessions = new RedisSessions((key, args) => this.#command(key, args), () => this.#pub?.isReady === true, opts.key);
    this.#key = opts.key;
    this.#stream = `${opts.key}:stream`;
    this.#lease = `{${opts.key}}:alive:`;
    this.#maxLen = String(opts.maxStreamLength);
    this.#count = String(opts.readCount);
    this.#maxDelay = opts.reconnectMaxDelayMs;
  }

  /**
   * Can publish, the reader is positioned and the response channel subscribed: nothing we send before that could get
   * an answer we would miss.
   */
  get ready(): boolean {
    return this.#pub?.isReady === true && this.#positioned && this.#subscribed;
  }

  /** Can publish and read: the instance can answer requests, so it may renew its liveness lease. */
  get live(): boolean {
    return this.ready && this.#reader?.isReady === true;
  }

  /** Id of the last stream entry delivered (undefined until the reader is positioned). */
  get cursor(): string | undefined {
    return this.#positioned ? this.#lastId : undefined;
  }

  start(sink: TransportSink, self: string): void {
    this.#sink = sink;
    const [pubTemplate, subTemplate] = this.#templates;
    for (const template of new Set(this.#templates)) guard(template, sink, "redis client");
    const own = (template: RedisClientTemplate, role: string, onReady: () => void) =>
      openOwn(template, sink, { role, noOfflineQueue: true, maxDelay: this.#maxDelay, onReady, closed: () => this.#closed, mainKey: this.#stream });
    // ready = can publish and reading is positioned (so our hello's answers are not missed)
    this.#pub = own(pubTemplate, "publisher", () => {
      this.#wake();
      if (this.ready) sink.onReady();
    });
    this.#reader = own(subTemplate, "stream reader", () => this.#wake());
    const channel = this.#channel(self);
    let retry: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    const subscribe = () => {
      clearTimeout(retry);
      retry = undefined;
      if (this.#subscribed || this.#closed) return;
      sub.subscribe(channel, (message) => sink.onMessage(message.toString())).then(
        () => {
          failures = 0;
          this.#subscribed = true;
          if (this.ready) sink.onReady();
        },
        (err: unknown) => {
          if (this.#closed) return;
          if (failures++ === 0) sink.onError(toError(err), "SUBSCRIBE");
          // retried at the next "ready" or after a pause (a cluster fires no new "ready" when one node fails)
          retry ??= setTimeout(subscribe, Math.min(100 * failures, 1000));
          retry.unref();
        },
      );
    };
    const sub = (this.#sub = own(subTemplate, "subscriber", subscribe));
    void this.#readLoop();
  }

  publish(payload: string): Promise<unknown> {
    return this.#command(this.#stream, ["XADD", this.#stream, "MAXLEN", "~", this.#maxLen, "*", "m", payload]);
  }

  setLease(uid: string, ttlMs: number): Promise<unknown> {
    return this.#command(this.#lease + uid, ["SET", this.#lease + uid, "1", "PX", String(ttlMs)]);
  }

  async leases(uids: readonly string[]): Promise<boolean[]> {
    const reply = await this.#command(this.#lease + uids[0], ["MGET", ...uids.map((uid) => this.#lease + uid)]);
    return uids.map((_, i) => Array.isArray(reply) && reply[i] !== null && reply[i] !== undefined);
  }

  dropLease(uid: string): Promise<unknown> {
    return this.#command(this.#lease + uid, ["DEL", this.#lease + uid]);
  }

  /** Whether each instance's response channel has a subscriber (its subscriber connection is open). */
  async connected(uids: readonly string[]): Promise<boolean[]> {
    const pub = this.#pub;
    if (pub === undefined) return uids.map(() => true);
    return (await pub.subscribers(uids.map((uid) => this.#channel(uid)))).map((n) => n > 0);
  }

  publishTo(uid: string, payload: string): Promise<number> {
    const pub = this.#pub;
    if (pub === undefined) return Promise.reject(new RoomcastError("ERR_TRANSPORT_CLOSED", "transport closed"));
    return pub.publish(this.#channel(uid), Buffer.from(payload)); // a Buffer: see OwnConnection.subscribe
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wake();
    const clients = [this.#pub, this.#reader, this.#sub];
    this.#pub = this.#reader = this.#sub = undefined;
    await Promise.all(clients.map((c) => (c === undefined ? undefined : shutdown(c))));
  }

  #channel(uid: string): string {
    return `${this.#key}:to:${uid}`;
  }

  /** A command touching `key` on the publisher connection (fails at once while it is down: no offline queue). */
  #command(key: string, args: string[]): Promise<unknown> {
    const pub = this.#pub;
    if (pub === undefined) return Promise.reject(new RoomcastError("ERR_TRANSPORT_CLOSED", "transport closed"));
    return pub.command(key, args);
  }

  #wake(): void {
    for (const wake of this.#wakers) wake();
  }

  /** Waits for `client` to be ready (or the transport to close). */
  #whenReady(client: OwnConnection, orAfterMs?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const wake = () => {
        if (!client.isReady && !this.#closed && orAfterMs === undefined) return;
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve();
      };
      this.#wakers.add(wake);
      if (orAfterMs !== undefined) timer = setTimeout(wake, orAfterMs);
      if (client.isReady || this.#closed) wake();
    });
  }

  async #readLoop(): Promise<void> {
    const reader = this.#reader!;
    let recheck = false;
    while (!this.#closed) {
      if (!reader.isReady) {
        await this.#whenReady(reader);
        continue;
      }
      try {
        if (this.#lastId === undefined || recheck) {
          // start after the newest entry: history is not replayed to a new instance. After a failure, the same check:
          // a promoted replica may lack the newest entries we read (replication is asynchronous), and its next ids
          // could be at or below our last id; we go back to its newest, so nothing it gets next is skipped
          const newest = (await reader.command(this.#stream, ["XREVRANGE", this.#stream, "+", "-", "COUNT", "1"])) as unknown[];
          const id = Array.isArray(newest?.[0]) ? String((newest[0] as unknown[])[0]) : "0-0";
          if (this.#lastId === undefined || idBefore(id, this.#lastId)) this.#lastId = id;
          recheck = false;
          if (!this.#positioned) {
            this.#positioned = true;
            if (this.ready) this.#sink?.onReady();
          }
        }
        const reply = await reader.command(this.#stream, ["XREAD", "COUNT", this.#count, "BLOCK", String(BLOCK_MS), "STREAMS", this.#stream, this.#lastId]);
        for (const [id, fields] of entries(reply)) {
          this.#lastId = id;
          this.#deliver(fields);
        }
      } catch (err) {
        if (this.#closed) return;
        recheck = true;
        if (reader.isReady) {
          this.#sink?.onError(toError(err), "XREAD");
          await this.#whenReady(reader, 100); // a command error, not an outage: do not spin
        }
      }
    }
  }

  #deliver(fields: unknown): void {
    const sink = this.#sink!;
    const list = Array.isArray(fields) ? fields : [];
    for (let i = 0; i + 1 < list.length; i += 2) {
      if (String(list[i]) === "m") return sink.onMessage(String(list[i + 1]));
    }
    sink.onError(new MalformedMessageError('stream entry without an "m" field'), "cluster message");
  }
}

/** Whether stream id `a` ("ms-seq") is before `b`. */
function idBefore(a: string, b: string): boolean {
  const [am = 0, as = 0] = a.split("-").map(Number);
  const [bm = 0, bs = 0] = b.split("-").map(Number);
  return am < bm || (am === bm && as < bs);
}

/** XREAD's reply (RESP2 array or RESP3 map) as `[id, [field, value, …]]` pairs; anything odd is skipped. */
function entries(reply: unknown): Array<[string, unknown]> {
  if (reply === null || reply === undefined) return [];
  let streams: unknown[];
  if (Array.isArray(reply)) streams = reply.map((s) => (Array.isArray(s) ? s[1] : undefined));
  else if (reply instanceof Map) streams = [...reply.values()];
  else if (typeof reply === "object") streams = Object.values(reply);
  else return [];
  const out: Array<[string, unknown]> = [];
  for (const list of streams) {
    if (!Array.isArray(list)) continue;
    for (const entry of list) if (Array.isArray(entry) && entry.length >= 2) out.push([String(entry[0]), entry[1]]);
  }
  return out;
}
