/** Types of the adapter seam: what a namespace asks of the component that knows rooms (and, in a cluster, peers). */
export type Room = string;
export type SocketId = string;

export interface BroadcastFlags {
  /** Drop the packet for sockets whose transport is not writable right now. */
  volatile?: boolean;
  /** Per-message compression (engine.io `compress` option). */
  compress?: boolean;
  /** Only this server instance: do not forward to the cluster. */
  local?: boolean;
  /** Ack timeout in ms for broadcasts that want acknowledgements. */
  timeout?: number;
}

export interface BroadcastOptions {
  /** Target rooms; empty means every socket of the namespace. */
  rooms: ReadonlySet<Room>;
  /** Rooms (or socket ids) to leave out. */
  except?: ReadonlySet<Room>;
  flags?: BroadcastFlags;
}

/** What `persistSession` stores and `restoreSession` gives back. */
export interface Session {
  sid: SocketId;
  pid: string;
  rooms: Room[];
  data: unknown;
}

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
