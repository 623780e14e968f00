/** Why a server-side socket disconnected: socket.io's reason strings, plus roomcast's own (documented in README). */
export const DisconnectReason = {
  /** The connection failed (e.g. a WebSocket error). */
  TRANSPORT_ERROR: "transport error",
  /** The connection was closed by the client or the network (e.g. the page was closed). */
  TRANSPORT_CLOSE: "transport close",
  /** The server closed the Engine.IO connection itself (e.g. `socket.conn.close()`). */
  FORCED_CLOSE: "forced close",
  /** The client did not answer a ping within `pingTimeout`. */
  PING_TIMEOUT: "ping timeout",
  /** The client sent a packet that could not be decoded, or broke a limit (e.g. `maxNamespacesPerConnection`). */
  PARSE_ERROR: "parse error",
  /** `io.close()` was called. */
  SERVER_SHUTTING_DOWN: "server shutting down",
  /**
   * The server closed the session because the client broke the protocol's sequence (an EVENT for a namespace it
   * has not joined, a second CONNECT), as socket.io does.
   */
  FORCED_SERVER_CLOSE: "forced server close",
  /** The client left the namespace (`socket.disconnect()` on the client). */
  CLIENT_NAMESPACE_DISCONNECT: "client namespace disconnect",
  /** The server removed the socket from the namespace (`socket.disconnect()`). */
  SERVER_NAMESPACE_DISCONNECT: "server namespace disconnect",
  /** roomcast: too many events refused by `eventRateLimit` within its window (the client gets a DISCONNECT). */
  RATE_LIMITED: "rate limited",
  /**
   * roomcast: the client did not read fast enough — its outgoing buffer reached `maxBufferedBytes` or
   * `maxBufferedPackets` — and the connection was closed without waiting for it (the client sees a transport close).
   */
  TRANSPORT_BUFFER_FULL: "transport buffer full",
} as const;
export type DisconnectReason = (typeof DisconnectReason)[keyof typeof DisconnectReason];

/** Reasons after which a session is kept for connection state recovery (as socket.io). */
export const RECOVERABLE_REASONS: ReadonlySet<string> = new Set([
  DisconnectReason.TRANSPORT_ERROR,
  DisconnectReason.TRANSPORT_CLOSE,
  DisconnectReason.FORCED_CLOSE,
  DisconnectReason.PING_TIMEOUT,
  DisconnectReason.SERVER_SHUTTING_DOWN,
  DisconnectReason.FORCED_SERVER_CLOSE,
  DisconnectReason.TRANSPORT_BUFFER_FULL,
]);

/** Event names reserved on namespaces: not usable with `serverSideEmit`, never dispatched from another instance. */
export const NAMESPACE_RESERVED_EVENTS: ReadonlySet<string> = new Set(["connect", "connection", "new_namespace"]);
