/**
 * The roomcast Server: socket.io v4's Server API over an engine.io server.
 */
import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type Server as HttpServer } from "node:http";
import type { Http2SecureServer, Http2Server } from "node:http2";
import { Server as EngineServer, type AttachOptions, type ServerOptions as EngineOptions } from "engine.io";
import type {
  AckResult,
  DefaultEventsMap,
  EventNames,
  EventNamesWithAck,
  EventParams,
  EventParamsWithoutAck,
  WithMultipleAcks,
} from "../shared/typed-events.js";
import { DEFAULT_MAX_ATTACHMENTS } from "../shared/decoder.js";
import { toError } from "../shared/errors.js";
import { Adapter, type AdapterConstructor } from "./adapter/adapter.js";
import type { Room, SocketId } from "./adapter/types.js";
import type { BroadcastOperator, RemoteSocket } from "./broadcast.js";
import { Connection } from "./connection.js";
import { Namespace, type NamespaceMiddleware } from "./namespace.js";
import { ParentNamespace, type NamespaceMatcher } from "./parent-namespace.js";
import { DisconnectReason } from "./reasons.js";
import type { DefaultSocketData, Socket } from "./socket.js";
import { originChecker, refuseForeignOrigins, type AllowedOrigins } from "./origins.js";
import { ErrorLog } from "./error-log.js";
import { attachServeClient } from "./serve-client.js";
import { closeSessionOnOversizedBody } from "./oversized-body.js";
import { AddressCounter, clientAddress, EventRateLimiter, refuseBusyAddresses, refuseWhile, type EventRateLimitOptions } from "./rate-limit.js";
import { InflightAcks } from "./inflight.js";
import type { ServerStats } from "./stats.js";
import { bufferLimits, type BufferLimits } from "./backpressure.js";

type AnyHttpServer = HttpServer | Http2Server | Http2SecureServer;

export interface ConnectionStateRecoveryOptions {
  /** How long a disconnected session can be recovered, in ms. Default 120 000 (2 min). */
  maxDisconnectionDuration?: number;
  /** Skip connection middlewares for a recovered session. Default true. */
  skipMiddlewares?: boolean;
  /** Most packets kept for replay per namespace (older ones are dropped first). Default 10 000. */
  maxPackets?: number;
}

export interface ServerOptions extends EngineOptions, AttachOptions {
  /** URL path the server answers on. Default "/socket.io". */
  path: string;
  /** Adapter class or factory (e.g. `createAdapter(pub, sub)` from roomcast/redis). Default: in-memory. */
  adapter: AdapterConstructor;
  /** Close a connection that has not joined any namespace within this many ms. Default 45 000. */
  connectTimeout: number;
  /** Enables connection state recovery (socket.io's feature). */
  connectionStateRecovery: ConnectionStateRecoveryOptions;
  /** Remove a dynamic child namespace when its last socket leaves. Default false. */
  cleanupEmptyChildNamespaces: boolean;
  /**
   * Origins allowed to open a session (HTTP long-polling and WebSocket). Requests with another `Origin` header are
   * refused with HTTP 403; requests without one (non-browser clients) are allowed. Default: all.
   */
  allowedOrigins: AllowedOrigins;
  /** Take `handshake.address` from the first `X-Forwarded-For` entry (only behind a trusted proxy). Default false. */
  trustProxy: boolean;
  /** Most binary attachments in one packet. Default 10. */
  maxAttachments: number;
  /** Most namespaces one connection may join; one more closes it ("parse error"). Default 100. */
  maxNamespacesPerConnection: number;
  /** Serve the browser bundle at `<path>/roomcast.min.js` (and `.map`, and the ESM bundle). Default true. */
  serveClient: boolean;
  /** Called with every error roomcast catches from app code (handlers, ack callbacks, adapters). */
  onError: (err: Error, context: string) => void;
  /**
   * Per-socket limit on incoming events (token bucket). An event over it is not dispatched; its ack, if any, gets
   * `{ error: { code: "rate_limited", … } }`; `maxViolations` refusals within `violationWindowMs` disconnect the
   * socket ("rate limited"). Default: off.
   */
  eventRateLimit: EventRateLimitOptions | false;
  /** Most concurrent Engine.IO sessions per client address (`trustProxy` honoured); more get HTTP 429. Default: off. */
  maxConnectionsPerAddress: number;
  /** How long `close()` lets acks in flight settle before disconnecting everyone, in ms. Default 5000. */
  shutdownGracePeriod: number;
  /**
   * Backpressure: most bytes buffered for one connection (engine.io's queue and the WebSocket's TCP buffer). Above
   * half of it volatile packets are dropped; a packet written while it is full closes the connection ("transport
   * buffer full"). At least 128 KiB; `Infinity` turns it off. Default 8 MiB.
   */
  maxBufferedBytes: number;
  /** Backpressure: most packets engine.io may hold for one connection (e.g. a polling client that stopped polling). Default 10 000. */
  maxBufferedPackets: number;
}

type ResolvedRecovery = Required<ConnectionStateRecoveryOptions>;

export interface ServerReservedEvents<L extends object, E extends object, S extends object, D> {
  connect: (socket: Socket<L, E, S, D>) => void | Promise<void>;
  connection: (socket: Socket<L, E, S, D>) => void | Promise<void>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  new_namespace: (namespace: Namespace<any, any, any, any>) => void;
}

export class Server<
  ListenEvents extends object = DefaultEventsMap,
  EmitEvents extends object = DefaultEventsMap,
  ServerSideEvents extends object = DefaultEventsMap,
  SocketData = DefaultSocketData,
> extends EventEmitter {
  /** The main namespace ("/"). */
  readonly sockets: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** The engine.io server (set once attached). */
  engine!: EngineServer;
  httpServer: AnyHttpServer | undefined;
  readonly #opts: Partial<ServerOptions>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly #nsps = new Map<string, Namespace<any, any, any, any>>();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly #parents = new Map<NamespaceMatcher, ParentNamespace<any, any, any, any>>();
  #adapter: AdapterConstructor;
  readonly #recovery: ResolvedRecovery | undefined;
  readonly #errors: ErrorLog;
  /** @internal acks in flight (graceful shutdown, stats) */
  readonly inflight = new InflightAcks();
  /** @internal the `eventRateLimit` buckets (undefined when off) */
  readonly eventRateLimiter: EventRateLimiter | undefined;
  readonly #addresses: AddressCounter | undefined;
  #bufferLimits: BufferLimits;
  #closing: Promise<Error | undefined> | undefined;

  constructor(opts?: Partial<ServerOptions>);
  constructor(srv: AnyHttpServer | number | undefined, opts?: Partial<ServerOptions>);
  constructor(srv?: AnyHttpServer | number | Partial<ServerOptions>, opts: Partial<ServerOptions> = {}) {
    super();
    if (typeof srv === "object" && srv !== null && !("listen" in srv)) {
      opts = srv;
      srv = undefined;
    }
    this.#opts = { path: "/socket.io", connectTimeout: 45_000, cleanupEmptyChildNamespaces: false, ...opts };
    this.#adapter = opts.adapter ?? Adapter;
    const recovery = opts.connectionStateRecovery;
    this.#recovery = recovery
      ? {
          maxDisconnectionDuration: recovery.maxDisconnectionDuration ?? 120_000,
          skipMiddlewares: recovery.skipMiddlewares ?? true,
          maxPackets: recovery.maxPackets ?? 10_000,
        }
      : undefined;
    this.#errors = new ErrorLog(opts.onError);
    this.eventRateLimiter = opts.eventRateLimit ? new EventRateLimiter(opts.eventRateLimit) : undefined;
    this.#bufferLimits = bufferLimits(opts.maxBufferedBytes, opts.maxBufferedPackets);
    this.#addresses = opts.maxConnectionsPerAddress !== undefined ? new AddressCounter(opts.maxConnectionsPerAddress) : undefined;
    this.sockets = this.of("/");
    if (srv !== undefined) this.attach(srv as AnyHttpServer | number);
  }

  // ---- options ------------------------------------------------------------------------------------------------

  /** @internal */
  get connectionStateRecovery(): ResolvedRecovery | undefined {
    return this.#recovery;
  }

  /** @internal */
  get trustProxy(): boolean {
    return this.#opts.trustProxy === true;
  }

  /** @internal */
  get connectTimeout(): number {
    return this.#opts.connectTimeout ?? 45_000;
  }

  /** @internal outgoing buffer bounds of every connection (`maxBufferedBytes`, `maxBufferedPackets`) */
  get bufferLimits(): BufferLimits {
    return this.#bufferLimits;
  }

  /** @internal */
  get maxAttachments(): number {
    return this.#opts.maxAttachments ?? DEFAULT_MAX_ATTACHMENTS;
  }

  /** @internal */
  get maxNamespacesPerConnection(): number {
    return this.#opts.maxNamespacesPerConnection ?? 100;
  }

  /** @internal */
  get adapterConstructor(): AdapterConstructor {
    return this.#adapter;
  }

  /** Gets or sets the adapter; setting it re-creates every namespace's adapter. */
  adapter(): AdapterConstructor;
  adapter(ctor: AdapterConstructor): this;
  adapter(ctor?: AdapterConstructor): AdapterConstructor | this {
    if (ctor === undefined) return this.#adapter;
    this.#adapter = ctor;
    for (const nsp of this.#nsps.values()) nsp.initAdapter();
    return this;
  }

  /** The path the server answers on. */
  path(): string {
    return this.#opts.path ?? "/socket.io";
  }

  // ---- attaching ----------------------------------------------------------------------------------------------

  /** Attaches to an HTTP server, or creates one listening on `port`. */
  attach(srv: AnyHttpServer | number, opts: Partial<ServerOptions> = {}): this {
    Object.assign(this.#opts, opts);
    this.#bufferLimits = bufferLimits(this.#opts.maxBufferedBytes, this.#opts.maxBufferedPackets);
    if (typeof srv === "number" || typeof srv === "string") {
      const port = Number(srv);
      const http = createServer();
      http.listen(port);
      srv = http;
    }
    this.httpServer = srv;
    this.#initEngine(srv);
    return this;
  }

  listen(srv: AnyHttpServer | number, opts: Partial<ServerOptions> = {}): this {
    return this.attach(srv, opts);
  }

  #initEngine(srv: AnyHttpServer): void {
    const { allowedOrigins, allowRequest, ...rest } = this.#opts;
    const engineOpts: Partial<ServerOptions> = { ...rest, path: this.path() };
    if (allowedOrigins !== undefined) {
      const allowed = originChecker(allowedOrigins);
      engineOpts.allowRequest = (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void) => {
        if (!allowed(req.headers.origin)) return callback("origin not allowed", false);
        if (allowRequest) return allowRequest(req, callback);
        callback(null, true);
      };
    } else if (allowRequest) {
      engineOpts.allowRequest = allowRequest;
    }
    this.engine = new EngineServer(engineOpts);
    // every request of a session (polls, WebSocket upgrades included) is checked, with a 403 on refusal
    if (allowedOrigins !== undefined) this.engine.use(refuseForeignOrigins(originChecker(allowedOrigins)));
    if (this.#addresses !== undefined) this.engine.use(refuseBusyAddresses(this.#addresses, this.trustProxy));
    this.engine.use(closeSessionOnOversizedBody(this.engine));
    this.engine.attach(srv as HttpServer, engineOpts);
    if (this.#opts.serveClient !== false) attachServeClient(srv, this.path());
    this.engine.on("connection", (conn: EngineServer["clients"][string]) => this.#onEngineConnection(conn));
  }

  /** Binds to an existing engine.io server. */
  bind(engine: EngineServer): this {
    this.engine = engine;
    engine.on("connection", (conn: EngineServer["clients"][string]) => this.#onEngineConnection(conn));
    return this;
  }

  #onEngineConnection(conn: EngineServer["clients"][string]): void {
    const counter = this.#addresses;
    if (counter !== undefined) {
      const address = clientAddress(conn.request, this.trustProxy, conn.remoteAddress);
      // sessions that raced past the 429 middleware together (their handshakes overlapped) are closed here
      if (!counter.acquire(address)) return void conn.close();
      conn.once("close", () => counter.release(address));
    }
    if (this.#closing !== undefined) return void conn.close();
    new Connection(this, conn);
  }

  // ---- namespaces ---------------------------------------------------------------------------------------------

  /**
   * A namespace by name, created on first use. A RegExp or a function creates a dynamic family (ParentNamespace).
   * Event maps can be given per namespace: `io.of<ChatIn, ChatOut>("/chat")`.
   */
  of<L extends object = ListenEvents, E extends object = EmitEvents, S extends object = ServerSideEvents, D = SocketData>(
    name: string | RegExp | NamespaceMatcher,
    fn?: (socket: Socket<L, E, S, D>) => void,
  ): Namespace<L, E, S, D> {
    if (typeof name === "function" || name instanceof RegExp) {
      const pattern = name;
      const matcher: NamespaceMatcher =
        typeof pattern === "function" ? pattern : (nsp, _auth, next) => next(null, pattern.test(nsp));
      const parent = new ParentNamespace<L, E, S, D>(this);
      this.#parents.set(matcher, parent);
      if (fn) parent.on("connect", fn);
      return parent;
    }
    if (!name.startsWith("/")) name = "/" + name;
    let nsp = this.#nsps.get(name) as Namespace<L, E, S, D> | undefined;
    if (nsp === undefined) {
      nsp = new Namespace<L, E, S, D>(this, name);
      this.#nsps.set(name, nsp);
      if (name !== "/") super.emit("new_namespace", nsp);
    }
    if (fn) nsp.on("connect", fn);
    return nsp;
  }

  /** All namespaces, by name. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  get namespaces(): ReadonlyMap<string, Namespace<any, any, any, any>> {
    return this.#nsps;
  }

  /** @internal finds or creates (dynamic) the namespace a client asks for */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async resolveNamespace(name: string, auth: Record<string, unknown>): Promise<Namespace<any, any, any, any> | undefined> {
    const existing = this.#nsps.get(name);
    if (existing !== undefined) return existing;
    for (const [matcher, parent] of this.#parents) {
      const allowed = await new Promise<boolean>((resolve) => {
        try {
          matcher(name, auth, (err, success) => resolve(!err && success === true));
        } catch (err) {
          this.reportError(toError(err), "dynamic namespace matcher");
          resolve(false);
        }
      });
      if (!allowed) continue;
      const again = this.#nsps.get(name); // created meanwhile by another connection
      if (again !== undefined) return again;
      const child = parent.createChild(name);
      this.#nsps.set(name, child);
      super.emit("new_namespace", child);
      return child;
    }
    return undefined;
  }

  /** @internal a namespace lost its last socket */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  namespaceEmptied(nsp: Namespace<any, any, any, any>): void {
    if (!this.#opts.cleanupEmptyChildNamespaces) return;
    for (const parent of this.#parents.values()) {
      if (parent.children.delete(nsp)) {
        this.#nsps.delete(nsp.name);
        void nsp.adapter.close().catch((err: unknown) => this.reportError(toError(err), "adapter.close"));
        return;
      }
    }
  }

  // ---- errors -------------------------------------------------------------------------------------------------

  /** @internal every error caught from app code or adapters ends up here */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  reportError(err: Error, context: string, socket?: Socket<any, any, any, any>): void {
    if (socket !== undefined && socket.listenerCount("error") > 0 && context !== `handler for "error"`) {
      try {
        EventEmitter.prototype.emit.call(socket, "error", err);
        return;
      } catch (e) {
        err = toError(e);
      }
    }
    this.#errors.report(err, context);
  }

  // ---- lifecycle ----------------------------------------------------------------------------------------------

  /** Read-only counts of the internal tables (see `ServerStats`): metrics and leak checks. */
  stats(): ServerStats {
    const stats: ServerStats = {
      engineClients: this.engine?.clientsCount ?? 0,
      namespaces: this.#nsps.size,
      sockets: 0,
      rooms: 0,
      sids: 0,
      acksAwaited: this.inflight.awaited,
      acksOwed: this.inflight.owed,
      recoverySessions: 0,
      recoveryPackets: 0,
      rateLimitBuckets: this.eventRateLimiter?.size ?? 0,
      trackedAddresses: this.#addresses?.size ?? 0,
      closing: this.#closing !== undefined,
    };
    for (const nsp of this.#nsps.values()) {
      stats.sockets += nsp.sockets.size;
      stats.rooms += nsp.adapter.rooms.size;
      stats.sids += nsp.adapter.sids.size;
      const backlog = nsp.adapter.recoveryBacklog;
      stats.recoverySessions += backlog.sessions;
      stats.recoveryPackets += backlog.packets;
    }
    return stats;
  }

  /**
   * Graceful shutdown: refuses new sessions (HTTP 503), lets acks in flight settle for up to `shutdownGracePeriod`
   * ms, then disconnects every socket ("server shutting down"), closes engine.io, the adapters (a cluster adapter
   * tells its peers at once) and the HTTP server. Calling it again returns the same shutdown.
   */
  async close(fn?: (err?: Error) => void): Promise<void> {
    this.#closing ??= this.#shutdown();
    const error = await this.#closing;
    fn?.(error);
  }

  async #shutdown(): Promise<Error | undefined> {
    this.engine?.use(refuseWhile(() => true));
    await this.inflight.settled(this.#opts.shutdownGracePeriod ?? 5000);
    for (const nsp of this.#nsps.values()) {
      for (const socket of [...nsp.sockets.values()]) socket.onclose(DisconnectReason.SERVER_SHUTTING_DOWN);
    }
    this.engine?.close();
    await Promise.all(
      [...this.#nsps.values(), ...this.#parents.values()].map((nsp) =>
        nsp.adapter.close().catch((err: unknown) => this.reportError(toError(err), "adapter.close")),
      ),
    );
    let error: Error | undefined;
    const http = this.httpServer;
    if (http !== undefined && http.listening) {
      await new Promise<void>((resolve) =>
        http.close((err?: Error) => {
          error = err;
          resolve();
        }),
      );
    }
    return error;
  }

  // ---- listening and main-namespace shortcuts -----------------------------------------------------------------

  override on<Ev extends keyof ServerReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | EventNames<ServerSideEvents>>(
    ev: Ev,
    listener: Ev extends keyof ServerReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
      ? ServerReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData>[Ev]
      : ServerSideEvents[Ev & keyof ServerSideEvents],
  ): this {
    if (ev === "new_namespace") return super.on(ev, listener as (...args: unknown[]) => void);
    (this.sockets.on as (e: string, l: unknown) => unknown)(ev, listener);
    return this;
  }

  override once<Ev extends keyof ServerReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | EventNames<ServerSideEvents>>(
    ev: Ev,
    listener: Ev extends keyof ServerReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
      ? ServerReservedEvents<ListenEvents, EmitEvents, ServerSideEvents, SocketData>[Ev]
      : ServerSideEvents[Ev & keyof ServerSideEvents],
  ): this {
    if (ev === "new_namespace") return super.once(ev, listener as (...args: unknown[]) => void);
    this.sockets.once(ev, listener as (...args: unknown[]) => void);
    return this;
  }

  override off(ev: string | symbol, listener: (...args: never[]) => void): this {
    if (ev === "new_namespace") return super.off(ev, listener as (...args: unknown[]) => void);
    this.sockets.off(ev, listener as (...args: unknown[]) => void);
    return this;
  }

  override removeListener(ev: string | symbol, listener: (...args: never[]) => void): this {
    return this.off(ev, listener);
  }

  override removeAllListeners(ev?: string | symbol): this {
    if (ev === undefined || ev !== "new_namespace") this.sockets.removeAllListeners(ev);
    if (ev === undefined || ev === "new_namespace") super.removeAllListeners(ev);
    return this;
  }

  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  override listeners(ev: string | symbol): Function[] {
    return ev === "new_namespace" ? super.listeners(ev) : this.sockets.listeners(ev);
  }

  override listenerCount(ev: string | symbol): number {
    return ev === "new_namespace" ? super.listenerCount(ev) : this.sockets.listenerCount(ev);
  }

  use(fn: NamespaceMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): this {
    this.sockets.use(fn);
    return this;
  }

  to(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.to(room);
  }

  in(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.in(room);
  }

  except(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.except(room);
  }

  override emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    return this.sockets.emit(ev, ...args);
  }

  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: EventParamsWithoutAck<EmitEvents, Ev>
  ): Promise<AckResult<EmitEvents, Ev>[]> {
    return this.sockets.emitWithAck(ev, ...args);
  }

  send(...args: unknown[]): this {
    this.sockets.send(...args);
    return this;
  }

  write(...args: unknown[]): this {
    return this.send(...args);
  }

  get volatile(): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.volatile;
  }

  get local(): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.local;
  }

  compress(compress: boolean): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.compress(compress);
  }

  timeout(ms: number): BroadcastOperator<WithMultipleAcks<EmitEvents>, SocketData> {
    return this.sockets.timeout(ms);
  }

  fetchSockets(): Promise<Array<RemoteSocket<EmitEvents, SocketData>>> {
    return this.sockets.fetchSockets();
  }

  socketsJoin(room: Room | Room[]): void {
    this.sockets.socketsJoin(room);
  }

  socketsLeave(room: Room | Room[]): void {
    this.sockets.socketsLeave(room);
  }

  disconnectSockets(close = false): void {
    this.sockets.disconnectSockets(close);
  }

  /** @deprecated socket.io compatibility: prefer fetchSockets(). */
  allSockets(): Promise<Set<SocketId>> {
    return this.sockets.allSockets();
  }

  serverSideEmit<Ev extends EventNames<ServerSideEvents>>(ev: Ev, ...args: EventParams<ServerSideEvents, Ev>): boolean {
    return this.sockets.serverSideEmit(ev, ...args);
  }

  serverSideEmitWithAck<Ev extends EventNamesWithAck<ServerSideEvents>>(
    ev: Ev,
    ...args: EventParamsWithoutAck<ServerSideEvents, Ev>
  ): Promise<AckResult<ServerSideEvents, Ev>[]> {
    return this.sockets.serverSideEmitWithAck(ev, ...args);
  }
}
