/**
 * A server-side socket: one client connected to one namespace. Same surface as socket.io's Socket.
 */
import { EventEmitter } from "node:events";
import { randomFillSync } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { PacketType, type Packet } from "../shared/packet.js";
import type {
  AckResult,
  CatchAllListener,
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
import { NO_FLAGS, type Connection } from "./connection.js";
import { buildHandshake, type Handshake } from "./handshake.js";
import { compactListeners } from "./engine/listener-table.js";
import type { Namespace } from "./namespace.js";
import type { OutgoingFrames } from "./outgoing.js";
import { DisconnectReason, RECOVERABLE_REASONS, SERVER_RESERVED_EVENTS } from "./reasons.js";
import { AckTable, markErrorFirst } from "../shared/ack-table.js";
import { rateLimitedAck } from "./rate-limit.js";
import { AnyListeners, type AnyListener } from "../shared/any-listeners.js";
import { runPacketMiddlewares, type PacketMiddleware } from "./packet-middleware.js";
import { isThenable, runAppCode } from "./app-code.js";
import type { DefaultSocketData, ListenerOf, SocketReservedEvents } from "./socket-types.js";

export type { DisconnectReason };
export type { DefaultSocketData, SocketReservedEvents } from "./socket-types.js";
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
> extends EventEmitter {
  /** Random session id (never the Engine.IO id, which is sensitive). Also the name of the socket's own room. */
  readonly id: SocketId;
  /** The namespace this socket is connected to. */
  readonly nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** The underlying connection (one per Engine.IO session, shared by its namespaces). */
  readonly client: Connection;
  /** Whether the socket is connected to its namespace. */
  connected = false;
  /** True when this socket is a recovered session (same id, rooms, data; missed packets delivered). */
  readonly recovered: boolean;
  /** @internal private session id used for connection state recovery */
  readonly pid: string | undefined;

  #acks: AckTable | undefined;
  /** Set while onclose runs, so that a "disconnecting" handler calling disconnect() does not re-enter it. */
  #closing = false;
  /** Flags for the next emit (timeout, volatile, compress); undefined when none are set (no object per socket). */
  #flags: BroadcastFlags | undefined;
  #fns: PacketMiddleware[] | undefined;
  #any: AnyListeners | undefined;
  #anyOutgoing: AnyListeners | undefined;
  /** Acks the client waits for from handlers that have not called their ack function yet (graceful shutdown). */
  #owed = 0;
  /** `handshake` and `data` are built on first read (most apps read neither for most sockets): until then, the
   * CONNECT payload and the creation time are all that is kept. */
  #handshake: Handshake | undefined;
  readonly #auth: Record<string, unknown>;
  readonly #issued = Date.now();
  #data: SocketData | undefined;

  /** @internal */
  constructor(
    nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
    client: Connection,
    auth: Record<string, unknown>,
    previous?: { sid: string; pid: string; data: unknown },
  ) {
    super({ captureRejections: true });
    compactListeners(this);
    this.nsp = nsp;
    this.client = client;
    this.#auth = auth;
    if (previous) {
      this.id = previous.sid;
      this.pid = previous.pid;
      this.#data = previous.data as SocketData;
      this.recovered = true;
    } else {
      this.id = randomId();
      this.pid = nsp.server.connectionStateRecovery ? randomId() : undefined;
      this.recovered = false;
    }
  }

  /** The first request of the session and the CONNECT payload (`auth`), as socket.io presents them. */
  get handshake(): Handshake {
    return (this.#handshake ??= buildHandshake(this.request, this.client.remoteAddress, this.#auth, this.nsp.server.trustProxy, this.#issued));
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
    return this.nsp.adapter;
  }

  /** The Engine.IO socket. */
  get conn(): Connection["conn"] {
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

  // ---- listening ----------------------------------------------------------------------------------------------

  override on<Ev extends EventNames<ListenEvents> | keyof SocketReservedEvents>(
    ev: Ev,
    listener: Ev extends keyof SocketReservedEvents ? SocketReservedEvents[Ev] : ListenerOf<ListenEvents, Ev>,
  ): this {
    return super.on(ev, listener as AnyListener);
  }

  override once<Ev extends EventNames<ListenEvents> | keyof SocketReservedEvents>(
    ev: Ev,
    listener: Ev extends keyof SocketReservedEvents ? SocketReservedEvents[Ev] : ListenerOf<ListenEvents, Ev>,
  ): this {
    return super.once(ev, listener as AnyListener);
  }

  /** Registers a per-packet middleware. An error it passes to `next` is emitted as "error" on the socket. */
  use(fn: PacketMiddleware): this {
    (this.#fns ??= []).push(fn);
    return this;
  }

  /** Adds a listener called with `(event, ...args)` for every incoming event (after the per-packet middlewares). */
  onAny(listener: CatchAllListener): this {
    (this.#any ??= new AnyListeners()).add(listener as AnyListener);
    return this;
  }

  /** Like {@link Socket.onAny}, but the listener runs before the others. */
  prependAny(listener: CatchAllListener): this {
    (this.#any ??= new AnyListeners()).prepend(listener as AnyListener);
    return this;
  }

  /** Removes a catch-all listener, or all of them when none is given. */
  offAny(listener?: CatchAllListener): this {
    this.#any?.remove(listener as AnyListener | undefined);
    return this;
  }

  /** The catch-all listeners of incoming events. */
  listenersAny(): CatchAllListener[] {
    return [...(this.#any?.list ?? [])];
  }

  /** Adds a listener called with `(event, ...args)` for every event emitted to this client. */
  onAnyOutgoing(listener: CatchAllListener): this {
    (this.#anyOutgoing ??= new AnyListeners()).add(listener as AnyListener);
    return this;
  }

  /** Like {@link Socket.onAnyOutgoing}, but the listener runs before the others. */
  prependAnyOutgoing(listener: CatchAllListener): this {
    (this.#anyOutgoing ??= new AnyListeners()).prepend(listener as AnyListener);
    return this;
  }

  /** Removes a catch-all outgoing listener, or all of them when none is given. */
  offAnyOutgoing(listener?: CatchAllListener): this {
    this.#anyOutgoing?.remove(listener as AnyListener | undefined);
    return this;
  }

  /** The catch-all listeners of outgoing events. */
  listenersAnyOutgoing(): CatchAllListener[] {
    return [...(this.#anyOutgoing?.list ?? [])];
  }

  // ---- emitting -----------------------------------------------------------------------------------------------

  /** Sends an event to this client. A trailing function is the ack callback. Throws on a reserved event name. */
  override emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    if (SERVER_RESERVED_EVENTS.has(ev)) throw new Error(`"${ev}" is a reserved event name`);
    const data: unknown[] = [ev, ...args];
    const flags = this.#flags ?? NO_FLAGS;
    this.#flags = undefined;
    const packet: Packet = { type: PacketType.EVENT, nsp: this.nsp.name, data };
    const last = data[data.length - 1];
    if (typeof last === "function") {
      data.pop();
      packet.id = this.nsp.nextAckId();
      this.#acksTable().add(packet.id, last as AnyListener, flags.timeout, flags.timeout !== undefined);
    }
    if (this.#closing && (packet.id !== undefined || !this.nsp.server.connectionStateRecovery)) {
      // a disconnected socket sends nothing: it would reach the client's next session of this namespace
      this.#acks?.failAll(new Error("socket has been disconnected"));
      this.#acks = undefined;
      return true;
    }
    if (this.nsp.server.connectionStateRecovery && packet.id === undefined) {
      // goes through the adapter so that the packet is logged and can be replayed after a reconnection
      this.adapter.broadcast(packet, { rooms: new Set([this.id]), flags });
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
    return this.#operator();
  }

  /** Broadcast to this server instance only (Redis adapter: no forwarding). */
  get local(): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().local;
  }

  /** Broadcast to room(s), excluding this socket. */
  to(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().to(room);
  }

  /** Alias of {@link Socket.to}. */
  in(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.to(room);
  }

  /** Broadcast to every socket of the namespace but this one and those in room(s). */
  except(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().except(room);
  }

  #operator(): BroadcastOperator<EmitEvents, SocketData> {
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
      this.client.writePacket({ type: PacketType.DISCONNECT, nsp: this.nsp.name });
      this.onclose(DisconnectReason.SERVER_NAMESPACE_DISCONNECT);
    }
    return this;
  }

  // ---- internals used by the connection, namespace and adapter ------------------------------------------------

  /** @internal sends the CONNECT answer, joins the own room */
  onconnect(): void {
    this.connected = true;
    // its own room (through join's path minus the promise: nothing awaits it)
    runAppCode(() => this.adapter.addAll(this.id, [this.id]), (err) => this.nsp.server.reportError(err, "adapter.addAll"));
    const data: Record<string, string> = { sid: this.id };
    if (this.pid !== undefined) data["pid"] = this.pid;
    this.client.writePacket({ type: PacketType.CONNECT, nsp: this.nsp.name, data });
  }

  /** @internal one packet from the client, for this namespace */
  onpacket(packet: Packet): void {
    if (!this.connected) return;
    switch (packet.type) {
      case PacketType.EVENT:
        this.#onevent(packet.data as unknown[], packet.id);
        break;
      case PacketType.ACK:
        try {
          this.#acks?.settle(packet.id!, packet.data as unknown[]); // a rejection is reported by the table
        } catch (err) {
          this.nsp.server.reportError(err, "ack callback", this);
        }
        break;
      case PacketType.DISCONNECT:
        this.onclose(DisconnectReason.CLIENT_NAMESPACE_DISCONNECT);
        break;
      default:
        // a CONNECT for an already connected namespace, or CONNECT_ERROR (server-to-client only): ignored
        break;
    }
  }

  /** @internal writes a broadcast packet (already encoded) to this client */
  deliver(frames: OutgoingFrames, packet: Packet): void {
    if (this.#anyOutgoing !== undefined) this.notifyOutgoing(packet.data as unknown[]);
    this.client.writeFrames(frames);
  }

  /** @internal registers the ack of a broadcast; `onGone` runs if this socket disconnects first */
  expectAck(id: number, fn: AnyListener, onGone?: () => void): void {
    this.#acksTable().add(id, fn, undefined, false, onGone);
  }

  /** @internal forgets the ack of a broadcast that timed out */
  dropAck(id: number): void {
    this.#acks?.delete(id);
  }

  /** @internal the connection's outgoing buffer drained under its soft mark */
  ondrain(): void {
    if (this.connected) this.#emitLocal("drain");
  }

  /** @internal number of acks waiting for this client */
  get pendingAcks(): number {
    return this.#acks?.size ?? 0;
  }

  /** @internal called on every way out: leaves rooms, fails pending acks, emits "disconnect" */
  onclose(reason: DisconnectReason, description?: unknown): void {
    if (!this.connected || this.#closing) return;
    this.#closing = true;
    this.#emitLocal("disconnecting", reason, description);
    const report = (what: string) => (err: unknown) => this.nsp.server.reportError(err, what);
    if (this.pid !== undefined && RECOVERABLE_REASONS.has(reason)) {
      const session = { sid: this.id, pid: this.pid, rooms: [...this.rooms], data: this.data };
      runAppCode(() => this.adapter.persistSession(session), report("adapter.persistSession"));
    }
    runAppCode(() => this.adapter.delAll(this.id), report("adapter.delAll")); // the rest of the cleanup runs anyway
    this.nsp.remove(this);
    this.client.remove(this);
    this.connected = false;
    this.#acks?.failAll(new Error("socket has been disconnected"));
    this.#acks = undefined;
    this.nsp.server.eventRateLimiter?.release(this);
    this.nsp.server.inflight.paid(this.#owed);
    this.#owed = 0;
    this.#emitLocal("disconnect", reason, description);
  }

  /** @internal */
  notifyOutgoing(data: unknown[]): void {
    const listeners = this.#anyOutgoing?.list;
    if (listeners === undefined) return;
    for (const listener of listeners) this.#safely(() => listener.apply(this, data), "onAnyOutgoing");
  }

  #acksTable(): AckTable {
    const server = this.nsp.server;
    return (this.#acks ??= new AckTable((err) => server.reportError(err, "ack callback", this), server.inflight.table));
  }

  #onevent(args: unknown[], id: number | undefined): void {
    if (args[0] === "drain") return; // reserved for backpressure: a client cannot fake it
    const verdict = this.nsp.server.eventRateLimiter?.check(this);
    if (verdict !== undefined && !verdict.ok) return this.#refuse(id, verdict.retryAfterMs, verdict.disconnect);
    if (id !== undefined) args.push(this.#ackFunction(id));
    const any = this.#any?.list;
    if (any !== undefined) {
      for (const listener of any) this.#safely(() => listener.apply(this, args), "onAny");
    }
    const fns = this.#fns;
    if (fns === undefined || fns.length === 0) {
      this.#dispatch(args);
      return;
    }
    runPacketMiddlewares(fns, args, (err) => {
      if (err) this.#reportMiddlewareError(err);
      else if (this.connected) this.#dispatch(args);
    });
  }

  #dispatch(args: unknown[]): void {
    const name = args[0] as string;
    this.#safely(() => super.emit(name, ...args.slice(1)), name);
  }

  /** An event over `eventRateLimit`: never dispatched; its ack gets the error payload; sustained abuse disconnects. */
  #refuse(id: number | undefined, retryAfterMs: number, disconnect: boolean): void {
    if (id !== undefined) {
      this.client.writePacket({ type: PacketType.ACK, nsp: this.nsp.name, id, data: [rateLimitedAck(retryAfterMs)] });
    }
    if (!disconnect) return;
    this.client.writePacket({ type: PacketType.DISCONNECT, nsp: this.nsp.name });
    this.onclose(DisconnectReason.RATE_LIMITED);
  }

  #ackFunction(id: number): (...args: unknown[]) => void {
    let sent = false;
    const inflight = this.nsp.server.inflight;
    inflight.owe();
    this.#owed++;
    return (...args: unknown[]) => {
      if (sent || !this.connected) return;
      sent = true;
      this.#owed--;
      inflight.paid();
      this.client.writePacket({ type: PacketType.ACK, nsp: this.nsp.name, id, data: args });
    };
  }

  #emitLocal(event: string, ...args: unknown[]): void {
    this.#safely(() => super.emit(event, ...args), event);
  }

  #reportMiddlewareError(err: Error): void {
    // "error" on the socket when listened to, the server's onError otherwise (never silently dropped)
    this.nsp.server.reportError(err, "packet middleware", this);
  }

  /**
   * Runs app code; anything it throws is reported, never propagated into the connection (runAppCode without its
   * closure: this runs per event). An async listener (onAny, onAnyOutgoing) that rejects is reported like one that
   * throws; a returned value whose `then` throws when read or called counts as a throw.
   */
  #safely(fn: () => unknown, event: string): void {
    try {
      const result = fn();
      if (isThenable(result)) result.then(undefined, (err: unknown) => this.#reportHandlerError(err, event));
    } catch (err) {
      this.#reportHandlerError(err, event);
    }
  }

  /** Node calls this when an async listener rejects (captureRejections). */
  [Symbol.for("nodejs.rejection")](err: unknown, event: string | symbol): void {
    this.#reportHandlerError(err, String(event));
  }

  /** An error from a listener goes to the socket's "error" listeners, unless it came from one (no loop). */
  #reportHandlerError(err: unknown, event: string): void {
    this.nsp.server.reportError(err, `handler for "${event}"`, event === "error" ? undefined : this);
  }
}

/** Random bytes for ids, drawn 100 ids at a time (one `randomFillSync` per 100 sockets, not one per socket). */
const ID_BYTES = 15;
const idPool = Buffer.alloc(ID_BYTES * 100);
let idOffset = idPool.length;

/** 120 random bits, base64url (20 characters). */
export function randomId(): string {
  if (idOffset === idPool.length) {
    randomFillSync(idPool);
    idOffset = 0;
  }
  const id = idPool.toString("base64url", idOffset, idOffset + ID_BYTES);
  idOffset += ID_BYTES;
  return id;
}
