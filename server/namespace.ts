/**
 * A namespace: a named channel multiplexed on connections, with its own middlewares, sockets and adapter (rooms).
 */
import { EventEmitter } from "node:events";
import { PacketType } from "../shared/packet.js";
import { UNREADABLE_ERROR_MESSAGE, errorMessage, toError } from "../shared/errors.js";
import type {
  AckResult,
  DefaultEventsMap,
  EventNames,
  EventNamesWithAck,
  EventParams,
  EventParamsWithoutAck,
  WithMultipleAcks,
} from "../shared/typed-events.js";
import { type Adapter, type AdapterConstructor } from "./adapter/adapter.js";
import type { Room, SocketId } from "./adapter/types.js";
import { BroadcastOperator, type RemoteSocket } from "./broadcast.js";
import type { Connection } from "./connection.js";
import { NAMESPACE_RESERVED_EVENTS } from "./reasons.js";
import type { Server } from "./server.js";
import { Socket, type DefaultSocketData } from "./socket.js";
import { runAppCode } from "./app-code.js";

/** An Error a middleware may pass to `next`: `message` and `data` reach the client in CONNECT_ERROR. */
export interface ExtendedError extends Error {
  /** Sent to the client with the message, as `err.data` of its "connect_error" (JSON; untyped, as in socket.io). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data?: any;
}

/**
 * A connection middleware (`nsp.use(fn)`): calls `next()` to accept the socket, `next(err)` to refuse it; a throw or
 * a rejection refuses it too.
 */
export type NamespaceMiddleware<L extends object, E extends object, S extends object, D> = (
  socket: Socket<L, E, S, D>,
  next: (err?: ExtendedError) => void,
) => void;


/** Events a namespace emits by itself. */
export interface NamespaceReservedEvents<L extends object, E extends object, S extends object, D> {
  /** Alias of "connection". */
  connect: (socket: Socket<L, E, S, D>) => void;
  /** A client joined this namespace, after every middleware accepted it. */
  connection: (socket: Socket<L, E, S, D>) => void;
}

/**
 * A namespace: a named channel multiplexed on connections, with its own middlewares, sockets and rooms (its adapter).
 * Created by `io.of(name)`; `io.sockets` is the main namespace "/". Same API as socket.io's `Namespace`.
 *
 * @example
 * ```ts
 * const chat = io.of("/chat");
 * chat.use((socket, next) => next());
 * chat.on("connection", (socket) => socket.join("general"));
 * chat.to("general").emit("hello");
 * ```
 */
export class Namespace<
  ListenEvents extends object = DefaultEventsMap,
  EmitEvents extends object = ListenEvents,
  ServerSideEvents extends object = DefaultEventsMap,
  SocketData = DefaultSocketData,
> extends EventEmitter {
  /** The namespace's name, e.g. "/chat". */
  readonly name: string;
  /** The server this namespace belongs to. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly server: Server<any, any, any, any>;
  /** Connected sockets of this namespace on this instance, by id. */
  readonly sockets = new Map<SocketId, Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
  /** The adapter holding this namespace's rooms (created from the server's `adapter` option). */
  adapter!: Adapter;
  /** @internal */
  fns: Array<NamespaceMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> = [];
  #ackIds = 0;

  /** @internal */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  constructor(server: Server<any, any, any, any>, name: string) {
    super({ captureRejections: true });
    this.server = server;
    this.name = name;
    this.initAdapter();
  }

  /** @internal (re)creates the adapter from the server's adapter option */
  initAdapter(): void {
    this.adapter = instantiate(this.server.adapterConstructor, this as unknown as Namespace);
    void Promise.resolve()
      .then(() => this.adapter.init())
      .catch((err: unknown) => this.server.reportError(err, "adapter.init"));
  }

  override on<Ev extends keyof NamespaceReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | EventNames<ServerSideEvents>>(
    ev: Ev,
    listener: Ev extends keyof NamespaceReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
      ? NamespaceReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData>[Ev]
      : ServerSideEvents[Ev & keyof ServerSideEvents],
  ): this {
    return super.on(ev, listener as (...args: unknown[]) => void);
  }

  /** Connection middleware: runs for every socket before "connection". `next(err)` refuses it (CONNECT_ERROR). */
  use(fn: NamespaceMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): this {
    this.fns.push(fn);
    return this;
  }

  // ---- broadcasting -------------------------------------------------------------------------------------------

  #operator(): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator<EmitEvents, SocketData>(this.adapter);
  }

  /** Targets room(s) for the next broadcast: `nsp.to("room").emit(…)`. A socket in several of them gets it once. */
  to(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().to(room);
  }

  /** Alias of {@link Namespace.to}. */
  in(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().in(room);
  }

  /** Leaves out the sockets in room(s) (a socket id is a room) from the next broadcast. */
  except(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().except(room);
  }

  /** The next broadcast may be dropped for clients that are not ready to receive it. */
  get volatile(): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().volatile;
  }

  /** The next broadcast reaches this server instance only (not forwarded by a cluster adapter). */
  get local(): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().local;
  }

  /** Sets per-message compression for the next broadcast. */
  compress(compress: boolean): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().compress(compress);
  }

  /**
   * The next broadcast's ack callback gets `(err, responses[])`; `err` is set when some client did not answer within
   * `ms`.
   */
  timeout(ms: number): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().timeout(ms);
  }

  /** Emits to every socket of the namespace. */
  override emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<WithMultipleAcks<EmitEvents>, Ev>): boolean {
    return this.#operator().emit(ev, ...args);
  }

  /**
   * Emits to every socket of the namespace and resolves with their acks (rejects on timeout: set one with
   * `nsp.timeout(ms)`).
   */
  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: EventParamsWithoutAck<EmitEvents, Ev>
  ): Promise<AckResult<EmitEvents, Ev>[]> {
    return this.#operator().emitWithAck(ev, ...args);
  }

  /** Emits a "message" event to every socket of the namespace. */
  send(...args: unknown[]): this {
    (this.#operator().emit as (...a: unknown[]) => boolean)("message", ...args);
    return this;
  }

  /** Alias of {@link Namespace.send}. */
  write(...args: unknown[]): this {
    return this.send(...args);
  }

  /** The sockets of this namespace, on every instance (see {@link BroadcastOperator.fetchSockets}). */
  fetchSockets(): Promise<Array<RemoteSocket<EmitEvents, SocketData>>> {
    return this.#operator().fetchSockets();
  }

  /** Makes every socket of the namespace (on every instance) join room(s). */
  socketsJoin(room: Room | Room[]): void {
    this.#operator().socketsJoin(room);
  }

  /** Makes every socket of the namespace (on every instance) leave room(s). */
  socketsLeave(room: Room | Room[]): void {
    this.#operator().socketsLeave(room);
  }

  /** Disconnects every socket of the namespace (on every instance); with `close`, their whole connections. */
  disconnectSockets(close = false): void {
    this.#operator().disconnectSockets(close);
  }

  /** @deprecated socket.io compatibility: prefer fetchSockets(). */
  allSockets(): Promise<Set<SocketId>> {
    return this.#operator().allSockets();
  }

  /**
   * Emits an event to the other server instances (received with `nsp.on(event, …)` there). A trailing callback gets
   * `(err, responses[])`, one response per other instance.
   */
  serverSideEmit<Ev extends EventNames<ServerSideEvents>>(ev: Ev, ...args: EventParams<WithMultipleAcks<ServerSideEvents>, Ev>): boolean {
    return this.#operator().serverSideEmit(ev, ...args);
  }

  /** Emits an event to the other server instances and resolves with one response per instance (rejects on timeout). */
  serverSideEmitWithAck<Ev extends EventNamesWithAck<ServerSideEvents>>(
    ev: Ev,
    ...args: EventParamsWithoutAck<ServerSideEvents, Ev>
  ): Promise<AckResult<ServerSideEvents, Ev>[]> {
    return this.#operator().serverSideEmitWithAck(ev, ...args) as Promise<AckResult<ServerSideEvents, Ev>[]>;
  }

  /** @internal an event from another instance (cluster adapters call this) */
  onServerSideEmit(args: unknown[]): void {
    const name = args[0];
    if (typeof name !== "string" || NAMESPACE_RESERVED_EVENTS.has(name)) return;
    try {
      super.emit(name, ...args.slice(1));
    } catch (err) {
      this.server.reportError(err, `server-side handler for "${name}"`);
    }
  }

  // ---- connections --------------------------------------------------------------------------------------------

  /** @internal next ack id for packets of this namespace (wraps below 2^31) */
  nextAckId(): number {
    const id = this.#ackIds;
    this.#ackIds = (id + 1) & 0x7fffffff;
    return id;
  }

  /** @internal a client asked to connect (CONNECT packet) */
  async add(client: Connection, auth: Record<string, unknown>): Promise<void> {
    const recovery = this.server.connectionStateRecovery;
    let previous = null;
    if (recovery && typeof auth["pid"] === "string" && typeof auth["offset"] === "string") {
      try {
        previous = await this.adapter.restoreSession(auth["pid"], auth["offset"]);
      } catch (err) {
        this.server.reportError(err, "adapter.restoreSession");
      }
    }
    const socket = new Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(this, client, auth, previous ?? undefined);
    if (!(previous && recovery && recovery.skipMiddlewares)) {
      const refused = await this.#runMiddlewares(socket);
      if (refused !== undefined) {
        const report = (err: unknown, what: string) => this.server.reportError(err, `connection middleware of "${this.name}": ${what}`);
        const data = refusalPayload(refused.refusal, report);
        if (client.isOpen) client.writePacket({ type: PacketType.CONNECT_ERROR, nsp: this.name, data });
        client.connectFailed(this.name);
        this.adapter.delAll(socket.id); // rooms a middleware joined: no ghost members
        return;
      }
    }
    if (!client.isOpen) {
      this.adapter.delAll(socket.id);
      return;
    }
    this.sockets.set(socket.id, socket);
    client.attach(socket);
    socket.onconnect();
    if (previous) {
      await socket.join(previous.rooms);
      for (const data of previous.missedPackets) {
        client.writePacket({ type: PacketType.EVENT, nsp: this.name, data });
      }
    }
    this.#emitSafely("connect", socket);
    this.#emitSafely("connection", socket);
  }

  /** @internal */
  remove(socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    this.sockets.delete(socket.id);
    if (this.sockets.size === 0) this.server.namespaceEmptied(this);
  }

  #emitSafely(event: string, socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    try {
      super.emit(event, socket);
    } catch (err) {
      this.server.reportError(err, `"${event}" handler`, socket);
    }
  }

  /**
   * Runs the connection middlewares in order; resolves with the first refusal — the value passed to `next`, thrown or
   * rejected, as it is (refusalPayload reads it, guarded), boxed: resolving a promise with it would read its `then`
   * — or undefined once every middleware called `next()`.
   */
  #runMiddlewares(socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): Promise<{ refusal: unknown } | undefined> {
    const fns = this.fns.slice();
    if (fns.length === 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      let index = 0;
      const step = (err?: unknown): void => {
        if (err) return resolve({ refusal: err });
        const fn = fns[index++];
        if (fn === undefined) return resolve(undefined);
        let called = false;
        const next = (e?: unknown) => {
          if (called) return;
          called = true;
          step(e);
        };
        // a throw or rejection refuses like next(err), a falsy one (throw 0, reject(null)) too; after next() it is
        // no refusal but still an error: reported
        runAppCode(
          () => fn(socket, next),
          (e) => (called ? this.server.reportError(e, `connection middleware of "${this.name}"`) : next(e || toError(e))),
        );
      };
      step();
    });
  }
}

/** Node calls this when an async "connection" listener rejects (captureRejections). */
Object.defineProperty(Namespace.prototype, Symbol.for("nodejs.rejection"), {
  value(this: Namespace, err: unknown, event: string | symbol) {
    this.server.reportError(err, `"${String(event)}" handler`);
  },
});

function instantiate(ctor: AdapterConstructor, nsp: Namespace): Adapter {
  if (typeof ctor === "function" && ctor.prototype !== undefined && ctor.prototype.constructor === ctor && isClass(ctor)) {
    return new (ctor as new (n: Namespace) => Adapter)(nsp);
  }
  return (ctor as (n: Namespace) => Adapter)(nsp);
}

function isClass(fn: unknown): boolean {
  return typeof fn === "function" && /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

/**
 * The CONNECT_ERROR payload of a middleware's refusal: its `message` and, when set, its `data`, as socket.io sends
 * them (a plain object passed to `next` works too). Each is read once, guarded: a message that is not a readable
 * string is the refusal's toError message — UNREADABLE_ERROR_MESSAGE for a refusal that cannot be read at all, which
 * is reported and sent without data; a `data` that cannot be read or JSON-encoded is left out, and reported. `data`
 * is sent as its JSON image (what the encoder would have written), so nothing the app passed is read again.
 */
function refusalPayload(value: unknown, report: (err: unknown, what: string) => void): { message: string; data?: unknown } {
  let message: unknown;
  try {
    message = (value as ExtendedError).message;
  } catch {
    // unreadable: its toError message below
  }
  if (typeof message !== "string") message = errorMessage(value);
  const payload: { message: string; data?: unknown } = { message: message as string };
  if (message === UNREADABLE_ERROR_MESSAGE) {
    report(value, "unreadable refusal");
    return payload;
  }
  try {
    const data = (value as ExtendedError).data;
    const json = data === undefined ? undefined : JSON.stringify(data);
    if (json !== undefined) payload.data = JSON.parse(json);
  } catch (err) {
    report(err, "its refusal's data could not be read or JSON-encoded (left out of connect_error)");
  }
  return payload;
}
