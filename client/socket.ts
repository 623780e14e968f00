/**
 * A client Socket: one namespace over a Manager's connection. socket.io-client v4's Socket API.
 */
import { AnyListeners } from "../shared/any-listeners.js";
import { AckTable, markErrorFirst } from "../shared/ack-table.js";
import { RoomcastError } from "../shared/errors.js";
import { PacketType, RESERVED_EVENTS, type Packet } from "../shared/packet.js";
import type {
  AckResult,
  CatchAllListener,
  DefaultEventsMap,
  EventNames,
  EventNamesWithAck,
  EventParams,
  EventParamsWithoutAck,
} from "../shared/typed-events.js";
import { Emitter, safely } from "./emitter.js";
import type { ClientUpward } from "./upward.js";
import { enqueue, removeAck } from "./offline-queue.js";
import type { AuthPayload, SocketOptions } from "./options.js";
import { RetryQueue, type EmitFlags } from "./retry-queue.js";
import type { ConnectError, DisconnectDescription, DisconnectReason, DisconnectReason as Reason, SocketReservedEvents, TimeoutEvents } from "./socket-types.js";

export type { ConnectError, DisconnectDescription, DisconnectReason, SocketReservedEvents } from "./socket-types.js";

type Callback = (...args: unknown[]) => void;
type Outgoing = Packet & { compress?: boolean };

/**
 * A client socket: one namespace over a Manager's connection (`socket.io`). Same API as socket.io-client's
 * `Socket`. Made by {@link io} (or `manager.socket(nsp)`).
 *
 * @example
 * ```ts
 * const socket = io("https://example.com");
 * socket.on("connect", () => console.log("connected as", socket.id));
 * socket.emit("join", "lobby", (ok: boolean) => console.log("joined:", ok));
 * const answer = await socket.timeout(5000).emitWithAck("question", 42);
 * ```
 */
export class Socket<ListenEvents extends object = DefaultEventsMap, EmitEvents extends object = ListenEvents> extends Emitter<
  SocketReservedEvents & ListenEvents
> {
  /** The Manager (the shared connection). */
  declare readonly io: ClientUpward["manager"];
  /** The namespace's name, e.g. "/chat". */
  declare readonly nsp: string;
  /** Session id, set while connected (the server's `socket.id`). */
  id: string | undefined;
  /** Whether the socket is connected to its namespace. */
  connected = false;
  /** True when the last connection restored the previous session (connection state recovery). */
  recovered = false;
  /** Sent in each CONNECT; may be changed between reconnections. */
  declare auth: SocketOptions["auth"];
  /** Events received before the CONNECT answer, delivered on "connect". */
  receiveBuffer: unknown[][] = [];
  /** The offline buffer (emits made while disconnected). Assign `[]` (or call `clearSendBuffer()`) to clear it. */
  sendBuffer: Packet[] = [];
  #active = false;
  #flags: EmitFlags = {};
  #ids = 0;
  readonly #acks = new AckTable();
  readonly #retry: RetryQueue | undefined;
  readonly #opts: SocketOptions;
  #pid: string | undefined;
  #offset: string | undefined;
  // replaced, never mutated, on change: an emission iterates the list as it was when it started, without a copy
  readonly #anyIn = new AnyListeners();
  readonly #anyOut = new AnyListeners();

  /**
   * A socket of namespace `nsp` over `io`'s connection. Prefer {@link roomcast/client!io | io()} or
   * `manager.socket(nsp)`, which reuse the socket of a namespace.
   */
  constructor(io: ClientUpward["manager"], nsp: string, opts: SocketOptions = {}) {
    super();
    this.io = io;
    this.nsp = nsp;
    this.#opts = opts;
    this.auth = opts.auth;
    if (opts.retries) {
      this.#retry = new RetryQueue(
        opts.retries,
        (data, flags) => {
          this.#flags = flags;
          (this.emit as (...a: unknown[]) => this)(...data);
        },
        () => this.connected,
      );
    }
    if (io._autoConnect) this.open();
  }

  /** Whether the socket is not connected. */
  get disconnected(): boolean {
    return !this.connected;
  }

  /** True while the socket tries to be connected (it reconnects), false after `disconnect()` or a refusal. */
  get active(): boolean {
    return this.#active;
  }

  /** Empties the offline buffer; the dropped emits' error-first acks get an Error. Returns how many were dropped. */
  clearSendBuffer(): number {
    const dropped = this.sendBuffer;
    this.sendBuffer = [];
    for (const p of dropped) this.#drop(p, "send buffer cleared");
    return dropped.length;
  }

  /**
   * Connects (opens the Manager's connection if needed, then joins the namespace). Needed after `disconnect()`, or
   * with `autoConnect: false`.
   */
  connect(): this {
    if (this.connected) return this;
    this.#active = true;
    if (!this.io._reconnecting) this.io.open();
    if (this.io._readyState === "open") this._onopen();
    return this;
  }

  /** Alias of {@link Socket.connect}. */
  open(): this {
    return this.connect();
  }

  /** Leaves the namespace and stops reconnecting; the connection closes when no socket uses it any more. */
  disconnect(): this {
    if (this.connected) this.#send({ type: PacketType.DISCONNECT, nsp: this.nsp });
    this.#destroy();
    if (this.connected) this._onclose("io client disconnect");
    return this;
  }

  /** Alias of {@link Socket.disconnect}. */
  close(): this {
    return this.disconnect();
  }

  // ---- emitting -----------------------------------------------------------------------------------------------

  /** Sends an event; a function as last argument is called with the server's acknowledgement. */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): this {
    if (RESERVED_EVENTS.has(ev)) throw new RoomcastError("ERR_RESERVED_EVENT", `"${ev}" is a reserved event name`);
    const flags = this.#flags;
    this.#flags = {};
    const data: unknown[] = [ev, ...args];
    if (this.#retry && !flags.fromQueue && !flags.volatile) {
      this.#retry.add(data, flags);
      return this;
    }
    const packet: Outgoing = { type: PacketType.EVENT, nsp: this.nsp, data };
    if (flags.compress === false) packet.compress = false;
    let ack = data[data.length - 1];
    if (typeof ack === "function") {
      data.pop();
      const id = (packet.id = this.#ids++);
      const timeout = flags.timeout ?? this.#opts.ackTimeout;
      if (timeout !== undefined) {
        const user = ack as Callback;
        ack = markErrorFirst((err: Error | null, ...rest: unknown[]) => {
          if (err) removeAck(this.sendBuffer, id);
          user(err, ...rest);
        });
      }
      this.#acks.add(id, ack as Callback, timeout);
    }
    const engine = this.io.engine;
    const online = this.connected && engine !== undefined && !engine._hasPingExpired();
    if (flags.volatile && !(online && engine.transport?.writable)) {
      this.#drop(packet, "volatile packet discarded");
    } else if (online) {
      this.#sendEvent(packet);
    } else {
      const max = this.#opts.maxBufferedPackets ?? 1000;
      const dropped = enqueue(this.sendBuffer, packet, max, this.#opts.bufferOverflow);
      if (dropped) this.#drop(dropped, "offline buffer full");
    }
    return this;
  }

  /** Emits and resolves with the first argument of the acknowledgement (rejects on timeout or disconnection). */
  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: EventParamsWithoutAck<EmitEvents, Ev>
  ): Promise<AckResult<EmitEvents, Ev>> {
    return new Promise((resolve, reject) => {
      const ack = markErrorFirst((err: Error | null, value: AckResult<EmitEvents, Ev>) => (err ? reject(err) : resolve(value)));
      (this.emit as (...a: unknown[]) => this)(ev, ...args, ack);
    });
  }

  /** `emit("message", ...args)`. */
  send(...args: unknown[]): this {
    return (this.emit as (...a: unknown[]) => this)("message", ...args);
  }

  /** Alias of {@link Socket.send}. */
  write(...args: unknown[]): this {
    return this.send(...args);
  }

  /** The next emit is dropped unless it can be written right now. */
  get volatile(): this {
    this.#flags.volatile = true;
    return this;
  }

  /** Sets per-message compression for the next emit. */
  compress(compress: boolean): this {
    this.#flags.compress = compress;
    return this;
  }

  /** The next emit's ack gets `(err, ...args)`, with an Error after `ms` without answer. */
  timeout(ms: number): Socket<ListenEvents, TimeoutEvents<EmitEvents>> {
    this.#flags.timeout = ms;
    return this as unknown as Socket<ListenEvents, TimeoutEvents<EmitEvents>>;
  }

  // ---- catch-all listeners ------------------------------------------------------------------------------------

  /** Adds a listener called with `(event, ...args)` for every incoming event. */
  onAny(listener: CatchAllListener): this {
    this.#anyIn.add(listener as Callback);
    return this;
  }

  /** Like {@link Socket.onAny}, but the listener runs before the others. */
  prependAny(listener: CatchAllListener): this {
    this.#anyIn.prepend(listener as Callback);
    return this;
  }

  /** Removes a catch-all listener, or all of them when none is given. */
  offAny(listener?: CatchAllListener): this {
    this.#anyIn.remove(listener as Callback | undefined);
    return this;
  }

  /** The catch-all listeners of incoming events. */
  listenersAny(): CatchAllListener[] {
    return [...this.#anyIn.list];
  }

  /** Adds a listener called with `(event, ...args)` for every event this socket emits. */
  onAnyOutgoing(listener: CatchAllListener): this {
    this.#anyOut.add(listener as Callback);
    return this;
  }

  /** Like {@link Socket.onAnyOutgoing}, but the listener runs before the others. */
  prependAnyOutgoing(listener: CatchAllListener): this {
    this.#anyOut.prepend(listener as Callback);
    return this;
  }

  /** Removes a catch-all outgoing listener, or all of them when none is given. */
  offAnyOutgoing(listener?: CatchAllListener): this {
    this.#anyOut.remove(listener as Callback | undefined);
    return this;
  }

  /** The catch-all listeners of outgoing events. */
  listenersAnyOutgoing(): CatchAllListener[] {
    return [...this.#anyOut.list];
  }

  // ---- called by the Manager ----------------------------------------------------------------------------------

  /** @internal the connection is open: ask to join the namespace */
  _onopen(): void {
    const auth = this.auth;
    // an auth function that throws leaves this socket without a CONNECT, not the Manager's other sockets
    if (typeof auth === "function") safely(auth, [(data: AuthPayload) => this.#sendConnect(data)]);
    else this.#sendConnect(auth);
  }

  /** @internal */
  _onpacket(packet: Packet): void {
    const data = packet.data as { sid?: unknown; pid?: unknown; message?: unknown; data?: unknown } | undefined;
    switch (packet.type) {
      case PacketType.CONNECT:
        if (typeof data?.sid === "string") this.#onconnect(data.sid, typeof data.pid === "string" ? data.pid : undefined);
        else this.emitReserved("connect_error", new RoomcastError("ERR_BAD_PAYLOAD", "invalid CONNECT answer (is the server Socket.IO v3+?)"));
        break;
      case PacketType.EVENT:
        this.#onevent(packet);
        break;
      case PacketType.ACK:
        this.#acks.settle(packet.id as number, packet.data as unknown[]);
        break;
      case PacketType.DISCONNECT:
        this.#destroy();
        this._onclose("io server disconnect");
        break;
      case PacketType.CONNECT_ERROR: {
        this.#destroy();
        const message = typeof packet.data === "string" ? packet.data : String(data?.message);
        const err: ConnectError = new RoomcastError("ERR_CONNECT_REFUSED", message);
        if (data?.data !== undefined) err.data = data.data;
        this.emitReserved("connect_error", err);
      }
    }
  }

  /** @internal the connection failed */
  _onerror(err: Error): void {
    if (!this.connected) this.emitReserved("connect_error", err);
  }

  /** @internal the connection closed, or the server/client left the namespace */
  _onclose(reason: DisconnectReason, description?: DisconnectDescription): void {
    this.connected = false;
    this.id = undefined;
    this.emitReserved("disconnect", reason, description);
    const disconnected = new RoomcastError("ERR_SOCKET_DISCONNECTED", "socket has been disconnected");
    this.#acks.failAll(disconnected, (id) => this.sendBuffer.some((p) => p.id === id));
  }

  // ---- internals ----------------------------------------------------------------------------------------------

  /** A packet dropped unsent: its error-first ack (if any) gets "ERR_EMIT_DROPPED" with `why` as the message. */
  #drop(packet: Packet, why: string): void {
    if (packet.id !== undefined) this.#acks.fail(packet.id, new RoomcastError("ERR_EMIT_DROPPED", why));
  }

  #sendConnect(auth: AuthPayload | undefined): void {
    const data = this.#pid ? { pid: this.#pid, offset: this.#offset, ...auth } : auth;
    this.#send({ type: PacketType.CONNECT, nsp: this.nsp, data });
  }

  #onconnect(id: string, pid: string | undefined): void {
    this.id = id;
    this.recovered = pid !== undefined && pid === this.#pid;
    if (!this.recovered) this.#offset = undefined;
    this.#pid = pid;
    this.connected = true;
    for (const args of this.receiveBuffer.splice(0)) this.#emitEvent(args);
    const buffered = this.sendBuffer;
    this.sendBuffer = [];
    for (const packet of buffered) this.#sendEvent(packet);
    // the `retries` head still in flight from the last session is resent before "connect" (as socket.io-client): an
    // emit from a "connect" listener is then queued behind it, not sent a second time by this resend
    this.#retry?.drain(true);
    this.emitReserved("connect");
  }

  #onevent(packet: Packet): void {
    const args = (packet.data as unknown[]).slice();
    if (packet.id !== undefined) args.push(this.#ackFor(packet.id));
    else if (this.#pid !== undefined && args.length > 1 && typeof args[args.length - 1] === "string") {
      // connection state recovery: the server appended this packet's offset; remember it, hide it from listeners
      this.#offset = args.pop() as string;
    }
    if (this.connected) this.#emitEvent(args);
    else this.receiveBuffer.push(args);
  }

  #emitEvent(args: unknown[]): void {
    for (const listener of this.#anyIn.list) safely(listener, args);
    this.emitReserved(...(args as [string, ...unknown[]]));
  }

  #ackFor(id: number): Callback {
    let sent = false;
    return (...args) => {
      if (sent) return;
      sent = true;
      this.#send({ type: PacketType.ACK, nsp: this.nsp, id, data: args });
    };
  }

  /** Sends an EVENT packet, after the `onAnyOutgoing` listeners have seen it. */
  #sendEvent(packet: Outgoing): void {
    for (const listener of this.#anyOut.list) safely(listener, packet.data as unknown[]);
    this.#send(packet);
  }

  #send(packet: Outgoing): void {
    this.io._packet(packet);
  }

  #destroy(): void {
    this.#active = false;
    this.io._destroy(this);
  }
}

/** Types named after the Socket class, as in socket.io-client. */
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace Socket {
  /** Why a socket was disconnected (socket.io's reasons). */
  type DisconnectReason = Reason;
}
