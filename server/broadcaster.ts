/**
 * The emit/broadcast surface of a namespace, written once: `to`, `in`, `except`, `volatile`, `local`, `compress`,
 * `timeout`, `emit`, `emitWithAck`, `fetchSockets`, `socketsJoin`, `serverSideEmit`… Namespace and Server extend it
 * (the Server's is its main namespace's); each call starts a new {@link BroadcastOperator} over every socket of the
 * namespace.
 */
import { EventEmitter } from "node:events";
import type {
  AckResult,
  EventNames,
  EventNamesWithAck,
  EventParams,
  EventParamsWithoutAck,
  WithMultipleAcks,
} from "../shared/typed-events.js";
import type { Room, SocketId } from "./adapter/types.js";
import type { BroadcastOperator, RemoteSocket } from "./broadcast.js";

/**
 * Broadcasting to a namespace: the members Namespace and Server share (a Server's go to its main namespace "/"). Each
 * one starts from every socket of the namespace, on every server instance.
 */
export abstract class Broadcaster<EmitEvents extends object, ServerSideEvents extends object, SocketData> extends EventEmitter {
  /** @internal a selection of every socket of the namespace, to narrow and act on */
  protected abstract operator(): BroadcastOperator<EmitEvents, SocketData>;

  /** @internal emits an event of the object itself to its listeners (`emit` broadcasts to clients) */
  protected emitReserved(event: string | symbol, ...args: unknown[]): boolean {
    return EventEmitter.prototype.emit.call(this, event, ...args);
  }

  /** Targets room(s) for the next broadcast: `nsp.to("room").emit(…)`. A socket in several of them gets it once. */
  to(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.operator().to(room);
  }

  /** Alias of {@link Broadcaster.to}. */
  in(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.operator().in(room);
  }

  /** Leaves out the sockets in room(s) (a socket id is a room) from the next broadcast. */
  except(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.operator().except(room);
  }

  /** The next broadcast may be dropped for clients that are not ready to receive it. */
  get volatile(): BroadcastOperator<EmitEvents, SocketData> {
    return this.operator().volatile;
  }

  /** The next broadcast reaches this server instance only (not forwarded by a cluster adapter). */
  get local(): BroadcastOperator<EmitEvents, SocketData> {
    return this.operator().local;
  }

  /** Sets per-message compression for the next broadcast. */
  compress(compress: boolean): BroadcastOperator<EmitEvents, SocketData> {
    return this.operator().compress(compress);
  }

  /**
   * The next broadcast's ack callback gets `(err, responses[])`; `err` is set when some client did not answer within
   * `ms`.
   */
  timeout(ms: number): BroadcastOperator<EmitEvents, SocketData> {
    return this.operator().timeout(ms);
  }

  /** Emits to every socket of the namespace. A trailing callback gets `(err, responses[])`. */
  override emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<WithMultipleAcks<EmitEvents>, Ev>): boolean {
    return this.operator().emit(ev, ...args);
  }

  /**
   * Emits to every socket of the namespace and resolves with their acks (rejects on timeout: set one with
   * `timeout(ms)`).
   */
  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: EventParamsWithoutAck<EmitEvents, Ev>
  ): Promise<AckResult<EmitEvents, Ev>[]> {
    return this.operator().emitWithAck(ev, ...args);
  }

  /** Emits a "message" event to every socket of the namespace. */
  send(...args: unknown[]): this {
    (this.operator().emit as (...a: unknown[]) => boolean)("message", ...args);
    return this;
  }

  /** Alias of {@link Broadcaster.send}. */
  write(...args: unknown[]): this {
    return this.send(...args);
  }

  /** The sockets of the namespace, on every instance (see {@link BroadcastOperator.fetchSockets}). */
  fetchSockets(): Promise<Array<RemoteSocket<EmitEvents, SocketData>>> {
    return this.operator().fetchSockets();
  }

  /** Makes every socket of the namespace (on every instance) join room(s). */
  socketsJoin(room: Room | Room[]): void {
    this.operator().socketsJoin(room);
  }

  /** Makes every socket of the namespace (on every instance) leave room(s). */
  socketsLeave(room: Room | Room[]): void {
    this.operator().socketsLeave(room);
  }

  /** Disconnects every socket of the namespace (on every instance); with `close`, their whole connections. */
  disconnectSockets(close = false): void {
    this.operator().disconnectSockets(close);
  }

  /** @deprecated socket.io compatibility: prefer fetchSockets(). */
  allSockets(): Promise<Set<SocketId>> {
    return this.operator().allSockets();
  }

  /**
   * Emits an event to the other server instances (received with `nsp.on(event, …)` there). A trailing callback gets
   * `(err, responses[])`, one response per other instance.
   */
  serverSideEmit<Ev extends EventNames<ServerSideEvents>>(ev: Ev, ...args: EventParams<WithMultipleAcks<ServerSideEvents>, Ev>): boolean {
    return this.operator().serverSideEmit(ev, ...args);
  }

  /** Emits an event to the other server instances and resolves with one response per instance (rejects on timeout). */
  serverSideEmitWithAck<Ev extends EventNamesWithAck<ServerSideEvents>>(
    ev: Ev,
    ...args: EventParamsWithoutAck<ServerSideEvents, Ev>
  ): Promise<AckResult<ServerSideEvents, Ev>[]> {
    return this.operator().serverSideEmitWithAck(ev, ...args) as Promise<AckResult<ServerSideEvents, Ev>[]>;
  }
}
