/**
 * The Manager: one engine.io connection, shared by the sockets of several namespaces. Opens it, reconnects with
 * exponential backoff, decodes incoming frames (shared codec) and routes packets to the namespace's socket.
 */
import { Socket as Engine } from "engine.io-client";
import { Decoder } from "../shared/decoder.js";
import { RoomcastError } from "../shared/errors.js";
import { encodePacket } from "../shared/encoder.js";
import type { Packet } from "../shared/packet.js";
import type { DefaultEventsMap } from "../shared/typed-events.js";
import { backoffDelay } from "./backoff.js";
import { Emitter, safely } from "./emitter.js";
import type { ManagerOptions, SocketOptions } from "./options.js";
import { Socket, type DisconnectDescription, type DisconnectReason } from "./socket.js";

/** Events a {@link Manager} emits (listen with `socket.io.on(…)`). */
export interface ManagerReservedEvents {
  /** The connection is open. */
  open: () => void;
  /** The connection (or a connection attempt) failed. */
  error: (err: Error) => void;
  /** The server sent a ping. */
  ping: () => void;
  /** A decoded packet arrived (any namespace). */
  packet: (packet: Packet) => void;
  /**
   * The connection closed ("transport close", "ping timeout", "parse error"…; "forced close" after `disconnect()`),
   * with what the transport knows.
   */
  close: (reason: string, description?: DisconnectDescription) => void;
  /** Gave up after `reconnectionAttempts` attempts. */
  reconnect_failed: () => void;
  /** A reconnection attempt starts (1, 2, …). */
  reconnect_attempt: (attempt: number) => void;
  /** A reconnection attempt failed. */
  reconnect_error: (err: Error) => void;
  /** Reconnected, after `attempt` attempts. */
  reconnect: (attempt: number) => void;
}

type ReadyState = "opening" | "open" | "closed";
/** The options read and set through the socket.io-style getter/setter methods of the same name. */
type AccessorOption = "reconnectionAttempts" | "reconnectionDelay" | "reconnectionDelayMax" | "randomizationFactor" | "timeout";

declare module "./upward.js" {
  interface ClientUpward {
    /** `socket.io`. */
    manager: Manager;
  }
}

/**
 * The Manager: one engine.io connection, shared by the sockets of several namespaces (`socket.io` on a
 * {@link Socket}). It opens the connection, reconnects with exponential backoff and jitter, and routes packets to
 * the namespaces' sockets. Same API as socket.io-client's `Manager`.
 *
 * @example
 * ```ts
 * import { Manager } from "roomcast/client";
 *
 * const manager = new Manager("https://example.com", { reconnectionDelayMax: 10_000 });
 * const chat = manager.socket("/chat");
 * const admin = manager.socket("/admin", { auth: { token: "…" } });
 * ```
 */
export class Manager<ListenEvents extends object = DefaultEventsMap, EmitEvents extends object = ListenEvents> extends Emitter<ManagerReservedEvents> {
  /**
   * The engine.io-client socket of the current connection attempt. Set by `open()` (at construction unless
   * `autoConnect: false`), typed as set, as socket.io-client types it: read it once connecting or connected.
   */
  engine!: Engine;
  /** The URL given to the constructor (undefined: the page's own origin in a browser). */
  declare readonly uri: string | undefined;
  /** The options (the reconnection ones can be changed with the methods of the same name). */
  declare readonly opts: ManagerOptions;
  /** Sockets by namespace. */
  readonly nsps: Record<string, Socket> = Object.create(null) as Record<string, Socket>;
  /** @internal */
  _readyState: ReadyState = "closed";
  /** @internal */
  _reconnecting = false;
  /** @internal */
  declare readonly _autoConnect: boolean;
  /** Reconnection attempts since the last successful connection. */
  #attempts = 0;
  readonly #decoder = new Decoder();
  #subs: (() => void)[] = [];
  #skipReconnect = false;

  /** A Manager for the page's own origin (in a browser); connects at once unless `autoConnect` is false. */
  constructor(opts?: ManagerOptions);
  /** A Manager for `uri` (e.g. "https://example.com"); connects at once unless `autoConnect` is false. */
  constructor(uri?: string, opts?: ManagerOptions);
  constructor(uri?: string | ManagerOptions, opts: ManagerOptions = {}) {
    super();
    if (typeof uri === "object") {
      opts = uri;
      uri = undefined;
    }
    this.uri = uri;
    this.opts = { ...opts, path: opts.path ?? "/socket.io" };
    this._autoConnect = opts.autoConnect !== false;
    if (this._autoConnect) this.open();
  }

  // ---- reconnection settings (socket.io-compatible getters/setters) ---------------------------------------------

  /** Whether the Manager reconnects after a lost connection. */
  reconnection(): boolean;
  /** Turns reconnection on or off. */
  reconnection(v: boolean): this;
  reconnection(v?: boolean): boolean | this {
    if (v === undefined) return this.opts.reconnection !== false;
    this.opts.reconnection = v;
    if (!v) this.#skipReconnect = true;
    return this;
  }

  /** Attempts before giving up (see {@link ManagerOptions.reconnectionAttempts}). */
  reconnectionAttempts(): number;
  /** Sets the attempts before giving up. */
  reconnectionAttempts(v: number): this;
  reconnectionAttempts(v?: number): number | this {
    return this.#option("reconnectionAttempts", v, Infinity);
  }

  /** The first delay before reconnecting, in ms. */
  reconnectionDelay(): number;
  /** Sets the first delay before reconnecting, in ms. */
  reconnectionDelay(v: number): this;
  reconnectionDelay(v?: number): number | this {
    return this.#option("reconnectionDelay", v, 1000);
  }

  /** The longest delay between attempts, in ms. */
  reconnectionDelayMax(): number;
  /** Sets the longest delay between attempts, in ms. */
  reconnectionDelayMax(v: number): this;
  reconnectionDelayMax(v?: number): number | this {
    return this.#option("reconnectionDelayMax", v, 5000);
  }

  /** The jitter factor of the delays (0 to 1). */
  randomizationFactor(): number;
  /** Sets the jitter factor of the delays (0 to 1). */
  randomizationFactor(v: number): this;
  randomizationFactor(v?: number): number | this {
    return this.#option("randomizationFactor", v, 0.5);
  }

  /** The connection timeout in ms, or false. */
  timeout(): number | false;
  /** Sets the connection timeout in ms, or false for none. */
  timeout(v: number | false): this;
  timeout(v?: number | false): number | false | this {
    return this.#option("timeout", v, 20_000);
  }

  /** The value of option `key` (`fallback` when unset), or, given `v`, sets it and returns this. */
  #option<K extends AccessorOption>(
    key: K,
    v: ManagerOptions[K],
    fallback: NonNullable<ManagerOptions[K]>,
  ): NonNullable<ManagerOptions[K]> | this {
    if (v === undefined) return this.opts[key] ?? fallback;
    this.opts[key] = v;
    return this;
  }

  // ---- connection ---------------------------------------------------------------------------------------------

  /** Opens the connection (no-op while opening or open); `fn` gets the outcome. */
  open(fn?: (err?: Error) => void): this {
    if (this._readyState !== "closed") return this;
    // engine.io-client reads its options from `opts` when `uri` is undefined, as with `new Engine(opts)`
    const engine = new Engine(this.uri as string, this.opts);
    this.engine = engine;
    this._readyState = "opening";
    this.#skipReconnect = false;
    const onError = (e: unknown): void => {
      this.#cleanup();
      this._readyState = "closed";
      const err = this.#onerror(e);
      if (fn) fn(err);
      else if (!this._reconnecting && this.reconnection() && this.#attempts === 0) this.#reconnect();
    };
    this.#on(engine, "open", () => {
      this.#onopen(engine);
      fn?.();
    });
    this.#on(engine, "error", onError);
    const timeout = this.timeout();
    if (timeout !== false) {
      this.#timer(() => {
        onError(new RoomcastError("ERR_CONNECT_TIMEOUT", "timeout"));
        engine.close();
      }, timeout);
    }
    return this;
  }

  /** Alias of {@link Manager.open}. */
  connect(fn?: (err?: Error) => void): this {
    return this.open(fn);
  }

  /** The socket of namespace `nsp`, created on first use. */
  socket<L extends object = ListenEvents, E extends object = EmitEvents>(nsp: string, opts?: SocketOptions): Socket<L, E> {
    let socket = this.nsps[nsp];
    if (socket === undefined) {
      socket = new Socket(this, nsp, opts) as unknown as Socket;
      this.nsps[nsp] = socket;
    } else if (this._autoConnect && !socket.active) {
      socket.connect();
    }
    return socket as unknown as Socket<L, E>;
  }

  /** Closes the connection and stops reconnecting (sockets stay registered; `socket.connect()` reopens). */
  disconnect(): void {
    this.#skipReconnect = true;
    this._reconnecting = false;
    this.#onclose("forced close");
  }

  /** Alias of {@link Manager.disconnect}. */
  close(): void {
    this.disconnect();
  }

  /** @internal a socket left: close the connection once no socket is active */
  _destroy(_socket: object): void {
    for (const socket of this.#active()) if (socket !== _socket) return;
    this.disconnect();
  }

  /** @internal encodes with the shared codec and writes every frame */
  _packet(packet: Packet & { compress?: boolean }): void {
    const engine = this.engine;
    if (engine === undefined) return;
    const options = { compress: packet.compress !== false }; // the only engine.write option engine.io-client reads
    for (const frame of encodePacket(packet)) engine.write(frame, options);
  }

  // ---- internals ----------------------------------------------------------------------------------------------

  /** The active sockets, as a new array (a socket a listener then connects or destroys does not change it). */
  #active(): Socket[] {
    return Object.values(this.nsps).filter((socket) => socket.active);
  }

  #cleanup(): void {
    for (const off of this.#subs.splice(0)) off();
    this.#decoder.reset();
  }

  #onopen(engine: Engine): void {
    this.#cleanup();
    this._readyState = "open";
    this.#on(engine, "ping", () => this.emitReserved("ping"));
    this.#on(engine, "data", (data: unknown) => this.#ondata(data));
    this.#on(engine, "error", (e: unknown) => this.#onerror(e));
    this.#on(engine, "close", (reason: DisconnectReason, description?: DisconnectDescription) =>
      this.#onclose(reason, description),
    );
    // the sockets first (as socket.io-client, whose sockets listen to the Manager's "open", "error" and "close" from
    // their creation, so before the app's listeners): a socket an "open" listener creates or connects sends its
    // CONNECT itself (the Manager is open), once
    for (const socket of this.#active()) if (socket.active) socket._onopen();
    this.emitReserved("open");
  }

  /**
   * Listens to `event` of `engine` until the next cleanup. Nothing `fn` runs — app code included: ack callbacks,
   * `onAny` listeners, an `auth` function — throws into engine.io-client (see `safely`).
   */
  #on(engine: Engine, event: string, fn: (...args: never[]) => void): void {
    const emitter = engine as unknown as Record<"on" | "off", (event: string, fn: (...args: never[]) => void) => void>;
    const guarded = (...args: unknown[]): void => safely(fn, args);
    emitter.on(event, guarded);
    this.#subs.push(() => emitter.off(event, guarded));
  }

  /** A timer, cleared at the next cleanup (and unref'd with `autoUnref`). */
  #timer(fn: () => void, ms: number): void {
    const timer = setTimeout(fn, ms);
    if (this.opts.autoUnref) (timer as { unref?: () => void }).unref?.();
    this.#subs.push(() => clearTimeout(timer));
  }

  /**
   * A connection error: reported on the Manager and to the sockets that are not connected yet. engine.io-client's
   * errors are passed on as they are (no roomcast `code`); a string it emits ("No transports available") becomes an
   * Error with that message. Not shared/errors.ts toError, the one normaliser elsewhere: for Errors and strings (all
   * engine.io-client reports) both agree, and toError would add 212 B to the gzipped browser bundle (the one bare
   * `new Error(` test/shared/errors.test.ts allows).
   */
  #onerror(e: unknown): Error {
    const err = e instanceof Error ? e : new Error(String(e));
    for (const socket of this.#active()) socket._onerror(err); // the sockets first, as on "open"
    this.emitReserved("error", err);
    return err;
  }

  #ondata(data: unknown): void {
    let packet: Packet | undefined;
    try {
      packet = this.#decoder.add(data);
    } catch (err) {
      this.#onclose("parse error", err as Error); // the decoder throws ProtocolErrors only
      return;
    }
    if (packet === undefined) return;
    this.emitReserved("packet", packet);
    const socket = this.nsps[packet.nsp];
    if (socket?.active) socket._onpacket(packet);
  }

  #onclose(reason: string, description?: DisconnectDescription): void {
    this.#cleanup();
    this.engine?.close();
    this.#attempts = 0;
    this._readyState = "closed";
    // the sockets' "disconnect" first, then the Manager's "close" (as socket.io-client, see #onopen)
    for (const socket of this.#active()) socket._onclose(reason as DisconnectReason, description);
    this.emitReserved("close", reason, description);
    if (this.reconnection() && !this.#skipReconnect) this.#reconnect();
  }

  #reconnect(): void {
    if (this._reconnecting || this.#skipReconnect) return;
    if (this.#attempts >= this.reconnectionAttempts()) {
      this.#attempts = 0;
      this.emitReserved("reconnect_failed");
      this._reconnecting = false;
      return;
    }
    const delay = backoffDelay(
      this.#attempts++,
      this.reconnectionDelay(),
      this.reconnectionDelayMax(),
      this.randomizationFactor(),
    );
    this._reconnecting = true;
    this.#timer(() => {
      if (this.#skipReconnect) return;
      this.emitReserved("reconnect_attempt", this.#attempts);
      if (this.#skipReconnect) return;
      this.open((err) => {
        if (err) {
          this._reconnecting = false;
          this.#reconnect();
          this.emitReserved("reconnect_error", err);
        } else {
          const attempt = this.#attempts;
          this._reconnecting = false;
          this.#attempts = 0;
          this.emitReserved("reconnect", attempt);
        }
      });
    }, delay);
  }
}
