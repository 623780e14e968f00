import type { Server as EngineServer } from "engine.io";
import type { InflightAcks } from "./inflight.js";
import type { Adapter } from "./adapter/adapter.js";
import type { AddressCounter, EventRateLimiter } from "./rate-limit.js";
import type { ClusterAdapterStats } from "./adapter/cluster-metrics.js";

/** `io.stats()`: read-only counts of the server's internal tables (metrics, leak checks, the soak test). */
export interface ServerStats {
  /** Open Engine.IO sessions (engine.io's `clientsCount`, the size of its `clients` table). */
  engineClients: number;
  /** Namespaces that exist (the main one included). */
  namespaces: number;
  /** Connected sockets, summed over namespaces (`nsp.sockets`). */
  sockets: number;
  /** Entries of the adapters' `rooms` maps (a socket's own room counts), summed over namespaces. */
  rooms: number;
  /** Entries of the adapters' `sids` maps, summed over namespaces. */
  sids: number;
  /** Acks the server waits for from clients (`emit(…, cb)`, `emitWithAck`, broadcasts with acks). */
  acksAwaited: number;
  /** Acks clients wait for from handlers that have not called their ack function yet. */
  acksOwed: number;
  /** Disconnected sessions kept for connection state recovery, and packets logged for replay. */
  recoverySessions: number;
  /** Packets logged for replay to recovering sessions. */
  recoveryPackets: number;
  /** Sockets with an `eventRateLimit` bucket. */
  rateLimitBuckets: number;
  /** Client addresses counted by `maxConnectionsPerAddress`. */
  trackedAddresses: number;
  /** True once `close()` was called. */
  closing: boolean;
  /**
   * Namespace name → its cluster adapter's figures (`adapter.clusterStats()`: peers, outbox, drops, requests,
   * broker); empty with the in-memory adapter.
   */
  cluster: Record<string, ClusterAdapterStats>;
}

/** Counts the tables behind `io.stats()`. */
export function countStats(
  engine: EngineServer | undefined,
  namespaces: ReadonlyMap<string, { readonly sockets: { readonly size: number }; readonly adapter: Adapter }>,
  inflight: InflightAcks,
  rateLimiter: EventRateLimiter | undefined,
  addresses: AddressCounter | undefined,
  closing: boolean,
): ServerStats {
  const stats: ServerStats = {
    engineClients: engine?.clientsCount ?? 0,
    namespaces: namespaces.size,
    sockets: 0,
    rooms: 0,
    sids: 0,
    acksAwaited: inflight.awaited,
    acksOwed: inflight.owed,
    recoverySessions: 0,
    recoveryPackets: 0,
    rateLimitBuckets: rateLimiter?.size ?? 0,
    trackedAddresses: addresses?.size ?? 0,
    closing,
    cluster: {},
  };
  for (const [name, nsp] of namespaces) {
    stats.sockets += nsp.sockets.size;
    stats.rooms += nsp.adapter.rooms.size;
    stats.sids += nsp.adapter.sids.size;
    const backlog = nsp.adapter.recoveryBacklog;
    stats.recoverySessions += backlog.sessions;
    stats.recoveryPackets += backlog.packets;
    const cluster = nsp.adapter.clusterStats();
    if (cluster !== undefined) stats.cluster[name] = cluster;
  }
  return stats;
}
