/**
 * The receiving half of a server-side socket: its listeners (typed `on`/`once`, per-packet middlewares with `use`,
 * catch-alls with `onAny`/`onAnyOutgoing`), the packets its client sends (EVENT, ACK, DISCONNECT), the rate limit,
 * and the acks both ways. Everything the app's code throws or rejects goes to the socket's "error" listeners or the
 * server's `onError`. {@link Socket} extends it with emitting, rooms and the lifecycle.
 */
import { EventEmitter } from "node:events";
import { PacketType, type Packet } from "../shared/packet.js";
import type { CatchAllListener, EventNames } from "../shared/typed-events.js";
import { AnyListeners, type AnyListener } from "../shared/any-listeners.js";
import { AckTable } from "../shared/ack-table.js";
import { RoomcastError } from "../shared/errors.js";
import type { SocketId } from "./adapter/types.js";
import type { Client } from "./client.js";
import { compactListeners } from "./engine/listener-table.js";
import { runMiddlewares, type Event, type PacketMiddleware } from "./packet-middleware.js";
import { rateLimitedAck } from "./rate-limit.js";
import { DisconnectReason } from "./reasons.js";
import { isThenable } from "./app-code.js";
import type { ListenerOf, SocketContext, SocketReservedEvents } from "./socket-types.js";

/** A socket's listeners and what its client sends it. */
export abstract class SocketIncoming<
  ListenEvents extends object,
  EmitEvents extends object,
  ServerSideEvents extends object,
  SocketData,
> extends EventEmitter {
  /** Random session id (never the Engine.IO id, which is sensitive). Also the name of the socket's own room. */
  abstract readonly id: SocketId;
  /** Whether the socket is connected to its namespace. */
  abstract connected: boolean;
  /** The underlying Engine.IO session (socket.io's `Client`; one per session, shared by its namespaces). */
  readonly client: Client;
  readonly #ctx: SocketContext<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  #fns: PacketMiddleware[] | undefined;
  #any: AnyListeners | undefined;
  #anyOutgoing: AnyListeners | undefined;
  /** Acks this socket waits for from its client (made on first use). */
  #acks: AckTable | undefined;
  /** Acks the client waits for from handlers that have not called their ack function yet (graceful shutdown). */
  #owed = 0;

  /** @internal */
  constructor(context: SocketContext<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, client: Client) {
    super({ captureRejections: true });
    compactListeners(this);
    this.#ctx = context;
    this.client = client;
  }

  /** @internal what the namespace gave this socket */
  protected get context(): SocketContext<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
    return this.#ctx;
  }

  /** @internal called on every way out (see Socket) */
  abstract onclose(reason: DisconnectReason, description?: unknown): void;

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

  /** Like {@link SocketIncoming.onAny}, but the listener runs before the others. */
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

  /** Like {@link SocketIncoming.onAnyOutgoing}, but the listener runs before the others. */
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

  /** @internal whether an outgoing catch-all listener exists (broadcasts skip building its arguments otherwise) */
  protected get watchesOutgoing(): boolean {
    return this.#anyOutgoing !== undefined;
  }

  /** @internal reports an error: to this socket's "error" listeners when `toSocket` and there are some */
  protected reportError(err: unknown, context: string, toSocket: boolean): void {
    this.#ctx.reportError(err, context, toSocket ? this : undefined);
  }

  /** @internal tells the outgoing catch-all listeners about an event sent to this client */
  notifyOutgoing(data: unknown[]): void {
    const listeners = this.#anyOutgoing?.list;
    if (listeners === undefined) return;
    for (const listener of listeners) this.#safely(() => listener.apply(this, data), "onAnyOutgoing");
  }

  // ---- what the client sends -----------------------------------------------------------------------------------

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
          this.reportError(err, "ack callback", true);
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

  #onevent(args: unknown[], id: number | undefined): void {
    if (args[0] === "drain") return; // reserved for backpressure: a client cannot fake it
    const verdict = this.#ctx.rateLimiter?.check(this);
    if (verdict !== undefined && !verdict.ok) return this.#refuse(id, verdict.retryAfterMs, verdict.disconnect);
    if (id !== undefined) args.push(this.#ackFunction(id));
    this.#receive(args);
  }

  /** An event over `eventRateLimit`: never dispatched; its ack gets the error payload; sustained abuse disconnects. */
  #refuse(id: number | undefined, retryAfterMs: number, disconnect: boolean): void {
    const nsp = this.#ctx.name;
    if (id !== undefined) this.client.writePacket({ type: PacketType.ACK, nsp, id, data: [rateLimitedAck(retryAfterMs)] });
    if (!disconnect) return;
    this.client.writePacket({ type: PacketType.DISCONNECT, nsp });
    this.onclose(DisconnectReason.RATE_LIMITED);
  }

  /** The function the app calls to answer the client's event `id` (counted as owed until it is called). */
  #ackFunction(id: number): (...args: unknown[]) => void {
    let sent = false;
    const inflight = this.#ctx.inflight;
    inflight.owe();
    this.#owed++;
    return (...args: unknown[]) => {
      if (sent || !this.connected) return;
      sent = true;
      this.#owed--;
      inflight.paid();
      this.client.writePacket({ type: PacketType.ACK, nsp: this.#ctx.name, id, data: args });
    };
  }

  // ---- acks this socket waits for -----------------------------------------------------------------------------

  /** @internal the ack table, made on first use */
  protected get acks(): AckTable {
    const ctx = this.#ctx;
    return (this.#acks ??= new AckTable((err) => ctx.reportError(err, "ack callback", this), ctx.inflight.table));
  }

  /** @internal registers the ack of a broadcast; `onGone` runs if this socket disconnects first */
  expectAck(id: number, fn: AnyListener, onGone?: () => void): void {
    this.acks.add(id, fn, undefined, false, onGone);
  }

  /** @internal forgets the ack of a broadcast that timed out */
  dropAck(id: number): void {
    this.#acks?.delete(id);
  }

  /** @internal number of acks waiting for this client */
  get pendingAcks(): number {
    return this.#acks?.size ?? 0;
  }

  /** @internal the acks this socket waits for fail with "socket has been disconnected" (none are made for it) */
  protected failAcks(): void {
    this.#acks?.failAll(new RoomcastError("ERR_SOCKET_DISCONNECTED", "socket has been disconnected"));
    this.#acks = undefined;
  }

  /** @internal the socket is gone: the acks it waits for fail, those it owed are no longer counted */
  protected settleAcks(): void {
    this.failAcks();
    this.#ctx.inflight.paid(this.#owed);
    this.#owed = 0;
  }

  /**
   * An incoming event (`[name, ...args]`, with its ack function last when the client wants one): the catch-all
   * listeners, then the per-packet middlewares, then the event's listeners.
   */
  #receive(args: unknown[]): void {
    const any = this.#any?.list;
    if (any !== undefined) {
      for (const listener of any) this.#safely(() => listener.apply(this, args), "onAny");
    }
    const fns = this.#fns;
    if (fns === undefined || fns.length === 0) {
      this.#dispatch(args);
      return;
    }
    runMiddlewares(fns, args as Event, (refused) => {
      // "error" on the socket when listened to, the server's onError otherwise (never silently dropped; reportError
      // makes an Error of whatever was refused with); a late error after next() is reported the same way
      if (refused !== undefined) this.reportError(refused.value, "packet middleware", true);
      else if (this.connected) this.#dispatch(args);
    });
  }

  /** @internal emits an event of the socket itself ("disconnect", "drain"…) to the app's listeners, guarded */
  protected emitReserved(event: string, ...args: unknown[]): void {
    this.#safely(() => super.emit(event, ...args), event);
  }

  #dispatch(args: unknown[]): void {
    const name = args[0] as string;
    this.#safely(() => super.emit(name, ...args.slice(1)), name);
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
    this.reportError(err, `handler for "${event}"`, event !== "error");
  }
}
