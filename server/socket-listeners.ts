/**
 * The listening half of a server-side socket: typed `on`/`once`, per-packet middlewares (`use`), catch-all listeners
 * (`onAny`, `onAnyOutgoing`), and the one path an incoming event takes through them to the app's listeners — with
 * everything the app's code throws or rejects routed to the socket's "error" listeners or the server's `onError`.
 * {@link Socket} extends it with emitting, rooms and the session.
 */
import { EventEmitter } from "node:events";
import type { CatchAllListener, EventNames } from "../shared/typed-events.js";
import { AnyListeners, type AnyListener } from "../shared/any-listeners.js";
import { compactListeners } from "./engine/listener-table.js";
import { runPacketMiddlewares, type PacketMiddleware } from "./packet-middleware.js";
import { isThenable } from "./app-code.js";
import type { ListenerOf, SocketReservedEvents } from "./socket-types.js";

/** A socket's listeners: the app's own, its catch-alls and its per-packet middlewares. */
export abstract class SocketListeners<ListenEvents extends object> extends EventEmitter {
  /** Whether the socket is connected to its namespace. */
  abstract connected: boolean;
  #fns: PacketMiddleware[] | undefined;
  #any: AnyListeners | undefined;
  #anyOutgoing: AnyListeners | undefined;

  constructor() {
    super({ captureRejections: true });
    compactListeners(this);
  }

  /** @internal reports an error: to this socket's "error" listeners when `toSocket` and there are some */
  protected abstract reportError(err: unknown, context: string, toSocket: boolean): void;

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

  /** Like {@link SocketListeners.onAny}, but the listener runs before the others. */
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

  /** Like {@link SocketListeners.onAnyOutgoing}, but the listener runs before the others. */
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

  /** @internal tells the outgoing catch-all listeners about an event sent to this client */
  notifyOutgoing(data: unknown[]): void {
    const listeners = this.#anyOutgoing?.list;
    if (listeners === undefined) return;
    for (const listener of listeners) this.#safely(() => listener.apply(this, data), "onAnyOutgoing");
  }

  /**
   * @internal an incoming event (`[name, ...args]`, with its ack function last when the client wants one): the
   * catch-all listeners, then the per-packet middlewares, then the event's listeners
   */
  protected receive(args: unknown[]): void {
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
      // "error" on the socket when listened to, the server's onError otherwise (never silently dropped)
      if (err) this.reportError(err, "packet middleware", true);
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
