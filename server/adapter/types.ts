/** Types of the adapter seam: what a namespace asks of the component that knows rooms (and, in a cluster, peers). */
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
