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
  recoveryPackets: number;
  /** Sockets with an `eventRateLimit` bucket. */
  rateLimitBuckets: number;
  /** Client addresses counted by `maxConnectionsPerAddress`. */
  trackedAddresses: number;
  /** True once `close()` was called. */
  closing: boolean;
}
