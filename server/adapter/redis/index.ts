/**
 * roomcast/redis: the cluster adapter over Redis (node-redis). The only file that imports `redis`.
 *
 *   io.adapter(createAdapter(pubClient, subClient, opts))
 *
 * Transport: every message is XADDed to one capped stream (`<key>:stream`); each instance reads it with a blocking
 * XREAD from its own last id, so an instance whose connection was away a moment catches up on what it missed.
 * Messages that cannot be XADDed wait in the bounded outbox (cluster-hub.ts). Sharded mode adds per-room channels
 * (SPUBLISH / SSUBSCRIBE, Redis ≥ 7) for single-room broadcasts.
 *
 * The adapter never uses the given clients' connections: it `duplicate()`s them with its own reconnect strategy
 * (retry after 50, 100, … ms, capped at `reconnectMaxDelayMs`, never giving up) and `disableOfflineQueue`, and listens
 * to every client's "error" event, so a Redis failure is reported on the adapter's "error" event, never thrown.
 *
 * @module roomcast/redis
 */
import type { RedisClientType } from "redis";
import { ClusterAdapter } from "../cluster-adapter.js";
import type { AdapterHost } from "../types.js";
import { ClusterHub, resolveOptions, type ClusterOptions, type ClusterTransport, type TransportSink } from "../cluster-hub.js";
import { MalformedMessageError } from "../cluster-message.js";
import { RoomcastError, toError } from "../../../shared/errors.js";

import { requirePeer } from "../../optional-peer.js";

// `redis` is an optional peer dependency and this module uses only its types (the clients come from the app)
requirePeer("roomcast/redis", "redis", " (node-redis)");

export { ClusterAdapter } from "../cluster-adapter.js";
export { RequestTimeoutError } from "../cluster-requests.js";
export type { ClusterOptions } from "../cluster-hub.js";

/**
 * A node-redis client, as {@link createAdapter} takes it: a template the adapter opens its own connections from
 * (`duplicate()`, with its own reconnect strategy) and listens to for "error". Any `createClient()` result fits,
 * whatever its modules, scripts, functions, RESP version or type mapping.
 */
export interface RedisClientTemplate {
  /** The options the client was created with (its `socket` options are kept for the adapter's connections). */
  readonly options?:
    | {
        /** Its socket options (host, port, TLS…). */
        readonly socket?: object;
      }
    | undefined;
  /** A new client with the same options, overridden by `overrides`. */
  duplicate(overrides: { socket: object; disableOfflineQueue: boolean }): unknown;
  /** Listens for the client's errors. */
  on(event: "error", listener: (err: unknown) => void): unknown;
}

/** The adapter's own connections (made from a template: plain RESP 3 clients, no modules). */
type OwnClient = RedisClientType;

/** Options of {@link createAdapter}. */
export interface RedisAdapterOptions extends ClusterOptions {
  /**
   * Prefix of every key and channel, so several apps can share one Redis.
   *
   * @defaultValue "roomcast"
   */
  key?: string;
  /**
   * Per-room channels (SPUBLISH / SSUBSCRIBE, Redis ≥ 7) for single-room broadcasts.
   *
   * @defaultValue false
   */
  sharded?: boolean;
  /**
   * Approximate cap of the stream (XADD MAXLEN ~).
   *
   * @defaultValue 10_000 entries
   */
  maxStreamLength?: number;
  /**
   * Most entries per XREAD.
   *
   * @defaultValue 256
   */
  readCount?: number;
  /**
   * Longest pause between two reconnection attempts, in ms.
   *
   * @defaultValue 200
   */
  reconnectMaxDelayMs?: number;
}

/**
 * An adapter factory for the `adapter` server option or `io.adapter()`. `subClient` is optional (both are only used
 * as templates for the adapter's own connections). One server instance = one set of connections, shared by its
 * namespaces.
 *
 * @example
 * ```ts
 * import { createClient } from "redis";
 * import { Server } from "roomcast/server";
 * import { createAdapter } from "roomcast/redis";
 *
 * // a template: the adapter opens its own connections from it (no need to connect it)
 * const io = new Server({ adapter: createAdapter(createClient({ url: "redis://localhost:6379" })) });
 * io.listen(3000);
 * ```
 */
export function createAdapter(
  pubClient: RedisClientTemplate,
  subClient?: RedisClientTemplate,
  opts: RedisAdapterOptions = {},
): (nsp: AdapterHost) => ClusterAdapter {
  const resolved = resolveOptions(opts);
  const hubs = new WeakMap<object, ClusterHub>();
  return (nsp) => {
    let hub = hubs.get(nsp.server);
    if (hub === undefined) {
      hub = new ClusterHub(() => new RedisTransport(pubClient, subClient ?? pubClient, opts), resolved);
      hubs.set(nsp.server, hub);
    }
    return new ClusterAdapter(nsp, hub);
  };
}

class RedisTransport implements ClusterTransport {
  readonly sharded: boolean;
  readonly #templates: [RedisClientTemplate, RedisClientTemplate];
  readonly #prefix: string;
  readonly #stream: string;
  readonly #maxLen: string;
  readonly #count: string;
  readonly #maxDelay: number;
  #pub: OwnClient | undefined;
  #reader: OwnClient | undefined;
  #sub: OwnClient | undefined;
  #sink: TransportSink | undefined;
  #lastId: string | undefined;
  #closed = false;
  #positioned = false;
  readonly #wakers = new Set<() => void>();

  constructor(pub: RedisClientTemplate, sub: RedisClientTemplate, opts: RedisAdapterOptions) {
    this.#templates = [pub, sub];
    this.sharded = opts.sharded === true;
    this.#prefix = opts.key ?? "roomcast";
    this.#stream = `${this.#prefix}:stream`;
    this.#maxLen = String(opts.maxStreamLength ?? 10_000);
    this.#count = String(opts.readCount ?? 256);
    this.#maxDelay = opts.reconnectMaxDelayMs ?? 200;
  }

  /** Can publish, and the reader is positioned: nothing we send before that could get an answer we would miss. */
  get ready(): boolean {
    return this.#pub?.isReady === true && this.#positioned;
  }

  start(sink: TransportSink): void {
    this.#sink = sink;
    const [pubTemplate, subTemplate] = this.#templates;
    for (const template of new Set(this.#templates)) guard(template, sink, "redis client");
    this.#pub = this.#own(pubTemplate, "publisher", true);
    // ready = can publish and reading is positioned (so our hello's answers are not missed)
    this.#pub.on("ready", () => this.#positioned && sink.onReady());
    this.#reader = this.#own(subTemplate, "stream reader", true);
    if (this.sharded) this.#sub = this.#own(subTemplate, "subscriber", false);
    void this.#readLoop();
  }

  publish(payload: string, lane?: string): Promise<unknown> {
    const pub = this.#pub;
    if (pub === undefined) return Promise.reject(new RoomcastError("ERR_TRANSPORT_CLOSED", "transport closed"));
    if (lane !== undefined) return pub.sPublish(this.#channel(lane), payload);
    return pub.sendCommand(["XADD", this.#stream, "MAXLEN", "~", this.#maxLen, "*", "m", payload]);
  }

  subscribeLane(lane: string): Promise<void> {
    const sink = this.#sink;
    const sub = this.#sub;
    if (sub === undefined) return Promise.resolve();
    return sub
      .sSubscribe(this.#channel(lane), (message: string) => sink?.onMessage(message, lane))
      .catch((err: unknown) => sink?.onError(toError(err), "SSUBSCRIBE"));
  }

  unsubscribeLane(lane: string): void {
    this.#sub?.sUnsubscribe(this.#channel(lane)).catch((err: unknown) => this.#sink?.onError(toError(err), "SUNSUBSCRIBE"));
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const wake of this.#wakers) wake();
    const clients = [this.#pub, this.#reader, this.#sub];
    this.#pub = this.#reader = this.#sub = undefined;
    await Promise.all(clients.map((c) => (c === undefined ? undefined : shutdown(c))));
  }

  #channel(lane: string): string {
    return `${this.#prefix}:room:${lane}`;
  }

  /** A connection of our own: our reconnect strategy, no offline queue, errors reported once per outage. */
  #own(template: RedisClientTemplate, role: string, noOfflineQueue: boolean): OwnClient {
    const maxDelay = this.#maxDelay;
    const socket = { ...(template.options?.socket ?? {}), reconnectStrategy: (retries: number) => Math.min(50 * (retries + 1), maxDelay) };
    const client = template.duplicate({ socket, disableOfflineQueue: noOfflineQueue }) as OwnClient;
    let down = false;
    client.on("error", (err: unknown) => {
      if (down || this.#closed) return;
      down = true;
      this.#sink?.onError(toError(err), `redis ${role}`);
    });
    client.on("ready", () => {
      down = false;
      for (const wake of this.#wakers) wake();
    });
    client.connect().catch((err: unknown) => {
      if (!this.#closed) this.#sink?.onError(toError(err), `redis ${role} connect`);
    });
    return client;
  }

  /** Waits for `client` to be ready (or the transport to close). */
  #whenReady(client: OwnClient, orAfterMs?: number): Promise<void> {
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
    while (!this.#closed) {
      if (!reader.isReady) {
        await this.#whenReady(reader);
        continue;
      }
      try {
        if (this.#lastId === undefined) {
          // start after the newest entry: history is not replayed to a new instance
          const newest = (await reader.sendCommand(["XREVRANGE", this.#stream, "+", "-", "COUNT", "1"])) as unknown[];
          this.#lastId = Array.isArray(newest?.[0]) ? String((newest[0] as unknown[])[0]) : "0-0";
          this.#positioned = true;
          if (this.#pub?.isReady) this.#sink?.onReady();
        }
        const reply = await reader.sendCommand(["XREAD", "COUNT", this.#count, "BLOCK", "5000", "STREAMS", this.#stream, this.#lastId]);
        for (const [id, fields] of entries(reply)) {
          this.#lastId = id;
          this.#deliver(fields);
        }
      } catch (err) {
        if (this.#closed) return;
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
      if (String(list[i]) === "m") return sink.onMessage(String(list[i + 1]), "");
    }
    sink.onError(new MalformedMessageError('stream entry without an "m" field'), "cluster message");
  }
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

/** The user's own clients get an "error" listener too: an unhandled "error" event would crash the process. */
function guard(client: RedisClientTemplate, sink: TransportSink, role: string): void {
  const marker = Symbol.for("roomcast.redis.guarded");
  // a marker of ours on node-redis's client: this cast stays here, not in server/engine/internals.ts, as this file
  // alone imports redis (test/server/engine-internals.test.ts allows it)
  const c = client as unknown as Record<symbol, boolean>;
  if (c[marker]) return;
  c[marker] = true;
  client.on("error", (err: unknown) => sink.onError(toError(err), role));
}

async function shutdown(client: OwnClient): Promise<void> {
  try {
    if (client.isReady) {
      await Promise.race([client.close(), new Promise((r) => setTimeout(r, 1000).unref())]);
    }
  } catch {
    // closing anyway
  }
  try {
    if (client.isOpen) client.destroy();
  } catch {
    // already closed
  }
}
