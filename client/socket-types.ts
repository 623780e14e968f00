/**
 * Types of the client Socket: its disconnect reasons and details, the `connect_error` it emits, its reserved events.
 */
import type { WithTimeoutAck } from "../shared/typed-events.js";

/** Why a socket was disconnected (socket.io's reasons); also named `Socket.DisconnectReason`, as in socket.io-client. */
export type DisconnectReason =
  | "io server disconnect"
  | "io client disconnect"
  | "ping timeout"
  | "transport close"
  | "transport error"
  | "parse error";

/** Details of a low-level disconnection (an Error, or what the transport knows). */
export type DisconnectDescription = Error | { description: string; context?: unknown } | undefined;

/** What `connect_error` listeners get: a middleware refusal carries the server's `data`. */
export interface ConnectError extends Error {
  /** What the server's middleware passed as `err.data` (JSON from the server, untyped as in socket.io-client). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data?: any;
}

/** Events a client Socket emits by itself. */
export interface SocketReservedEvents {
  /** The socket joined its namespace (also after each reconnection). */
  connect: () => void;
  /** Joining failed: a middleware refused it (`err.data` holds its data), or the connection failed. */
  connect_error: (err: ConnectError) => void;
  /**
   * The socket left its namespace; it reconnects by itself unless the reason is "io server disconnect" or
   * "io client disconnect".
   */
  disconnect: (reason: DisconnectReason, description?: DisconnectDescription) => void;
}

/** Emit signatures after `.timeout()`: typed maps get `(err, ...ackArgs)` callbacks; untyped ones stay untyped. */
export type TimeoutEvents<Map> = string extends keyof Map ? Map : WithTimeoutAck<Map>;
