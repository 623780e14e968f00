/**
 * Types of the server-side Socket: the events it emits by itself, its default `data` type, typed listeners.
 */
import type { DisconnectReason } from "./reasons.js";

/** Events the server emits on a socket by itself. */
export interface SocketReservedEvents {
  disconnect: (reason: DisconnectReason, description?: unknown) => void;
  disconnecting: (reason: DisconnectReason, description?: unknown) => void;
  error: (err: Error) => void;
  /** The connection's outgoing buffer fell back under its soft mark after being above it (see README, Backpressure). */
  drain: () => void;
}

// `any` for SocketData's default, like socket.io, so untyped apps can write `socket.data.user = …`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type DefaultSocketData = any;

/** The listener type for event `Ev` of an event map (it may be async). */
export type ListenerOf<Map, Ev> = Ev extends keyof Map
  ? Map[Ev] extends (...args: infer P) => unknown
    ? (...args: P) => void | Promise<void>
    : never
  : never;
