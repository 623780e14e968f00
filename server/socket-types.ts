/**
 * Types of the server-side Socket: the events it emits by itself, its default `data` type, typed listeners.
 */
import type { DisconnectReason } from "./reasons.js";

/** Events the server emits on a socket by itself. */
export interface SocketReservedEvents {
  /**
   * The socket left the namespace, with the reason (see {@link DisconnectReason}); its rooms are already left.
   * `description`: what the transport or the protocol error says (an Error, or engine.io's details), untyped as in
   * socket.io.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  disconnect: (reason: DisconnectReason, description?: any) => void;
  /** The socket is about to leave: `socket.rooms` still lists its rooms. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  disconnecting: (reason: DisconnectReason, description?: any) => void;
  /** An error from a per-packet middleware, or one thrown by a handler of this socket (when this listener exists). */
  error: (err: Error) => void;
  /** The connection's outgoing buffer fell back under its soft mark after being above it (see README, Backpressure). */
  drain: () => void;
}

// `any` for SocketData's default, like socket.io, so untyped apps can write `socket.data.user = …`.
/** The type of `socket.data` when none is given: `any`, like socket.io. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type DefaultSocketData = any;

/**
 * The listener type for event `Ev` of an event map. It returns `void`, so any function fits (one that returns a value,
 * or an async one: a rejection is reported to `onError` / the socket's "error" listeners).
 */
export type ListenerOf<Map, Ev> = Ev extends keyof Map
  ? Map[Ev] extends (...args: infer P) => unknown
    ? (...args: P) => void
    : never
  : never;
