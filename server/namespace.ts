/**
 * A namespace: a named channel multiplexed on connections, with its own middlewares, sockets and adapter (rooms).
 */
import type { EventEmitter } from "node:events";
import { PacketType } from "../shared/packet.js";
import { UNREADABLE_ERROR_MESSAGE, errorMessage } from "../shared/errors.js";
import type { DefaultEventsMap, EventNames } from "../shared/typed-events.js";
import type { Adapter, AdapterConstructor } from "./adapter/adapter.js";
import type { AdapterHost, SocketId } from "./adapter/types.js";
import { BroadcastOperator } from "./broadcast.js";
import { Broadcaster } from "./broadcaster.js";
import type { Client } from "./client.js";
import type { ProxyTrust } from "./client-address.js";
import type { InflightAcks } from "./inflight.js";
import type { ResolvedRecovery } from "./options.js";
import type { EventRateLimiter } from "./rate-limit.js";
import { NAMESPACE_RESERVED_EVENTS } from "./reasons.js";
import { Socket, type DefaultSocketData } from "./socket.js";
import { runMiddlewares } from "./packet-middleware.js";
import type { Upward } from "./upward.js";

declare module "./upward.js" {
  interface Upward<ListenEvents extends object, EmitEvents extends object, ServerSideEvents extends object, SocketData> {
    /** `socket.nsp`. */
    namespace: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  }
}

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

/** What a namespace needs from its server, given by the server when it creates the namespace. */
export interface NamespaceContext {
  /** `connectionStateRecovery` with its defaults; undefined when off. */
  readonly recovery: ResolvedRecovery | undefined;
  /** The compiled `trustProxy` option. */
  readonly trustProxy: ProxyTrust;
  /** The `eventRateLimit` buckets (undefined when off). */
  readonly rateLimiter: EventRateLimiter | undefined;
  /** The server's count of acks in flight. */
  readonly inflight: InflightAcks;
  /** The `adapter` option (read each time an adapter is made: `io.adapter(ctor)` changes it). */
  readonly adapterConstructor: AdapterConstructor;
  /** Reports an error: to `socket`'s "error" listeners when it has some, else `onError` / the log. Never throws. */
  reportError(err: unknown, context: string, socket?: EventEmitter): void;
  /** The namespace lost its last socket (dynamic children may be cleaned up). */
  namespaceEmptied<L extends object, E extends object, S extends object, D>(nsp: Namespace<L, E, S, D>): void;
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
  >
  // it is the AdapterHost of its adapter, the SocketContext of its sockets and a JoinableNamespace for the client
  // sessions (structurally: those members are internal, left out of the published types)
  extends Broadcaster<EmitEvents, ServerSideEvents, SocketData> {
  /** The namespace's name, e.g. "/chat". */
  readonly name: string;
  /** The server this namespace belongs to. */
  readonly server: Upward<ListenEvents, EmitEvents, ServerSideEvents, SocketData>["server"];
  /** Connected sockets of this namespace on this instance, by id. */
  readonly sockets = new Map<SocketId, Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
  /** The adapter holding this namespace's rooms (created from the server's `adapter` option). */
  adapter!: Adapter;
  /** @internal */
  fns: Array<NamespaceMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> = [];
  readonly #context: NamespaceContext;
  #ackIds = 0;

  /** @internal made by the server (`io.of(name)`), with what the namespace needs from it */
  constructor(server: Upward<ListenEvents, EmitEvents, ServerSideEvents, SocketData>["server"], name: string, context: NamespaceContext) {
    super({ captureRejections: true });
    this.server = server;
    this.name = name;
    this.#context = context;
    this.initAdapter();
  }

  /** @internal (re)creates the adapter from the server's adapter option */
  initAdapter(): void {
    this.adapter = instantiate(this.#context.adapterConstructor, this);
    void Promise.resolve()
      .then(() => this.adapter.init())
      .catch((err: unknown) => this.reportError(err, "adapter.init"));
  }

  /** @internal the context this namespace was made with (a dynamic family's children get the same) */
  get context(): NamespaceContext {
    return this.#context;
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

  /** @internal every socket of the namespace, for the broadcast surface (Broadcaster) */
  protected operator(): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator<EmitEvents, SocketData>(this.adapter);
  }

  // ---- what the namespace gives its adapter and its sockets (AdapterHost, SocketContext) ----------------------

  /** @internal `socket.nsp` of this namespace's sockets */
  get namespace(): this {
    return this;
  }

  /** @internal connection state recovery's limits (undefined when off) */
  get recovery(): ResolvedRecovery | undefined {
    return this.#context.recovery;
  }

  /** @internal whether connection state recovery is on */
  get recovers(): boolean {
    return this.#context.recovery !== undefined;
  }

  /** @internal */
  get trustProxy(): ProxyTrust {
    return this.#context.trustProxy;
  }

  /** @internal */
  get rateLimiter(): EventRateLimiter | undefined {
    return this.#context.rateLimiter;
  }

  /** @internal */
  get inflight(): InflightAcks {
    return this.#context.inflight;
  }

  /** @internal reports an error (see NamespaceContext.reportError) */
  reportError(err: unknown, context: string, socket?: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    this.#context.reportError(err, context, socket);
  }

  /** @internal an event from another instance (cluster adapters call this) */
  onServerSideEmit(args: unknown[]): void {
    const name = args[0];
    if (typeof name !== "string" || NAMESPACE_RESERVED_EVENTS.has(name)) return;
    try {
      this.emitReserved(name, ...args.slice(1));
    } catch (err) {
      this.reportError(err, `server-side handler for "${name}"`);
    }
  }

  /** @internal next ack id for packets of this namespace (wraps below 2^31) */
  nextAckId(): number {
    const id = this.#ackIds;
    this.#ackIds = (id + 1) & 0x7fffffff;
    return id;
  }

  // ---- connections --------------------------------------------------------------------------------------------

  /** @internal a client asked to connect (CONNECT packet) */
  async add(client: Client, auth: Record<string, unknown>): Promise<void> {
    const recovery = this.#context.recovery;
    let previous = null;
    if (recovery && typeof auth["pid"] === "string" && typeof auth["offset"] === "string") {
      try {
        previous = await this.adapter.restoreSession(auth["pid"], auth["offset"]);
      } catch (err) {
        this.reportError(err, "adapter.restoreSession");
      }
    }
    const socket = new Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(this, client, auth, previous ?? undefined);
    if (!(previous && recovery && recovery.skipMiddlewares)) {
      const refused = await this.#runMiddlewares(socket);
      if (refused !== undefined) {
        const report = (err: unknown, what: string) => this.reportError(err, `connection middleware of "${this.name}": ${what}`);
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
      this.adapter.sessionRestored(socket.id);
    }
    this.#emitSafely("connect", socket);
    this.#emitSafely("connection", socket);
  }

  /** @internal */
  remove(socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    this.sockets.delete(socket.id);
    if (this.sockets.size === 0) this.#context.namespaceEmptied(this);
  }

  #emitSafely(event: string, socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    try {
      this.emitReserved(event, socket);
    } catch (err) {
      this.reportError(err, `"${event}" handler`, socket);
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
      runMiddlewares(fns, socket, (refused, late) => {
        if (late) this.reportError(refused!.value, `connection middleware of "${this.name}"`);
        else resolve(refused === undefined ? undefined : { refusal: refused.value });
      });
    });
  }

}

/** Node calls this when an async "connection" listener rejects (captureRejections). */
Object.defineProperty(Namespace.prototype, Symbol.for("nodejs.rejection"), {
  value(this: Namespace, err: unknown, event: string | symbol) {
    this.reportError(err, `"${String(event)}" handler`);
  },
});

function instantiate(ctor: AdapterConstructor, nsp: AdapterHost): Adapter {
  if (typeof ctor === "function" && ctor.prototype !== undefined && ctor.prototype.constructor === ctor && isClass(ctor)) {
    return new (ctor as new (n: AdapterHost) => Adapter)(nsp);
  }
  return (ctor as (n: AdapterHost) => Adapter)(nsp);
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
