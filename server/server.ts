/**
 * The roomcast Server: socket.io v4's Server API over an engine.io server.
 */
import { createServer } from "node:http";
import { Server as EngineServer } from "engine.io";
import type { DefaultEventsMap, EventNames } from "../shared/typed-events.js";
import type { AdapterConstructor } from "./adapter/adapter.js";
import { BroadcastOperator } from "./broadcast.js";
import { Broadcaster } from "./broadcaster.js";
import { Client } from "./client.js";
import { Namespace, type NamespaceMiddleware } from "./namespace.js";
import { ParentNamespace, type NamespaceMatcher } from "./parent-namespace.js";
import type { DefaultSocketData, Socket } from "./socket.js";
import { attachServeClient } from "./serve-client.js";
import { countStats, type ServerStats } from "./stats.js";
import { DEFAULT_PATH, DEFAULT_SHUTDOWN_GRACE_PERIOD, type AnyHttpServer, type ServerOptions } from "./options.js";
import { admitConnection, attachEngine, engineOptions, type EngineConnection } from "./attach.js";
import { toMatcher } from "./namespace-registry.js";
import { guardAllowRequest } from "./app-code.js";
import { ServerContext } from "./server-context.js";
import { closeHttpServer, shutdown } from "./shutdown.js";

export type { ConnectionStateRecoveryOptions, ServerOptions } from "./options.js";

declare module "./upward.js" {
  interface Upward<ListenEvents extends object, EmitEvents extends object, ServerSideEvents extends object, SocketData> {
    /** `namespace.server`. */
    server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  }
}

/** Events the server emits by itself, listened to with `io.on(…)` (the main namespace's, plus "new_namespace"). */
export interface ServerReservedEvents<L extends object, E extends object, S extends object, D> {
  /** Alias of "connection". */
  connect: (socket: Socket<L, E, S, D>) => void;
  /** A client joined the main namespace ("/"), after every middleware accepted it. */
  connection: (socket: Socket<L, E, S, D>) => void;
  /** A namespace was created (by `io.of(name)`, or a child of a dynamic family on first use). Not emitted for "/". */
  new_namespace: (namespace: Namespace<L, E, S, D>) => void;
}

/**
 * The roomcast server: socket.io v4's `Server` API (namespaces, rooms, middlewares, acks, adapters) over an
 * engine.io server. Drop-in for `import { Server } from "socket.io"`.
 *
 * The four type parameters are socket.io's, in its order: events the server listens to (client → server), events it
 * emits (server → client), events between server instances (`serverSideEmit`), and the type of `socket.data`.
 *
 * Events: see {@link ServerReservedEvents}.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { Server } from "roomcast/server";
 *
 * const httpServer = createServer();
 * const io = new Server(httpServer, { cors: { origin: "https://example.com" } });
 * io.on("connection", (socket) => {
 *   socket.join("lobby");
 *   socket.on("chat", (text: string) => io.to("lobby").emit("chat", text));
 * });
 * httpServer.listen(3000);
 * ```
 */
export class Server<
  ListenEvents extends object = DefaultEventsMap,
  EmitEvents extends object = ListenEvents,
  ServerSideEvents extends object = DefaultEventsMap,
  SocketData = DefaultSocketData,
> extends Broadcaster<EmitEvents, ServerSideEvents, SocketData> {
  /** The main namespace ("/"). */
  readonly sockets: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** The engine.io server (set once attached). */
  engine!: EngineServer;
  /**
   * The HTTP server the engine is attached to (created by `attach(port)` / `listen(port)`); undefined until attached.
   */
  httpServer: AnyHttpServer | undefined;
  /** What the server hands down to its namespaces and client sessions: options, tables, error reporting. */
  readonly #ctx: ServerContext;
  #closing: Promise<Error | undefined> | undefined;

  /** A server not attached yet: call {@link Server.attach} / {@link Server.listen} (or {@link Server.bind}) next. */
  constructor(opts?: Partial<ServerOptions>);
  /** A server attached to an HTTP server, or to a new one listening on port `srv`. */
  constructor(srv: AnyHttpServer | number | undefined, opts?: Partial<ServerOptions>);
  constructor(srv?: AnyHttpServer | number | Partial<ServerOptions>, opts: Partial<ServerOptions> = {}) {
    super({ captureRejections: true }); // an async "new_namespace" listener that rejects is reported
    if (typeof srv === "object" && srv !== null && !("listen" in srv)) {
      opts = srv;
      srv = undefined;
    }
    this.#ctx = new ServerContext(opts, (nsp) => this.emitReserved("new_namespace", nsp));
    this.sockets = this.of("/");
    if (srv !== undefined) this.attach(srv as AnyHttpServer | number);
  }

  // ---- options ------------------------------------------------------------------------------------------------

  /**
   * Gets or sets `connectTimeout`: how long (ms) a connection may stay without joining any namespace before it is
   * closed (socket.io's accessor; a new value applies to connections opened after it).
   */
  connectTimeout(): number;
  connectTimeout(v: number): this;
  connectTimeout(v?: number): number | this {
    if (v === undefined) return this.#ctx.connectTimeout;
    this.#ctx.opts.connectTimeout = v;
    return this;
  }

  /** Gets or sets the adapter; setting it re-creates every namespace's adapter. */
  adapter(): AdapterConstructor;
  adapter(ctor: AdapterConstructor): this;
  adapter(ctor?: AdapterConstructor): AdapterConstructor | this {
    if (ctor === undefined) return this.#ctx.adapterConstructor;
    this.#ctx.adapterConstructor = ctor;
    for (const nsp of this.#ctx.namespaces.byName.values()) nsp.initAdapter();
    return this;
  }

  /**
   * Whether the browser client is served at `<path>/socket.io.js` & co. (the `serveClient` option, default true);
   * `serveClient(v)` changes it, effective from the next request, and returns the server.
   */
  serveClient(): boolean;
  serveClient(v: boolean): this;
  serveClient(v?: boolean): boolean | this {
    if (v === undefined) return this.#ctx.opts.serveClient !== false;
    this.#ctx.opts.serveClient = v;
    return this;
  }

  /**
   * Gets or sets the path the server answers on (socket.io's accessor; a trailing "/" is dropped). Set it before
   * `attach()` / `listen()`: the engine and the served client files are bound to the path they were attached with.
   */
  path(): string;
  path(v: string): this;
  path(v?: string): string | this {
    if (v === undefined) return this.#ctx.opts.path ?? DEFAULT_PATH;
    this.#ctx.opts.path = v.replace(/\/$/, "");
    return this;
  }

  // ---- attaching ----------------------------------------------------------------------------------------------

  /** Attaches to an HTTP server, or creates one listening on `port`. */
  attach(srv: AnyHttpServer | number, opts: Partial<ServerOptions> = {}): this {
    this.#ctx.reconfigure(opts);
    if (typeof srv === "number" || typeof srv === "string") {
      const port = Number(srv);
      const http = createServer();
      http.listen(port);
      srv = http;
    }
    this.httpServer = srv;
    this.#initEngine(srv);
    this.#closing = undefined; // listening again after close(): new sessions are accepted (as socket.io)
    return this;
  }

  /** Alias of {@link Server.attach}: attaches to an HTTP server, or creates one listening on `port`. */
  listen(srv: AnyHttpServer | number, opts: Partial<ServerOptions> = {}): this {
    return this.attach(srv, opts);
  }

  #initEngine(srv: AnyHttpServer): void {
    const ctx = this.#ctx;
    const allowRequest = guardAllowRequest(ctx.opts.allowRequest, (err) => ctx.reportError(err, "allowRequest"));
    const engineOpts = engineOptions({ ...ctx.opts, allowRequest }, this.path(), ctx.origins);
    this.engine = new EngineServer(engineOpts);
    attachEngine(this.engine, srv, engineOpts, ctx.origins, ctx.addresses, ctx.trustProxy);
    attachServeClient(srv, this.path(), {
      enabled: () => ctx.opts.serveClient !== false, // asked per request: serveClient(bool) takes effect at once
      cors: (req, done) => ctx.origins.check(req, done),
    });
    this.engine.on("connection", (conn: EngineConnection) => this.#onEngineConnection(conn));
  }

  /** Binds to an existing engine.io server. */
  bind(engine: EngineServer): this {
    this.engine = engine;
    engine.on("connection", (conn: EngineConnection) => this.#onEngineConnection(conn));
    this.#closing = undefined;
    return this;
  }

  #onEngineConnection(conn: EngineConnection): void {
    // refused: discarded at once (a polling session closed normally would wait up to 30 s for a GET to tell it)
    if (this.#closing !== undefined || !admitConnection(conn, this.#ctx.addresses, this.#ctx.trustProxy)) return void conn.close(true);
    new Client(this.#ctx, conn); // releases what admitConnection counted when the session closes
  }

  // ---- namespaces ---------------------------------------------------------------------------------------------

  /**
   * A namespace by name, created on first use. A RegExp or a function creates a dynamic family (ParentNamespace).
   * Event maps can be given per namespace: `io.of<ChatIn, ChatOut>("/chat")`.
   *
   * @example
   * ```ts
   * io.of("/admin").use(requireAdmin).on("connection", (socket) => socket.join("admins"));
   * // a dynamic family: one child namespace per matching name
   * io.of(/^\/team-\d+$/).on("connection", (socket) => socket.emit("hello", socket.nsp.name));
   * ```
   */
  of<L extends object = ListenEvents, E extends object = EmitEvents, S extends object = ServerSideEvents, D = SocketData>(
    name: string | RegExp | NamespaceMatcher,
    fn?: (socket: Socket<L, E, S, D>) => void,
  ): Namespace<L, E, S, D> {
    if (typeof name === "function" || name instanceof RegExp) {
      const matcher = toMatcher(name);
      const parent = new ParentNamespace<L, E, S, D>(this.#as<L, E, S, D>(), this.#ctx);
      this.#ctx.namespaces.addParent(matcher, parent);
      if (fn) parent.on("connect", fn);
      return parent;
    }
    if (!name.startsWith("/")) name = "/" + name;
    let nsp = this.#ctx.namespaces.byName.get(name) as Namespace<L, E, S, D> | undefined;
    if (nsp === undefined) {
      nsp = new Namespace<L, E, S, D>(this.#as<L, E, S, D>(), name, this.#ctx);
      this.#ctx.namespaces.byName.set(name, nsp);
      if (name !== "/") this.emitReserved("new_namespace", nsp);
    }
    if (fn) nsp.on("connect", fn);
    return nsp;
  }

  /**
   * This server as `namespace.server` of a namespace typed with its own event maps (`io.of<L, E, S, D>(name)`): as in
   * socket.io, a namespace names its server with its own generics.
   */
  #as<L extends object, E extends object, S extends object, D>(): Server<L, E, S, D> {
    return this as unknown as Server<L, E, S, D>;
  }

  /** All namespaces, by name (typed with the server's event maps, as socket.io types them). */
  get namespaces(): ReadonlyMap<string, Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> {
    // the registry holds them by the members that do not depend on their event maps; they are Namespace objects
    return this.#ctx.namespaces.byName as unknown as ReadonlyMap<string, Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>;
  }

  /**
   * socket.io compatibility: socket.io keeps its namespaces in the private `_nsps` map, and tools written for it read
   * that map (`@socket.io/admin-ui`'s `instrument(io)` iterates it). The same map as {@link namespaces}, read-only,
   * typed as socket.io types it (with the server's event maps).
   */
  get _nsps(): ReadonlyMap<string, Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> {
    return this.namespaces;
  }

  // ---- errors -------------------------------------------------------------------------------------------------

  /** Node calls this when an async "new_namespace" listener rejects (captureRejections). */
  [Symbol.for("nodejs.rejection")](err: unknown, event: string | symbol): void {
    this.#ctx.reportError(err, `"${String(event)}" listener`);
  }

  // ---- lifecycle ----------------------------------------------------------------------------------------------

  /** Read-only counts of the internal tables (see `ServerStats`): metrics and leak checks. */
  stats(): ServerStats {
    const closing = this.#closing !== undefined;
    const { namespaces, inflight, rateLimiter, addresses } = this.#ctx;
    return countStats(this.engine, namespaces.byName, inflight, rateLimiter, addresses, closing);
  }

  /**
   * Graceful shutdown: refuses new sessions (HTTP 503), lets acks in flight settle for up to `shutdownGracePeriod`
   * ms, then disconnects every socket ("server shutting down"), closes engine.io, the adapters (a cluster adapter
   * tells its peers at once) and the HTTP server. `fn` gets the HTTP server's close error, as with socket.io:
   * `ERR_SERVER_NOT_RUNNING` when it was not listening (or already closed: a second call waits for the same shutdown,
   * then gets that). The promise never rejects. `listen()`/`attach()` afterwards accepts sessions again.
   */
  async close(fn?: (err?: Error) => void): Promise<void> {
    const again = this.#closing !== undefined;
    const target = {
      engine: this.engine,
      httpServer: this.httpServer,
      inflight: this.#ctx.inflight,
      reportError: (err: Error, context: string) => this.#ctx.reportError(err, context),
    };
    this.#closing ??= shutdown(target, this.#ctx.namespaces, this.#ctx.opts.shutdownGracePeriod ?? DEFAULT_SHUTDOWN_GRACE_PERIOD);
    let error = await this.#closing;
    // a later call waits for the same shutdown, then gets what socket.io's gets: the HTTP server's "not running"
    if (again && this.httpServer !== undefined) error = await closeHttpServer(this.httpServer);
    fn?.(error);
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

  /**
   * Registers a connection middleware on the main namespace (see {@link Namespace.use}).
   *
   * @example
   * ```ts
   * io.use((socket, next) => {
   *   if (typeof socket.handshake.auth.token === "string") next();
   *   else next(new Error("unauthorized")); // the client gets "connect_error" with this message
   * });
   * ```
   */
  use(fn: NamespaceMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): this {
    this.sockets.use(fn);
    return this;
  }

  /** @internal the broadcast surface (Broadcaster) acts on the main namespace */
  protected operator(): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator<EmitEvents, SocketData>(this.sockets.adapter);
  }
}
