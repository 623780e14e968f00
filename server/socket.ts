/**
 * A server-side socket: one client connected to one namespace. Same surface as socket.io's Socket.
 */
import type { IncomingMessage } from "node:http";
import { PacketType, RESERVED_EVENTS, type Packet } from "../shared/packet.js";
import type {
  AckResult,
  DefaultEventsMap,
  EventNames,
  EventNamesWithAck,
  EventParams,
  EventParamsWithoutAck,
  WithTimeoutAck,
} from "../shared/typed-events.js";
import type { Adapter } from "./adapter/adapter.js";
import type { BroadcastFlags, Room, SocketId } from "./adapter/types.js";
import { BroadcastOperator } from "./broadcast.js";
import { NO_FLAGS, type Client } from "./client.js";
import { buildHandshake, type Handshake } from "./handshake.js";
import type { OutgoingFrames } from "./outgoing.js";
import { DisconnectReason, RECOVERABLE_REASONS } from "./reasons.js";
import { markErrorFirst } from "../shared/ack-table.js";
import { RoomcastError } from "../shared/errors.js";
import type { Upward } from "./upward.js";
import type { AnyListener } from "../shared/any-listeners.js";
import { runAppCode } from "./app-code.js";
import { randomId } from "./ids.js";
import { SocketIncoming } from "./socket-incoming.js";
import type { DefaultSocketData, SocketContext } from "./socket-types.js";

export type { DisconnectReason };
export type { DefaultSocketData, SocketContext, SocketReservedEvents } from "./socket-types.js";
export type { PacketMiddleware } from "./packet-middleware.js";

/**
 * A server-side socket: one client connected to one namespace. Same API as socket.io's `Socket`.
 *
 * @example
 * ```ts
 * io.on("connection", (socket) => {
 *   socket.on("join", async (room: string, ack: (ok: boolean) => void) => {
 *     await socket.join(room);
 *     socket.to(room).emit("joined", socket.id);
 *     ack(true);
 *   });
 *   socket.on("disconnect", (reason) => console.log(socket.id, reason));
 * });
 * ```
 */
export class Socket<
  ListenEvents extends object = DefaultEventsMap,
  EmitEvents extends object = ListenEvents,
  ServerSideEvents extends object = DefaultEventsMap,
  SocketData = DefaultSocketData,
> extends SocketIncoming<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
  /** Random session id (never the Engine.IO id, which is sensitive). Also the name of the socket's own room. */
  readonly id: SocketId;
  /** Whether the socket is connected to its namespace. */
  connected = false;
  /** True when this socket is a recovered session (same id, rooms, data; missed packets delivered). */
  readonly recovered: boolean;
  /** @internal private session id used for connection state recovery */
  readonly pid: string | undefined;

  /** Set while onclose runs, so that a "disconnecting" handler calling disconnect() does not re-enter it. */
  #closing = false;
  /** Flags for the next emit (timeout, volatile, compress); undefined when none are set (no object per socket). */
  #flags: BroadcastFlags | undefined;
  /** `handshake` and `data` are built on first read (most apps read neither for most sockets): until then, the
   * CONNECT payload and the creation time are all that is kept. */
  #handshake: Handshake | undefined;
  readonly #auth: Record<string, unknown>;
  readonly #issued = Date.now();
  #data: SocketData | undefined;

  /** @internal */
  constructor(
    context: SocketContext<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    client: Client,
    auth: Record<string, unknown>,
    previous?: { sid: string; pid: string; data: unknown },
  ) {
    super(context, client);
    this.#auth = auth;
    if (previous) {
      this.id = previous.sid;
      this.pid = previous.pid;
      this.#data = previous.data as SocketData;
      this.recovered = true;
    } else {
      this.id = randomId();
      this.pid = context.recovers ? randomId() : undefined;
      this.recovered = false;
    }
  }

  /** The namespace this socket is connected to. */
  get nsp(): Upward<ListenEvents, EmitEvents, ServerSideEvents, SocketData>["namespace"] {
    return this.context.namespace;
  }

  /** The first request of the session and the CONNECT payload (`auth`), as socket.io presents them. */
  get handshake(): Handshake {
    return (this.#handshake ??= buildHandshake(this.request, this.client.remoteAddress, this.#auth, this.context.trustProxy, this.#issued));
  }

  /** Free-form data, shared with other instances by fetchSockets() and kept across recovery. */
  get data(): SocketData {
    return (this.#data ??= {} as SocketData);
  }

  /** Replaces the socket's data. */
  set data(value: SocketData) {
    this.#data = value;
  }

  /** The namespace's adapter. */
  get adapter(): Adapter {
    return this.context.adapter;
  }

  /** The Engine.IO socket. */
  get conn(): Client["conn"] {
    return this.client.conn;
  }

  /** The first HTTP request of the session (kept by engine.io; roomcast keeps no copy). */
  get request(): IncomingMessage {
    return this.client.conn.request;
  }

  /** Whether the socket is not (or no longer) connected. */
  get disconnected(): boolean {
    return !this.connected;
  }

  /** Bytes written to this client that it has not received yet (its connection's, shared by its namespaces). */
  get bufferedAmount(): number {
    return this.client.bufferedAmount;
  }

  /** Packets waiting for the transport on this client's connection (e.g. a polling client that has not polled). */
  get bufferedPackets(): number {
    return this.client.bufferedPackets;
  }

  /** The rooms the socket is in, its own id included (a copy). */
  get rooms(): Set<Room> {
    return new Set(this.adapter.socketRooms(this.id) ?? []);
  }

  // ---- emitting -----------------------------------------------------------------------------------------------

  /** Sends an event to this client. A trailing function is the ack callback. Throws on a reserved event name. */
  override emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    if (RESERVED_EVENTS.has(ev)) throw new RoomcastError("ERR_RESERVED_EVENT", `"${ev}" is a reserved event name`);
    const data: unknown[] = [ev, ...args];
    const flags = this.#flags ?? NO_FLAGS;
    this.#flags = undefined;
    const packet: Packet = { type: PacketType.EVENT, nsp: this.context.name, data };
    const last = data[data.length - 1];
    if (typeof last === "function") {
      data.pop();
      packet.id = this.context.nextAckId();
      this.acks.add(packet.id, last as AnyListener, flags.timeout, flags.timeout !== undefined);
    }
    if (this.#closing && (packet.id !== undefined || !this.context.recovers)) {
      // a disconnected socket sends nothing: it would reach the client's next session of this namespace
      this.failAcks();
      return true;
    }
    if (this.context.recovers && packet.id === undefined) {
      // goes through the adapter so that the packet is logged and can be replayed after a reconnection
      this.adapter.broadcast(packet, { rooms: new Set([this.id]), flags, own: true });
    } else {
      this.notifyOutgoing(data);
      this.client.writePacket(packet, flags);
    }
    return true;
  }

  /**
   * Emits and resolves with the client's ack (rejects on timeout or disconnection).
   *
   * @example
   * ```ts
   * const answer = await socket.timeout(5000).emitWithAck("question", "ready?");
   * ```
   */
  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: EventParamsWithoutAck<EmitEvents, Ev>
  ): Promise<AckResult<EmitEvents, Ev>> {
    const timeout = this.#flags?.timeout;
    return new Promise((resolve, reject) => {
      const callback = (err: Error | null, response: AckResult<EmitEvents, Ev>) => (err ? reject(err) : resolve(response));
      if (timeout === undefined) {
        // an error-first ack without a timer: rejected only when the socket disconnects
        markErrorFirst(callback);
      }
      (this.emit as (...a: unknown[]) => boolean)(ev, ...args, callback);
    });
  }

  /** Alias of `emit("message", …)`. */
  send(...args: unknown[]): this {
    (this.emit as (...a: unknown[]) => boolean)("message", ...args);
    return this;
  }

  /** Alias of `emit("message", …)`. */
  write(...args: unknown[]): this {
    return this.send(...args);
  }

  /**
   * The next emit's ack callback gets `(err, ...args)`; err is set when no ack came within `ms`.
   *
   * @example
   * ```ts
   * socket.timeout(5000).emit("question", "ready?", (err, answer) => {
   *   if (err) console.log("no answer within 5 s");
   *   else console.log("answer:", answer);
   * });
   * ```
   */
  timeout(ms: number): Socket<ListenEvents, WithTimeoutAck<EmitEvents>, ServerSideEvents, SocketData> {
    (this.#flags ??= {}).timeout = ms;
    return this as unknown as Socket<ListenEvents, WithTimeoutAck<EmitEvents>, ServerSideEvents, SocketData>;
  }

  /** The next emit may be dropped if the client is not ready to receive it. */
  get volatile(): this {
    (this.#flags ??= {}).volatile = true;
    return this;
  }

  /** Sets per-message compression for the next emit. */
  compress(compress: boolean): this {
    (this.#flags ??= {}).compress = compress;
    return this;
  }

  /** Broadcast to every socket of the namespace but this one. */
  get broadcast(): BroadcastOperator<EmitEvents, SocketData> {
    return this.selection();
  }

  /** Broadcast to this server instance only (Redis adapter: no forwarding). */
  get local(): BroadcastOperator<EmitEvents, SocketData> {
    return this.selection().local;
  }

  /** Broadcast to room(s), excluding this socket. */
  to(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.selection().to(room);
  }

  /** Alias of {@link Socket.to}. */
  in(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.to(room);
  }

  /** Broadcast to every socket of the namespace but this one and those in room(s). */
  except(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.selection().except(room);
  }

  /**
   * @internal every socket of the namespace but this one, with the pending flags (a plain method, not `#private`: a
   * class with private methods gives each instance a brand field, a few bytes per socket)
   */
  private selection(): BroadcastOperator<EmitEvents, SocketData> {
    const flags = this.#flags ?? NO_FLAGS;
    this.#flags = undefined;
    return new BroadcastOperator<EmitEvents, SocketData>(this.adapter, new Set(), new Set([this.id]), flags);
  }

  // ---- rooms and lifecycle ------------------------------------------------------------------------------------

  /** Joins room(s). Resolves once the adapter has recorded it (at once in memory). */
  join(rooms: Room | Room[]): Promise<void> {
    if (this.#closing) return Promise.resolve(); // disconnected: joining would leave a ghost room
    try {
      return Promise.resolve(this.adapter.addAll(this.id, Array.isArray(rooms) ? rooms : [rooms]));
    } catch (err) {
      return Promise.reject(err); // an adapter that throws: a rejection like one that rejects
    }
  }

  /** Leaves a room. Resolves once the adapter has recorded it (at once in memory). */
  leave(room: Room): Promise<void> {
    return Promise.resolve(this.adapter.del(this.id, room));
  }

  /** Disconnects this namespace (or, with `close`, the whole connection and all its namespaces). */
  disconnect(close = false): this {
    if (!this.connected) return this;
    if (close) {
      this.client.disconnectAll();
    } else if (!this.#closing) {
      this.client.writePacket({ type: PacketType.DISCONNECT, nsp: this.context.name });
      this.onclose(DisconnectReason.SERVER_NAMESPACE_DISCONNECT);
    }
    return this;
  }

  // ---- internals used by the connection, namespace and adapter ------------------------------------------------

  /** @internal sends the CONNECT answer, joins the own room */
  onconnect(): void {
    this.connected = true;
    // its own room (through join's path minus the promise: nothing awaits it)
    runAppCode(() => this.adapter.addAll(this.id, [this.id]), (err) => this.context.reportError(err, "adapter.addAll"));
    const data: Record<string, string> = { sid: this.id };
    if (this.pid !== undefined) data["pid"] = this.pid;
    this.client.writePacket({ type: PacketType.CONNECT, nsp: this.context.name, data });
  }

  /** @internal writes a broadcast packet (already encoded) to this client */
  deliver(frames: OutgoingFrames, packet: Packet): void {
    if (this.watchesOutgoing) this.notifyOutgoing(packet.data as unknown[]);
    this.client.writeFrames(frames);
  }

  /** @internal the connection's outgoing buffer drained under its soft mark */
  ondrain(): void {
    if (this.connected) this.emitReserved("drain");
  }

  /** @internal called on every way out: leaves rooms, fails pending acks, emits "disconnect" */
  onclose(reason: DisconnectReason, description?: unknown): void {
    if (!this.connected || this.#closing) return;
    this.#closing = true;
    this.emitReserved("disconnecting", reason, description);
    const report = (what: string) => (err: unknown) => this.context.reportError(err, what);
    if (this.pid !== undefined && RECOVERABLE_REASONS.has(reason)) {
      const session = { sid: this.id, pid: this.pid, rooms: [...this.rooms], data: this.data };
      runAppCode(() => this.adapter.persistSession(session), report("adapter.persistSession"));
    }
    runAppCode(() => this.adapter.delAll(this.id), report("adapter.delAll")); // the rest of the cleanup runs anyway
    this.context.remove(this);
    this.client.remove(this);
    this.connected = false;
    this.settleAcks();
    this.context.rateLimiter?.release(this);
    this.emitReserved("disconnect", reason, description);
  }
}
