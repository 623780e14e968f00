/**
 * The in-memory adapter: rooms of one server instance, and local delivery of broadcasts. It has socket.io-adapter's
 * public surface; a cluster adapter (roomcast/redis) extends it and only adds the inter-instance messaging.
 */
import { EventEmitter } from "node:events";
import { randomBytes } from "node:crypto";
import { PacketType, type Packet } from "../../shared/packet.js";
import { encodePacket } from "../../shared/encoder.js";
import { OutgoingFrames } from "../outgoing.js";
import { SessionStore } from "./session-store.js";
import type {
  AdapterHost,
  AdapterMember,
  BroadcastOptions,
  FetchedSocket,
  RestoredSession,
  Room,
  Session,
  SocketDetails,
  SocketId,
} from "./types.js";

export type { AdapterHost, AdapterMember, FetchedSocket } from "./types.js";
import { runAppCode } from "../app-code.js";
import type { ClusterAdapterStats } from "./cluster-metrics.js";

const EMPTY: ReadonlySet<Room> = new Set();

/**
 * The in-memory adapter: a namespace's rooms on one server instance, and local delivery of broadcasts. It has
 * socket.io-adapter's public surface; the cluster adapter of roomcast/redis extends it. Pass a subclass (or a
 * factory) as the `adapter` option to replace it.
 *
 * It works on two small interfaces of its own, {@link AdapterHost} (the namespace) and {@link AdapterMember} (a
 * socket), never on the Namespace or Socket classes: a broadcast only runs downward, and the room logic can be
 * tested with plain objects.
 *
 * Events: "create-room", "delete-room" `(room)`, "join-room", "leave-room" `(room, id)`.
 */
export class Adapter extends EventEmitter {
  /** The namespace whose rooms this adapter holds. */
  readonly nsp: AdapterHost;
  /** Room → ids of the local sockets in it. A socket's own id is a room too. */
  readonly rooms = new Map<Room, Set<SocketId>>();
  /** Socket id → the rooms it is in. */
  readonly sids = new Map<SocketId, Set<Room>>();
  readonly #sessions: SessionStore | undefined;

  /** Made by the namespace from the server's `adapter` option; a subclass gets the same argument. */
  constructor(nsp: AdapterHost) {
    super({ captureRejections: true }); // an async listener that rejects is reported (see nodejs.rejection below)
    this.nsp = nsp;
    const recovery = nsp.recovery;
    this.#sessions = recovery
      ? new SessionStore(recovery, randomBytes(4).toString("hex") + "-")
      : undefined;
  }

  /**
   * The adapter's events ("create-room", "join-room", "leave-room", "delete-room"; a cluster adapter's "peer:up",
   * "peer:down", "drop", "error") run app listeners in the middle of a join, a disconnect's cleanup or a timer: what
   * a listener throws is reported, never propagated into them.
   */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    try {
      return super.emit(event, ...args);
    } catch (err) {
      this.nsp.reportError(err, `adapter "${String(event)}" listener`);
      return true;
    }
  }

  /** Node calls this when an async listener rejects (captureRejections). */
  [Symbol.for("nodejs.rejection")](err: unknown, event: string | symbol): void {
    this.nsp.reportError(err, `adapter "${String(event)}" listener`);
  }

  /** Called once the adapter is attached to its namespace (cluster adapters subscribe here). */
  init(): Promise<void> {
    return Promise.resolve();
  }

  /** Called when the namespace or server closes. */
  close(): Promise<void> {
    this.#sessions?.close();
    return Promise.resolve();
  }

  /** How many server instances share these rooms (1 for the in-memory adapter). */
  serverCount(): Promise<number> {
    return Promise.resolve(1);
  }

  /** Adds a socket to room(s). */
  addAll(id: SocketId, rooms: Iterable<Room>): void | Promise<void> {
    let joined = this.sids.get(id);
    if (joined === undefined) {
      joined = new Set();
      this.sids.set(id, joined);
    }
    for (const room of rooms) {
      joined.add(room);
      let members = this.rooms.get(room);
      if (members === undefined) {
        members = new Set();
        this.rooms.set(room, members);
        this.emit("create-room", room);
      }
      if (!members.has(id)) {
        members.add(id);
        this.emit("join-room", room, id);
      }
    }
  }

  /** Removes a socket from a room. */
  del(id: SocketId, room: Room): void | Promise<void> {
    this.sids.get(id)?.delete(room);
    this.#removeFromRoom(room, id);
  }

  /** Removes a socket from all its rooms (on disconnection). */
  delAll(id: SocketId): void {
    const joined = this.sids.get(id);
    if (joined === undefined) return;
    for (const room of joined) this.#removeFromRoom(room, id);
    this.sids.delete(id);
  }

  #removeFromRoom(room: Room, id: SocketId): void {
    const members = this.rooms.get(room);
    if (members === undefined || !members.delete(id)) return;
    this.emit("leave-room", room, id);
    if (members.size === 0 && this.rooms.delete(room)) this.emit("delete-room", room);
  }

  /** Sends a packet to every matching local socket, encoded once. */
  broadcast(packet: Packet, opts: BroadcastOptions): void {
    this.#recordForRecovery(packet, opts);
    const frames = new OutgoingFrames(encodePacket(packet), opts.flags);
    this.apply(opts, (socket) => socket.deliver(frames, packet));
  }

  /**
   * Sends a packet that wants acks. `clientCountCallback` is told how many local sockets got it (cluster adapters
   * call it once per instance); `ack` runs once per response.
   */
  broadcastWithAck(
    packet: Packet,
    opts: BroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: (...args: unknown[]) => void,
    onGone?: () => void,
  ): void {
    const frames = new OutgoingFrames(encodePacket(packet), opts.flags);
    let count = 0;
    const id = packet.id!;
    this.apply(opts, (socket) => {
      count++;
      socket.expectAck(id, ack, onGone);
      socket.deliver(frames, packet);
    });
    clientCountCallback(count);
  }

  /** Ids of the local sockets in any of `rooms` (all when empty). */
  sockets(rooms: ReadonlySet<Room>): Promise<Set<SocketId>> {
    const ids = new Set<SocketId>();
    this.apply({ rooms }, (socket) => ids.add(socket.id));
    return Promise.resolve(ids);
  }

  /** Every room with at least one socket (on every instance, for a cluster adapter). */
  allRooms(): Promise<Set<Room>> {
    return Promise.resolve(new Set(this.rooms.keys()));
  }

  /** The rooms a local socket is in (undefined when unknown). */
  socketRooms(id: SocketId): Set<Room> | undefined {
    return this.sids.get(id);
  }

  /**
   * The sockets matching `opts`: the local ones, and (for a cluster adapter) the details of those on other instances,
   * which the BroadcastOperator turns into RemoteSocket objects.
   */
  fetchSockets(opts: BroadcastOptions): Promise<Array<FetchedSocket | SocketDetails>> {
    const found: FetchedSocket[] = [];
    this.apply(opts, (socket) => found.push(socket));
    return Promise.resolve(found);
  }

  /** Makes the sockets matching `opts` join room(s). */
  addSockets(opts: BroadcastOptions, rooms: Room[]): void | Promise<void> {
    this.apply(opts, (socket) => void socket.join(rooms));
  }

  /** Makes the sockets matching `opts` leave room(s). */
  delSockets(opts: BroadcastOptions, rooms: Room[]): void | Promise<void> {
    this.apply(opts, (socket) => {
      for (const room of rooms) void socket.leave(room);
    });
  }

  /** Disconnects the sockets matching `opts`; with `close`, their whole connections. */
  disconnectSockets(opts: BroadcastOptions, close: boolean): void | Promise<void> {
    this.apply(opts, (socket) => socket.disconnect(close));
  }

  /**
   * Emits an event to the other server instances. There are none here: a trailing ack callback is answered at
   * once with no responses.
   */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  serverSideEmit(packet: unknown[], _opts?: { timeout?: number }): void {
    const last = packet[packet.length - 1];
    if (typeof last !== "function") return;
    const callback = last as (err: Error | null, responses: unknown[]) => void;
    runAppCode(() => callback(null, []), (err) => this.nsp.reportError(err, "serverSideEmit ack callback"));
  }

  /** Keeps a disconnected session for connection state recovery. */
  persistSession(session: Session): void | Promise<void> {
    this.#sessions?.persist(session);
  }

  /** Takes back a kept session and the packets it missed after `offset`; null when it cannot be recovered. */
  restoreSession(pid: string, offset: string): Promise<RestoredSession | null> {
    return Promise.resolve(this.#sessions?.restore(pid, offset) ?? null);
  }

  /** A cluster adapter's figures (peers, outbox, drops, requests, broker); undefined for an adapter of one instance. */
  clusterStats(): ClusterAdapterStats | undefined {
    return undefined;
  }

  /** Number of sessions and logged packets kept for recovery (for tests and metrics). */
  get recoveryBacklog(): { sessions: number; packets: number } {
    return { sessions: this.#sessions?.sessionCount ?? 0, packets: this.#sessions?.packetCount ?? 0 };
  }

  /** Called by the namespace once a restored session's missed packets are written (a cluster adapter buffers until then). */
  sessionRestored(sid: SocketId): void {
    void sid;
  }

  /** Appends the recovery offset to ack-less EVENT broadcasts (socket.io does the same for non-volatile ones). */
  #recordForRecovery(packet: Packet, opts: BroadcastOptions): void {
    if (this.#sessions === undefined) return;
    if (packet.type !== PacketType.EVENT || packet.id !== undefined) return;
    const data = packet.data as unknown[];
    data.push(this.recoveryOffset(data, opts));
  }

  /**
   * The recovery offset of an ack-less EVENT broadcast now (recovery on): the in-memory store logs the packet and
   * returns its offset; a cluster adapter returns a cluster-wide one (the packet is in its broker).
   */
  protected recoveryOffset(data: unknown[], opts: BroadcastOptions): string {
    const store = this.#sessions!;
    // Volatile packets are not logged for replay, but they carry the newest offset too: every ack-less EVENT from a
    // recovering server then ends with an offset, so a client never mistakes an app's trailing string for one.
    const latest = opts.flags?.volatile ? store.latestOffset : undefined;
    return latest ?? store.record(data, opts);
  }

  /** Calls `fn` once for every local socket matching `opts` (a socket in several target rooms counts once). */
  apply(opts: Pick<BroadcastOptions, "rooms" | "except">, fn: (socket: AdapterMember) => void): void {
    const rooms = opts.rooms;
    const except = this.#exceptSids(opts.except ?? EMPTY);
    const sockets = this.nsp.sockets;
    if (rooms.size === 0) {
      for (const [id, socket] of sockets) if (!except.has(id)) fn(socket);
      return;
    }
    if (rooms.size === 1) {
      const [room] = rooms;
      const members = this.rooms.get(room!);
      if (members === undefined) return;
      for (const id of members) {
        if (except.has(id)) continue;
        const socket = sockets.get(id);
        if (socket !== undefined) fn(socket);
      }
      return;
    }
    const seen = new Set<SocketId>();
    for (const room of rooms) {
      const members = this.rooms.get(room);
      if (members === undefined) continue;
      for (const id of members) {
        if (seen.has(id) || except.has(id)) continue;
        seen.add(id);
        const socket = sockets.get(id);
        if (socket !== undefined) fn(socket);
      }
    }
  }

  #exceptSids(except: ReadonlySet<Room>): ReadonlySet<SocketId> {
    if (except.size === 0) return EMPTY;
    const ids = new Set<SocketId>();
    for (const room of except) {
      const members = this.rooms.get(room);
      if (members !== undefined) for (const id of members) ids.add(id);
    }
    return ids;
  }
}

/**
 * An adapter class or factory, as accepted by the `adapter` option and `io.adapter()`: called with the namespace (an
 * {@link AdapterHost}) whose rooms it will hold.
 */
export type AdapterConstructor = (new (nsp: AdapterHost) => Adapter) | ((nsp: AdapterHost) => Adapter);
