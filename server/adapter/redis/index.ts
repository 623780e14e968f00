/**
 * roomcast/redis: the cluster adapter over Redis (node-redis). Only the files of this folder import `redis`.
 *
 *   io.adapter(createAdapter(pubClient, subClient, opts))
 *
 * Transport (transport.ts): every message is XADDed to one capped stream (`<key>:stream`); each instance reads it
 * with a blocking XREAD from its own last id, so an instance whose connection was away a moment catches up on what it
 * missed. Messages that cannot be XADDed wait in the bounded outbox (cluster-hub.ts).
 *
 * The adapter never uses the given clients' connections: it `duplicate()`s them with its own reconnect strategy
 * (retry after 50, 100, … ms, capped at `reconnectMaxDelayMs`, never giving up) and `disableOfflineQueue`, and listens
 * to every client's "error" event, so a Redis failure is reported on the adapter's "error" event, never thrown.
 *
 * @module roomcast/redis
 */
import { ClusterAdapter } from "../cluster-adapter.js";
import type { AdapterHost } from "../types.js";
import { ClusterHub, resolveOptions, type ClusterOptions } from "../cluster-hub.js";
import { codedTypeError } from "../../../shared/errors.js";
import { requirePeer } from "../../optional-peer.js";
import { RedisTransport } from "./transport.js";
import type { RedisClientTemplate } from "./connections.js";

// `redis` is an optional peer dependency and this module uses only its types (the clients come from the app)
requirePeer("roomcast/redis", "redis", " (node-redis)");

export { ClusterAdapter } from "../cluster-adapter.js";
export { RequestTimeoutError } from "../cluster-requests.js";
export type { ClusterOptions } from "../cluster-hub.js";
export type { RedisClientTemplate, RedisClusterTemplate, RedisSingleTemplate } from "./connections.js";

/** Options of {@link createAdapter}. */
export interface RedisAdapterOptions extends ClusterOptions {
  /**
   * Prefix of every key and channel, so several apps can share one Redis.
   *
   * @defaultValue "roomcast"
   */
  key?: string;
  /**
   * Removed in 0.2: per-room pub/sub channels lost what was published while an instance was away. Passing `true`
   * throws `ERR_INVALID_OPTION`; the stream mode serves every setup, Redis Cluster included.
   *
   * @deprecated
   */
  sharded?: false;
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
  if ((opts as { sharded?: unknown }).sharded === true) {
    throw codedTypeError(
      "ERR_INVALID_OPTION",
      "roomcast/redis: the sharded mode was removed in 0.2 (its per-room pub/sub channels lost what was published while an instance was away); remove the `sharded` option: the stream mode keeps every message and runs on Redis Cluster too",
    );
  }
  const resolved = resolveOptions(opts);
  const transportOptions = {
    key: opts.key ?? "roomcast",
    maxStreamLength: opts.maxStreamLength ?? 10_000,
    readCount: opts.readCount ?? 256,
    reconnectMaxDelayMs: opts.reconnectMaxDelayMs ?? 200,
  };
  const hubs = new WeakMap<object, ClusterHub>();
  return (nsp) => {
    let hub = hubs.get(nsp.server);
    if (hub === undefined) {
      hub = new ClusterHub(() => new RedisTransport(pubClient, subClient ?? pubClient, transportOptions), resolved);
      hubs.set(nsp.server, hub);
    }
    return new ClusterAdapter(nsp, hub);
  };
}
