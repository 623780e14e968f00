/**
 * Types of the server-side Socket: the events it emits by itself, its default `data` type, typed listeners.
 */
import type { EventEmitter } from "node:events";
import type { Adapter } from "./adapter/adapter.js";
import type { SocketId } from "./adapter/types.js";
import type { ProxyTrust } from "./client-address.js";
import type { InflightAcks } from "./inflight.js";
import type { EventRateLimiter } from "./rate-limit.js";
import type { DisconnectReason } from "./reasons.js";
import type { Upward } from "./upward.js";

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

/**
 * What a socket needs from its namespace, given when the namespace creates it (the Namespace implements it): the
 * socket reaches for nothing above it.
 */
export interface SocketContext<L extends object, E extends object, S extends object, D> {
  /** The namespace as the app sees it (`socket.nsp`). */
  readonly namespace: Upward<L, E, S, D>["namespace"];
  /** The namespace's name. */
  readonly name: string;
  /** The namespace's adapter (its rooms). */
  readonly adapter: Adapter;
  /** Whether connection state recovery is on. */
  readonly recovers: boolean;
  /** The compiled `trustProxy` option (the handshake's address). */
  readonly trustProxy: ProxyTrust;
  /** The `eventRateLimit` buckets (undefined when off). */
  readonly rateLimiter: EventRateLimiter | undefined;
  /** The server's count of acks in flight (graceful shutdown, stats). */
  readonly inflight: InflightAcks;
  /** The next ack id for packets of this namespace. */
  nextAckId(): number;
  /** The socket left the namespace. */
  remove(socket: { readonly id: SocketId }): void;
  /** Reports an error: to `socket`'s "error" listeners when it has some, else the server's `onError` / log. */
  reportError(err: unknown, context: string, socket?: EventEmitter): void;
}
