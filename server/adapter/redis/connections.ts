/**
 * The adapter's Redis connections: made from the user's client template (`duplicate()`) with our own reconnect
 * strategy and no offline queue, their errors reported once per outage; the "error" guard put on the user's own
 * clients; and closing. The only place that creates or closes a Redis connection.
 *
 * THE SEAM: every Redis command of the adapter goes through {@link OwnConnection.command}`(key, args)`, which works
 * on a plain client (`createClient()`: `client.sendCommand(args)`) and on a Redis Cluster (`createCluster()`:
 * `cluster.sendCommand(key, false, args)`, routed to the master of `key`'s slot, following MOVED after a failover).
 * `key` is the key the command touches (its first key); a command that touches several keys needs them in one slot
 * (a common `{hash tag}`); a keyless command passes `undefined` (any node). Never call node-redis directly: a command
 * added that way would not run on a cluster. A blocking command needs a connection of its own (see transport.ts);
 * node-redis's command timeout (5 s by default) only covers the wait until a command is written, not its BLOCK.
 */
import type { RedisClientType, RedisClusterType } from "redis";
import type { TransportSink } from "../cluster-hub.js";
import { toError } from "../../../shared/errors.js";

/** A node-redis client (`createClient()`) as a template. */
export interface RedisSingleTemplate {
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
  /** Listens for the client's "ready" (connected, again): its next error is reported again. */
  on(event: "ready", listener: () => void): unknown;
}

/** A node-redis Redis Cluster client (`createCluster()`) as a template. */
export interface RedisClusterTemplate {
  /** The cluster's masters (how a cluster is told from a client). */
  readonly masters: readonly unknown[];
  /** The options the cluster was created with: its `defaults` (credentials, TLS, socket options) are kept. */
  readonly _options?:
    | {
        /** The options of every node's connection (credentials, TLS…). */
        readonly defaults?:
          | {
              /** Their socket options (kept; the adapter adds its reconnect strategy). */
              readonly socket?: object | undefined;
            }
          | undefined;
      }
    | undefined;
  /** A new cluster client with the same options, overridden by `overrides`. */
  duplicate(overrides: {
    defaults: { socket: object; disableOfflineQueue: boolean };
    topologyRefreshOnReconnectionAttemptStrategy: number;
  }): unknown;
  /** Listens for the cluster's errors (topology discovery; a node's errors are "node-error"). */
  on(event: "error", listener: (err: unknown) => void): unknown;
  /** Listens for "ready" (a cluster does not emit it). */
  on(event: "ready", listener: () => void): unknown;
  /** Listens for "node-ready" (a node's connection is ready, again): the cluster's next error is reported again. */
  on(event: "node-ready", listener: () => void): unknown;
}

/**
 * A node-redis client or Redis Cluster, as {@link roomcast/redis!createAdapter} takes it: a template the adapter
 * opens its own connections from (`duplicate()`, with its own reconnect strategy) and listens to for "error". Any
 * `createClient()` or `createCluster()` result fits, whatever its modules, scripts, functions, RESP version or type
 * mapping.
 */
export type RedisClientTemplate = RedisSingleTemplate | RedisClusterTemplate;

export interface OwnOptions {
  role: string;
  /** Fail commands at once while disconnected instead of queueing them. */
  noOfflineQueue: boolean;
  /** Longest pause between two reconnection attempts (ms). */
  maxDelay: number;
  /** Called on "ready" (first connect and every reconnect; on a cluster, also when commands succeed again). */
  onReady(): void;
  /** True once the transport is closing: errors are no longer reported. */
  closed(): boolean;
  /**
   * On a cluster: the key whose slot the connection's readiness follows (the stream). A command on it failing for want
   * of a node makes the connection not ready until a probe on that key succeeds; other keys' failures only reject.
   */
  mainKey?: string;
}

/** Redis error replies that mean "not now" on a cluster (a failover, a slot moving), not "never". */
const TRANSIENT_REPLY = /^(CLUSTERDOWN|TRYAGAIN|LOADING|READONLY|MASTERDOWN|MOVED|ASK|NOREPLICAS)\b/;

/**
 * One connection of the adapter's own: a plain client, or a cluster client (one connection per master). Every command
 * goes through {@link command}; {@link isReady} is false while disconnected (a client) or while commands on the main
 * key's slot fail for want of a node (a cluster during a failover; a probe on that key ends it).
 */
export class OwnConnection {
  readonly #client: RedisClientType | undefined;
  readonly #cluster: RedisClusterType | undefined;
  readonly #sink: TransportSink;
  readonly #opts: OwnOptions;
  /** Cluster: commands fail for want of a node (reported once); a probe runs until one succeeds. */
  #down = false;
  readonly #downNodes = new Set<string>();
  #probe: ReturnType<typeof setTimeout> | undefined;

  constructor(template: RedisClientTemplate, sink: TransportSink, opts: OwnOptions) {
    this.#sink = sink;
    this.#opts = opts;
    const socket = (base: object | undefined) => ({ ...base, reconnectStrategy: (retries: number) => Math.min(50 * (retries + 1), opts.maxDelay) });
    if ("masters" in template) {
      const defaults = template._options?.defaults;
      this.#cluster = template.duplicate({
        defaults: { ...defaults, socket: socket(defaults?.socket), disableOfflineQueue: opts.noOfflineQueue },
        // learn the new topology soon after a node goes (node-redis's default waits 5 s)
        topologyRefreshOnReconnectionAttemptStrategy: 100,
      }) as RedisClusterType;
      this.#watchCluster(this.#cluster);
      this.#connectCluster(0);
    } else {
      this.#client = template.duplicate({ socket: socket(template.options?.socket), disableOfflineQueue: opts.noOfflineQueue }) as RedisClientType;
      this.#watchClient(this.#client);
    }
  }

  get isReady(): boolean {
    return this.#client !== undefined ? this.#client.isReady : this.#cluster!.isReady && !this.#down;
  }

  /** Sends one command touching `key` (see the seam at the top of this file). */
  command(key: string | undefined, args: ReadonlyArray<string | Buffer>): Promise<unknown> {
    if (this.#client !== undefined) return this.#client.sendCommand(args as Array<string | Buffer>);
    return this.#cluster!.sendCommand(key, false, args as Array<string | Buffer>).then(
      (reply) => {
        if (this.#down && key === this.#opts.mainKey) this.#up();
        return reply;
      },
      (err: unknown) => {
        if (!this.#down && key !== undefined && key === this.#opts.mainKey && !this.#opts.closed() && transient(err)) this.#goDown(key, err);
        throw err;
      },
    );
  }

  /**
   * Publishes on a pub/sub channel; resolves with the number of receivers. On a cluster this is sharded pub/sub
   * (SPUBLISH, Redis ≥ 7 / Valkey): PUBLISH there counts the receivers of one node only, SPUBLISH those of the shard.
   */
  publish(channel: string, payload: string | Buffer): Promise<number> {
    if (this.#client !== undefined) return this.#client.publish(channel, payload);
    return this.command(channel, ["SPUBLISH", channel, payload]).then(Number);
  }

  /**
   * How many subscribers each channel has (PUBSUB NUMSUB; on a cluster PUBSUB SHARDNUMSUB on each channel's shard, as
   * {@link subscribe} uses SSUBSCRIBE there).
   */
  async subscribers(channels: readonly string[]): Promise<number[]> {
    if (this.#client !== undefined) return counts(await this.#client.sendCommand(["PUBSUB", "NUMSUB", ...channels]), channels);
    const replies = await Promise.all(channels.map((ch) => this.command(ch, ["PUBSUB", "SHARDNUMSUB", ch])));
    return replies.map((reply, i) => counts(reply, [channels[i]!])[0]!);
  }

  /**
   * Subscribes to a pub/sub channel (SSUBSCRIBE on a cluster, see {@link publish}); node-redis resubscribes by itself.
   * Messages come as Buffers: node-redis's string path costs ~3x more for a large message (0.5 MB: 8–14 ms against
   * 3–7 ms from PUBLISH to listener with the conversion done by the caller, measured on 2 loaded cores).
   */
  subscribe(channel: string, listener: (message: Buffer) => void): Promise<void> {
    if (this.#client !== undefined) return this.#client.subscribe(channel, listener, true);
    return this.#cluster!.sSubscribe(channel, listener, true);
  }

  /** Closes it: QUIT when it can (bounded to 1 s), then destroys it. */
  async close(): Promise<void> {
    clearTimeout(this.#probe);
    const c = this.#client ?? this.#cluster!;
    try {
      if (c.isReady) await Promise.race([c.close(), new Promise((r) => setTimeout(r, 1000).unref())]);
    } catch {
      // closing anyway
    }
    try {
      if (c.isOpen) c.destroy();
    } catch {
      // already closed
    }
  }

  #report(err: unknown, what = ""): void {
    if (!this.#opts.closed()) this.#sink.onError(toError(err), `redis ${this.#opts.role}${what}`);
  }

  #watchClient(client: RedisClientType): void {
    let down = false;
    client.on("error", (err: unknown) => {
      if (down) return;
      down = true;
      this.#report(err);
    });
    client.on("ready", () => {
      down = false;
      this.#opts.onReady();
    });
    client.connect().catch((err: unknown) => this.#report(err, " connect"));
  }

  #watchCluster(cluster: RedisClusterType): void {
    // "error": topology discovery failed; "node-error": one node's connection (reported once until it is back or gone)
    cluster.on("error", (err: unknown) => this.#report(err));
    cluster.on("node-error", (err: unknown, node: { host?: string; port?: number } | undefined) => {
      const address = `${node?.host}:${node?.port}`;
      if (this.#downNodes.has(address)) return;
      this.#downNodes.add(address);
      this.#report(err, ` (node ${address})`);
    });
    const back = (node: { host?: string; port?: number } | undefined) => this.#downNodes.delete(`${node?.host}:${node?.port}`);
    cluster.on("node-ready", back);
    cluster.on("node-disconnect", back);
    cluster.on("connect", () => this.#opts.onReady());
  }

  /** A cluster's first discovery is not retried by node-redis: we retry it, every `maxDelay` ms at most. */
  #connectCluster(attempt: number): void {
    this.#cluster!.connect().catch((err: unknown) => {
      if (this.#opts.closed()) return;
      if (attempt === 0) this.#report(err, " connect");
      this.#probe = setTimeout(() => this.#connectCluster(attempt + 1), Math.min(50 * (attempt + 1), this.#opts.maxDelay));
    });
  }

  #goDown(key: string, err: unknown): void {
    this.#down = true;
    if (this.#downNodes.size === 0) this.#report(err); // else already reported as that node's error
    const probe = (attempt: number) => {
      this.#probe = setTimeout(() => {
        if (this.#opts.closed() || !this.#down) return;
        this.#cluster!.sendCommand(key, false, ["EXISTS", key]).then(
          () => this.#down && this.#up(),
          () => probe(attempt + 1),
        );
      }, Math.min(50 * (attempt + 1), this.#opts.maxDelay));
    };
    probe(0);
  }

  #up(): void {
    this.#down = false;
    clearTimeout(this.#probe);
    this.#opts.onReady();
  }
}

/** A connection of our own: our reconnect strategy, no offline queue, errors reported once per outage. */
export function openOwn(template: RedisClientTemplate, sink: TransportSink, opts: OwnOptions): OwnConnection {
  return new OwnConnection(template, sink, opts);
}

/** Whether a failed command may succeed later without anyone changing anything (a lost node, a failover). */
function transient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  // node-redis's error replies (ErrorReply, SimpleError, BlobError) carry Redis's message; its other errors are
  // about connections (closed, offline, timed out, redirections exhausted)
  const reply = /^(ErrorReply|SimpleError|BlobError)$/.test(err.constructor.name);
  return !reply || TRANSIENT_REPLY.test(err.message);
}

/**
 * The user's own clients get an "error" listener too: an unhandled "error" event would crash the process. Like our
 * own connections, a client the user connected reports its first error of an outage, then nothing until it is
 * ready again (node-redis emits one "error" per failed reconnection attempt).
 */
export function guard(client: RedisClientTemplate, sink: TransportSink, role: string): void {
  const marker = Symbol.for("roomcast.redis.guarded");
  // a marker of ours on node-redis's client: this cast stays here, not in server/engine/internals.ts, as
  // roomcast/redis alone imports redis (test/server/engine-internals.test.ts allows it)
  const c = client as unknown as Record<symbol, boolean>;
  if (c[marker]) return;
  c[marker] = true;
  let down = false;
  client.on("error", (err: unknown) => {
    if (down) return;
    down = true;
    sink.onError(toError(err), role);
  });
  const back = () => {
    down = false;
  };
  client.on("ready", back);
  if ("masters" in client) client.on("node-ready", back); // a cluster emits no "ready" of its own
}

/** Closes a connection (see {@link OwnConnection.close}). */
export function shutdown(conn: OwnConnection): Promise<void> {
  return conn.close();
}

/** PUBSUB NUMSUB's reply (RESP2 `[channel, count, …]` or RESP3 map) as one count per channel, in order. */
function counts(reply: unknown, channels: readonly string[]): number[] {
  const found = new Map<string, number>();
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) found.set(String(reply[i]), Number(reply[i + 1]));
  } else if (reply instanceof Map) {
    for (const [channel, count] of reply) found.set(String(channel), Number(count));
  } else if (reply !== null && typeof reply === "object") {
    for (const [channel, count] of Object.entries(reply)) found.set(channel, Number(count));
  }
  // an unreadable answer counts as subscribed: only a clear 0 drops a peer
  return channels.map((channel) => found.get(channel) ?? 1);
}
