/**
 * The codes of the codec's refusals (a {@link ProtocolError}'s `code`), part of {@link ErrorCode}. The browser
 * bundle's decoder writes them as string literals, so this table stays out of it.
 */
export const ProtocolErrorCode = {
  /** The first character is not a known packet type. */
  UNKNOWN_TYPE: "ERR_UNKNOWN_TYPE",
  /** The attachment count of a binary packet is missing, not a positive integer or not followed by "-". */
  BAD_ATTACHMENTS: "ERR_BAD_ATTACHMENTS",
  /** More attachments announced than the decoder's `maxAttachments` cap. */
  TOO_MANY_ATTACHMENTS: "ERR_TOO_MANY_ATTACHMENTS",
  /** A placeholder points outside the attachments received, or is malformed. */
  BAD_PLACEHOLDER: "ERR_BAD_PLACEHOLDER",
  /** The namespace is not of the form "/name" or is too long. */
  BAD_NAMESPACE: "ERR_BAD_NAMESPACE",
  /** The ack id is not an integer in [0, 2^31 - 1]. */
  BAD_ACK_ID: "ERR_BAD_ACK_ID",
  /** The JSON payload does not parse. */
  BAD_JSON: "ERR_BAD_JSON",
  /**
   * The payload has the wrong shape for the packet type (e.g. an event that is not a non-empty array). Also the
   * client's `connect_error` for a CONNECT answer without a session id ("invalid CONNECT answer (is the server
   * Socket.IO v3+?)", a plain RoomcastError).
   */
  BAD_PAYLOAD: "ERR_BAD_PAYLOAD",
  /** A binary frame arrived while no binary packet was awaiting attachments. */
  UNEXPECTED_BINARY: "ERR_UNEXPECTED_BINARY",
  /** A text frame arrived while a binary packet was still awaiting attachments. */
  UNEXPECTED_TEXT: "ERR_UNEXPECTED_TEXT",
  /** The payload nests deeper than the decoder allows. */
  TOO_DEEP: "ERR_TOO_DEEP",
} as const;
/** A code of the codec's refusals. */
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/** The codes of the WebSocket engine's failures (a WebSocketProtocolError's `code`), part of {@link ErrorCode}. */
export const WebSocketErrorCode = {
  /** An RSV bit is set but no extension was negotiated (1002). */
  WS_RSV_BITS: "ERR_WS_RSV_BITS",
  /** A client frame without a mask (1002). */
  WS_UNMASKED: "ERR_WS_UNMASKED",
  /** An opcode RFC 6455 does not define (1002). */
  WS_UNKNOWN_OPCODE: "ERR_WS_UNKNOWN_OPCODE",
  /** A close, ping or pong frame with FIN clear, or with a payload over 125 bytes (1002). */
  WS_BAD_CONTROL_FRAME: "ERR_WS_BAD_CONTROL_FRAME",
  /** A continuation frame with no message to continue, or a new message before the fragmented one ended (1002). */
  WS_BAD_CONTINUATION: "ERR_WS_BAD_CONTINUATION",
  /** A message (all its fragments together) over maxPayload, or a 64-bit length over 2^53 - 1 (1009). */
  WS_TOO_BIG: "ERR_WS_TOO_BIG",
  /** A message in more than `maxFragments` frames (1008). */
  WS_TOO_MANY_FRAGMENTS: "ERR_WS_TOO_MANY_FRAGMENTS",
  /** A text message or a close reason that is not valid UTF-8 (1007). */
  WS_INVALID_UTF8: "ERR_WS_INVALID_UTF8",
  /** A close frame with a 1-byte payload or a close code that may not be sent (1002). */
  WS_BAD_CLOSE_FRAME: "ERR_WS_BAD_CLOSE_FRAME",
  /** The connection's outgoing buffer is over its bound (no close frame: the TCP socket is destroyed). */
  WS_OUTGOING_BUFFER_FULL: "ERR_WS_OUTGOING_BUFFER_FULL",
} as const;
/** A code of the WebSocket engine's failures. */
export type WebSocketErrorCode = (typeof WebSocketErrorCode)[keyof typeof WebSocketErrorCode];

/**
 * Every stable code an error raised by roomcast carries in `err.code`, over every layer (docs/limits-and-errors.md has
 * the table: code, layer, when, message). Messages are for humans and may be socket.io's own; codes are what to match.
 * Errors roomcast only passes on keep their own shape (a value app code throws, engine.io-client's transport errors,
 * a Redis client's errors, Node's `ERR_SERVER_NOT_RUNNING`).
 *
 * Code that runs in the browser bundle writes the codes as string literals (checked against the {@link ErrorCode}
 * type), so these tables stay out of it.
 */
// built by a call marked pure, not a spread, so that a bundle that does not use it drops it (and the tables above)
export const ErrorCode = /* @__PURE__ */ Object.assign({}, ProtocolErrorCode, WebSocketErrorCode, {
  // the codec's (shared/decoder.ts: a ProtocolError, the connection closed with reason "parse error") and the
  // WebSocket engine's (server/engine/websocket/: a WebSocketProtocolError, the connection failed) come from the
  // two tables above
  /** A send on a WebSocket that is not open: its callback gets this error ("WebSocket is not open: readyState N"). */
  WS_NOT_OPEN: "ERR_WS_NOT_OPEN",

  // ---- HTTP (engine.io middlewares): the request is refused with a status, the error goes to engine.io ----------
  /** The page's Origin is not allowed (403 "Forbidden"). */
  ORIGIN_REFUSED: "ERR_ORIGIN_REFUSED",
  /** `maxConnectionsPerAddress` reached (429 "too many connections"). */
  TOO_MANY_CONNECTIONS: "ERR_TOO_MANY_CONNECTIONS",
  /** Too many long-polling sessions over one HTTP connection (429 "too many sessions on one connection"). */
  TOO_MANY_SESSIONS: "ERR_TOO_MANY_SESSIONS",
  /** A new session while `io.close()` is in progress (503 "server shutting down"). */
  SHUTTING_DOWN: "ERR_SHUTTING_DOWN",

  // ---- connection and sockets (both sides) ---------------------------------------------------------------------
  /** A CONNECT past `maxNamespacesPerConnection`: the connection is closed ("parse error"). */
  TOO_MANY_NAMESPACES: "ERR_TOO_MANY_NAMESPACES",
  /** `emit` of a reserved event name ("connect", "disconnect", …): thrown, as socket.io does. */
  RESERVED_EVENT: "ERR_RESERVED_EVENT",
  /** An ack still pending when its socket disconnected ("socket has been disconnected", socket.io's message). */
  SOCKET_DISCONNECTED: "ERR_SOCKET_DISCONNECTED",
  /** No ack within `timeout(ms)` / `ackTimeout` ("operation has timed out", socket.io's message). */
  ACK_TIMEOUT: "ERR_ACK_TIMEOUT",

  // ---- client --------------------------------------------------------------------------------------------------
  /** The connection did not open within the Manager's `timeout` ("timeout", socket.io-client's message). */
  CONNECT_TIMEOUT: "ERR_CONNECT_TIMEOUT",
  /** The server refused the namespace: a middleware's `next(err)` (`err.data` kept) or "Invalid namespace". */
  CONNECT_REFUSED: "ERR_CONNECT_REFUSED",
  /**
   * An emit dropped unsent: its error-first ack gets this error; the message says why: "volatile packet discarded"
   * (a volatile emit that could not be written at once), "offline buffer full" (`maxBufferedPackets`,
   * `bufferOverflow`), "send buffer cleared" (`clearSendBuffer()`).
   */
  EMIT_DROPPED: "ERR_EMIT_DROPPED",

  // ---- options (server): a TypeError or RangeError from the constructor, as before -------------------------------
  /** An option with a value of the wrong type or out of range. */
  INVALID_OPTION: "ERR_INVALID_OPTION",

  // ---- cluster adapter (roomcast/redis, ClusterAdapter) --------------------------------------------------------
  /**
   * Some live instances did not answer a cluster request within `requestsTimeout` or `timeout(ms)` (a
   * RequestTimeoutError, message `timeout reached: missing <n> responses` as socket.io's).
   */
  CLUSTER_REQUEST_TIMEOUT: "ERR_CLUSTER_REQUEST_TIMEOUT",
  /** A cluster request still pending when the adapter closed. */
  ADAPTER_CLOSED: "ERR_ADAPTER_CLOSED",
  /** A message from the broker that does not decode: dropped and reported (a MalformedMessageError). */
  MALFORMED_CLUSTER_MESSAGE: "ERR_MALFORMED_CLUSTER_MESSAGE",
  /** A publish after the transport closed. */
  TRANSPORT_CLOSED: "ERR_TRANSPORT_CLOSED",
  /** A socket recovered across instances missed packets: more than `maxPackets` were broadcast to it before it joined its rooms. */
  RECOVERY_INCOMPLETE: "ERR_RECOVERY_INCOMPLETE",

  // ---- packaging -----------------------------------------------------------------------------------------------
  /** roomcast/redis or roomcast/admin-ui loaded without its optional peer package (`cause`: Node's MODULE_NOT_FOUND). */
  MISSING_PEER: "ERR_MISSING_PEER",
} as const);

/** A stable code of an error roomcast raises (`err.code`). */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
