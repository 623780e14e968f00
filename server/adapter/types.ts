/**
 * Types of the adapter seam: what a namespace asks of the component that knows rooms (and, in a cluster, peers), and
 * the two small interfaces the adapter works on — {@link AdapterHost} (the namespace it serves) and
 * {@link AdapterMember} (a socket it can write to) — so that it never needs the Namespace or Socket classes above it.
 */
import type { Packet } from "../../shared/packet.js";
import type { Handshake } from "../handshake.js";
import type { OutgoingFrames } from "../outgoing.js";

/** A room's name. */
export type Room = string;
/** A socket's id (also the name of the socket's own room). */
export type SocketId = string;

/** Modifiers of a broadcast, set by `volatile`, `compress()`, `local` and `timeout()`. */
export interface BroadcastFlags {
  /** Drop the packet for sockets whose transport is not writable right now. */
  volatile?: boolean;
  /** Per-message compression (engine.io `compress` option). */
  compress?: boolean;
  /** Only this server instance: do not forward to the cluster. */
  local?: boolean;
  /** Ack timeout in ms for broadcasts that want acknowledgements. */
  timeout?: number;
  /** One target socket (RemoteSocket.emit): its ack callback gets one response, not an array (as socket.io). */
  expectSingleResponse?: boolean;
}

/** Which sockets a broadcast reaches, and how. */
export interface BroadcastOptions {
  /** Target rooms; empty means every socket of the namespace. */
  rooms: ReadonlySet<Room>;
  /** Rooms (or socket ids) to leave out. */
  except?: ReadonlySet<Room>;
  /** Modifiers (volatile, compress, local, timeout). */
  flags?: BroadcastFlags;
  /**
   * A `socket.emit()` routed through the adapter (connection state recovery logs it): for this socket alone, where
   * `io.to(id).emit()` also reaches the sockets of other instances in a room of that name. Adapters may ignore it.
   */
  own?: boolean;
}

/** What `persistSession` stores and `restoreSession` gives back. */
export interface Session {
  /** The socket id, kept across recovery. */
  sid: SocketId;
  /** The private session id the client presents to recover. */
  pid: string;
  /** The rooms the socket was in. */
  rooms: Room[];
  /** The socket's `data`. */
  data: unknown;
}

/** A session found by `restoreSession`, with the packets its socket missed. */
export interface RestoredSession extends Session {
  /** The EVENT payloads (`[name, ...args, offset]`) the socket missed while it was away. */
  missedPackets: unknown[][];
}

/** Events an adapter emits. */
export interface AdapterEvents {
  "create-room": [room: Room];
  "delete-room": [room: Room];
  "join-room": [room: Room, id: SocketId];
  "leave-room": [room: Room, id: SocketId];
  error: [err: Error];
}

/** What a cluster adapter sends about a socket living on another instance (`fetchSockets`). */
export interface SocketDetails<SocketData = unknown> {
  /** The socket's id. */
  id: SocketId;
  /** The socket's handshake. */
  handshake: Handshake;
  /** The rooms the socket is in. */
  rooms: Room[];
  /** The socket's `data`. */
  data: SocketData;
}

/** What `fetchSockets` yields: a local socket, or (in a cluster) a RemoteSocket with the same read/act surface. */
export interface FetchedSocket {
  /** The socket's id. */
  readonly id: SocketId;
  /** The socket's handshake. */
  readonly handshake: Handshake;
  /** The rooms the socket is in. */
  readonly rooms: Set<Room>;
  /** The socket's `data`. */
  readonly data: unknown;
  /** Emits to the socket. */
  emit(ev: string, ...args: unknown[]): boolean;
  /** Makes the socket join room(s). */
  join(room: Room | Room[]): Promise<void> | void;
  /** Makes the socket leave a room. */
  leave(room: Room): Promise<void> | void;
  /** Disconnects the socket; with `close`, its whole connection. */
  disconnect(close?: boolean): unknown;
}

/**
 * A local socket as the adapter sees it: something it can write an encoded broadcast to, register a broadcast's ack
 * on, and act on (`socketsJoin`, `disconnectSockets`…). The server's Socket implements it.
 */
export interface AdapterMember extends FetchedSocket {
  /** The private session id of connection state recovery (undefined when recovery is off). */
  readonly pid?: string | undefined;
  /** Writes a broadcast packet, already encoded, to this client. */
  deliver(frames: OutgoingFrames, packet: Packet): void;
  /** Registers the ack of a broadcast; `onGone` runs if the socket disconnects before answering. */
  expectAck(id: number, fn: (...args: unknown[]) => void, onGone?: () => void): void;
  /** Forgets the ack of a broadcast that timed out. */
  dropAck(id: number): void;
}

/**
 * The namespace an adapter serves, as the adapter sees it: its name, its local sockets, and the few services the
 * adapter needs from it. The server's Namespace implements it; a test can pass a plain object.
 */
export interface AdapterHost {
  /** The namespace's name, e.g. "/chat". */
  readonly name: string;
  /** The namespace's local sockets, by id. */
  readonly sockets: ReadonlyMap<SocketId, AdapterMember>;
  /** The server the namespace belongs to: one identity shared by all its namespaces (a cluster adapter keys on it). */
  readonly server: object;
  /** Connection state recovery's limits; undefined when recovery is off. */
  readonly recovery: SessionStoreOptions | undefined;
  /** The next ack id for packets of this namespace. */
  nextAckId(): number;
  /** An event another instance sent with `serverSideEmit` (cluster adapters call it). */
  onServerSideEmit(args: unknown[]): void;
  /** Reports an error from app code or the adapter (the server's `onError`, or the log). Never throws. */
  reportError(err: unknown, context: string): void;
}

/** The store's limits (from the `connectionStateRecovery` option). */
export interface SessionStoreOptions {
  /** How long a disconnected session (and the packets it may miss) is kept, in ms. */
  maxDisconnectionDuration: number;
  /** Most packets kept in the log; older ones are dropped first (a client that missed more is not recovered). */
  maxPackets: number;
}
