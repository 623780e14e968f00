/**
 * Broadcasting: an immutable selection of sockets (rooms, exceptions, flags) and what can be done to them.
 */
import { PacketType, RESERVED_EVENTS, type Packet } from "../shared/packet.js";
import type {
  AckResult,
  DefaultEventsMap,
  EventNames,
  EventNamesWithAck,
  EventParams,
  EventParamsWithoutAck,
  WithMultipleAcks,
  WithTimeoutAck,
} from "../shared/typed-events.js";
import { AckTimeoutError } from "../shared/ack-table.js";
import { RoomcastError, toError } from "../shared/errors.js";
import { runAppCode } from "./app-code.js";
import type { Adapter } from "./adapter/adapter.js";
import type { BroadcastFlags, BroadcastOptions, FetchedSocket, Room, SocketDetails, SocketId } from "./adapter/types.js";
import type { Handshake } from "./handshake.js";

export type { SocketDetails } from "./adapter/types.js";
import { NAMESPACE_RESERVED_EVENTS } from "./reasons.js";

type MultiAck = (err: Error | null, responses: unknown[]) => void;

/**
 * An immutable selection of sockets (rooms, exceptions, flags), made by `to()`, `except()`, `volatile`, `local`,
 * `timeout()`…: each call returns a new operator; `emit()` and the other actions apply to the selection, on every
 * server instance.
 */
export class BroadcastOperator<EmitEvents extends object = DefaultEventsMap, SocketData = unknown> {
  readonly #adapter: Adapter;
  readonly #rooms: ReadonlySet<Room>;
  readonly #except: ReadonlySet<Room>;
  readonly #flags: BroadcastFlags;

  /** @internal */
  constructor(adapter: Adapter, rooms: ReadonlySet<Room> = new Set(), except: ReadonlySet<Room> = new Set(), flags: BroadcastFlags = {}) {
    this.#adapter = adapter;
    this.#rooms = rooms;
    this.#except = except;
    this.#flags = flags;
  }

  /** Targets room(s); a socket in several of them gets each broadcast once. */
  to(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    const rooms = new Set(this.#rooms);
    for (const r of Array.isArray(room) ? room : [room]) rooms.add(r);
    return new BroadcastOperator(this.#adapter, rooms, this.#except, this.#flags);
  }

  /** Alias of {@link BroadcastOperator.to}. */
  in(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.to(room);
  }

  /** Leaves out the sockets in room(s) (a socket id is a room). */
  except(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    const except = new Set(this.#except);
    for (const r of Array.isArray(room) ? room : [room]) except.add(r);
    return new BroadcastOperator(this.#adapter, this.#rooms, except, this.#flags);
  }

  /** Sets per-message compression. */
  compress(compress: boolean): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.#adapter, this.#rooms, this.#except, { ...this.#flags, compress });
  }

  /** Drops the packet for clients not ready to receive it. */
  get volatile(): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.#adapter, this.#rooms, this.#except, { ...this.#flags, volatile: true });
  }

  /** This server instance only. */
  get local(): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.#adapter, this.#rooms, this.#except, { ...this.#flags, local: true });
  }

  /** Ack callbacks get `(err, responses[])`; err is set (with the responses so far) when some did not answer in time. */
  timeout(ms: number): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.#adapter, this.#rooms, this.#except, { ...this.#flags, timeout: ms });
  }

  /**
   * Emits to the selected sockets. A trailing function gets `(err, responses[])` once every socket answered (or the
   * timeout fired). Throws on a reserved event name. Returns true.
   */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<WithMultipleAcks<EmitEvents>, Ev>): boolean {
    if (RESERVED_EVENTS.has(ev)) throw new RoomcastError("ERR_RESERVED_EVENT", `"${ev}" is a reserved event name`);
    const data: unknown[] = [ev, ...args];
    const packet: Packet = { type: PacketType.EVENT, nsp: this.#adapter.nsp.name, data };
    const last = data[data.length - 1];
    if (typeof last !== "function") {
      this.#adapter.broadcast(packet, this.#options());
      return true;
    }
    data.pop();
    this.#emitWithAcks(packet, last as MultiAck);
    return true;
  }

  /** Emits and resolves with every socket's ack (rejects on timeout). */
  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: EventParamsWithoutAck<EmitEvents, Ev>
  ): Promise<AckResult<EmitEvents, Ev>[]> {
    return new Promise((resolve, reject) => {
      // as socket.io: a timeout's error carries the responses received so far
      const callback: MultiAck = (err, responses) =>
        err ? reject(Object.assign(err, { responses })) : resolve(responses as AckResult<EmitEvents, Ev>[]);
      (this.emit as (...a: unknown[]) => boolean)(ev, ...args, callback);
    });
  }

  /** `io.timeout(ms).serverSideEmit(ev, …, (err, responses) => …)`: server-side emit whose acks wait `ms`. */
  serverSideEmit(ev: string, ...args: unknown[]): boolean {
    if (NAMESPACE_RESERVED_EVENTS.has(ev)) throw new RoomcastError("ERR_RESERVED_EVENT", `"${ev}" is a reserved event name`);
    const timeout = this.#flags.timeout;
    this.#adapter.serverSideEmit([ev, ...args], timeout === undefined ? undefined : { timeout });
    return true;
  }

  /** Server-side emit that resolves with one response per other instance (rejects when some did not answer in time). */
  serverSideEmitWithAck(ev: string, ...args: unknown[]): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      this.serverSideEmit(ev, ...args, (err: Error | null, responses: unknown[]) => (err ? reject(err) : resolve(responses)));
    });
  }

  #emitWithAcks(packet: Packet, callback: MultiAck): void {
    const adapter = this.#adapter;
    packet.id = adapter.nsp.nextAckId();
    const id = packet.id;
    const responses: unknown[] = [];
    let expectedServers = -1;
    let answeredServers = 0;
    let expectedClients = 0;
    let done = false;
    const finish = (err: Error | null) => {
      if (done) return;
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      // RemoteSocket: one socket, so one response (null on timeout), like socket.emit() with an ack
      const single = this.#flags.expectSingleResponse === true;
      runAppCode(
        () => (single ? (callback as (err: Error | null, response: unknown) => void)(err, err ? null : responses[0]) : callback(err, responses)),
        (e) => adapter.nsp.reportError(e, "broadcast ack callback"),
      );
    };
    const check = () => {
      if (expectedServers === answeredServers && responses.length >= expectedClients) finish(null);
    };
    const timeout = this.#flags.timeout;
    const timer =
      timeout === undefined
        ? undefined
        : setTimeout(() => {
            for (const socket of adapter.nsp.sockets.values()) socket.dropAck(id);
            finish(new AckTimeoutError());
          }, timeout);
    adapter.broadcastWithAck(
      packet,
      this.#options(),
      (clientCount) => {
        expectedClients += clientCount;
        answeredServers++;
        check();
      },
      (...args: unknown[]) => {
        responses.push(args[0]);
        check();
      },
      () => {
        // a targeted socket disconnected before answering: stop waiting for it
        expectedClients--;
        check();
      },
    );
    void adapter.serverCount().then(
      (count) => {
        expectedServers = count;
        check();
      },
      (err: unknown) => finish(toError(err)), // an adapter's serverCount() that rejects
    );
  }

  /**
   * Sockets matching this selection, on every instance (RemoteSocket for those on other instances).
   *
   * @example
   * ```ts
   * const sockets = await io.in("room1").fetchSockets();
   * for (const socket of sockets) console.log(socket.id, socket.rooms, socket.data);
   * ```
   */
  async fetchSockets(): Promise<Array<RemoteSocket<EmitEvents, SocketData>>> {
    const adapter = this.#adapter;
    const found = await adapter.fetchSockets(this.#options());
    // local sockets as they are (a Socket has RemoteSocket's members), other instances' as RemoteSocket
    const sockets = found.map((s) => (isLocal(s) ? s : new RemoteSocket<EmitEvents, SocketData>(adapter, s as SocketDetails<SocketData>)));
    return sockets as unknown as Array<RemoteSocket<EmitEvents, SocketData>>;
  }

  /** Makes the selected sockets join room(s). */
  socketsJoin(room: Room | Room[]): void {
    void Promise.resolve(this.#adapter.addSockets(this.#options(), Array.isArray(room) ? room : [room])).catch(
      (err: unknown) => this.#report(err, "socketsJoin"),
    );
  }

  /** Makes the selected sockets leave room(s). */
  socketsLeave(room: Room | Room[]): void {
    void Promise.resolve(this.#adapter.delSockets(this.#options(), Array.isArray(room) ? room : [room])).catch(
      (err: unknown) => this.#report(err, "socketsLeave"),
    );
  }

  /** Disconnects the selected sockets; with `close`, their whole connections. */
  disconnectSockets(close = false): void {
    void Promise.resolve(this.#adapter.disconnectSockets(this.#options(), close)).catch((err: unknown) =>
      this.#report(err, "disconnectSockets"),
    );
  }

  /** @deprecated socket.io compatibility: prefer fetchSockets(). */
  allSockets(): Promise<Set<SocketId>> {
    return this.#adapter.sockets(this.#rooms);
  }

  #options(): BroadcastOptions {
    return { rooms: this.#rooms, except: this.#except, flags: this.#flags };
  }

  #report(err: unknown, what: string): void {
    this.#adapter.nsp.reportError(err, what);
  }
}

/** A socket of this instance, as the adapter returns it (the details of a remote one have no methods). */
function isLocal(socket: FetchedSocket | SocketDetails): socket is FetchedSocket {
  return typeof (socket as Partial<FetchedSocket>).emit === "function";
}

/** What `remoteSocket.timeout(ms)` returns: emits to that one socket, whose answer is one value (not an array). */
export interface RemoteSocketTimeout<EmitEvents extends object> {
  /** Emits; an ack callback gets `(err, ...args)`: `err` when the socket did not answer within the timeout. */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<WithTimeoutAck<EmitEvents>, Ev>): boolean;
  /** Emits and resolves with the socket's answer; rejects when it did not answer within the timeout. */
  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(ev: Ev, ...args: EventParamsWithoutAck<EmitEvents, Ev>): Promise<AckResult<EmitEvents, Ev>>;
}

/**
 * A socket on another server instance (from `fetchSockets()` with a cluster adapter). Local sockets are returned as
 * real Socket objects, which have the same members.
 */
export class RemoteSocket<EmitEvents extends object = DefaultEventsMap, SocketData = unknown> {
  /** The socket's id. */
  readonly id: SocketId;
  /** The socket's handshake (as on its own instance). */
  readonly handshake: Handshake;
  /** The rooms it was in when fetched. */
  readonly rooms: Set<Room>;
  /** Its `data` when fetched. */
  readonly data: SocketData;
  readonly #operator: BroadcastOperator<EmitEvents, SocketData>;

  /** Made by a cluster adapter from what another instance sent about one of its sockets. */
  constructor(adapter: Adapter, details: SocketDetails<SocketData>) {
    this.id = details.id;
    this.handshake = details.handshake;
    this.rooms = new Set(details.rooms);
    this.data = details.data;
    this.#operator = new BroadcastOperator<EmitEvents, SocketData>(adapter, new Set([this.id]), new Set(), { expectSingleResponse: true });
  }

  /** Emits to this socket, wherever it is. An ack callback gets `(err, ...args)` of this one socket, as socket.io's. */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<WithTimeoutAck<EmitEvents>, Ev>): boolean {
    return (this.#operator.emit as (ev: Ev, ...a: unknown[]) => boolean)(ev, ...args);
  }

  /** Emits to this socket with an ack timeout: the callback gets `(err, ...args)` (err set, no args, on timeout). */
  timeout(ms: number): RemoteSocketTimeout<EmitEvents> {
    return this.#operator.timeout(ms) as unknown as RemoteSocketTimeout<EmitEvents>;
  }

  /** Makes the socket join room(s) on its instance. */
  join(room: Room | Room[]): void {
    this.#operator.socketsJoin(room);
  }

  /** Makes the socket leave room(s) on its instance. */
  leave(room: Room | Room[]): void {
    this.#operator.socketsLeave(room);
  }

  /** Disconnects the socket; with `close`, its whole connection. */
  disconnect(close = false): this {
    this.#operator.disconnectSockets(close);
    return this;
  }
}
