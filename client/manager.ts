/**
 * The Manager: one engine.io connection, shared by the sockets of several namespaces. Opens it, reconnects with
 * exponential backoff, decodes incoming frames (shared codec) and routes packets to the namespace's socket.
 */
import { Socket as Engine } from "engine.io-client";
import { Decoder } from "../shared/decoder.js";
import { encodePacket } from "../shared/encoder.js";
import type { Packet } from "../shared/packet.js";
import type { DefaultEventsMap } from "../shared/typed-events.js";
import { Backoff } from "./backoff.js";
import { Emitter } from "./emitter.js";
import type { ManagerOptions, SocketOptions } from "./options.js";
import { Socket, type DisconnectDescription, type DisconnectReason } from "./socket.js";

export interface ManagerReservedEvents {
  open: () => void;
  error: (err: Error) => void;
  ping: () => void;
  packet: (packet: Packet) => void;
  close: (reason: string, description?: DisconnectDescription) => void;
  reconnect_failed: () => void;
  reconnect_attempt: (attempt: number) => void;
  reconnect_error: (err: Error) => void;
  reconnect: (attempt: number) => void;
}

type ReadyState = "opening" | "open" | "closed";

/** engine.write options, shared by every packet (engine.io-client only reads `compress`). */
const COMPRESS = { compress: true };
const NO_COMPRESS = { compress: false };

// not shared/errors.ts toError: that one JSON-encodes non-Errors (for the wire) and adds ~26 B gzip to the bundle;
// engine.io-client only reports Errors and strings, for which both agree
function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

export class Manager<ListenEvents extends object = DefaultEventsMap, EmitEvents extends object = ListenEvents> extends Emitter<ManagerReservedEvents> {
  /** The engine.io-client socket of the current connection attempt. */
  engine: Engine | undefined;
  declare readonly uri: string | undefined;
  declare readonly opts: ManagerOptions;
  /** Sockets by namespace. */
  readonly nsps: Record<string, Socket> = Object.create(null) as Record<string, Socket>;
  /** @internal */
  _readyState: ReadyState = "closed";
  /** @internal */
  _reconnecting = false;
  /** @internal */
  declare readonly _autoConnect: boolean;
  readonly #backoff: Backoff;
  readonly #decoder = new Decoder();
  #subs: (() => void)[] = [];
  #skipReconnect = false;

  constructor(opts?: ManagerOptions);
  constructor(uri?: string, opts?: ManagerOptions);
  constructor(uri?: string | ManagerOptions, opts: ManagerOptions = {}) {
    super();
    if (typeof uri === "object") {
      opts = uri;
      uri = undefined;
    }
    this.uri = uri;
    this.opts = { ...opts, path: opts.path ?? "/socket.io" };
    this.#backoff = new Backoff(
      opts.reconnectionDelay ?? 1000,
      opts.reconnectionDelayMax ?? 5000,
      opts.randomizationFactor ?? 0.5,
    );
    this._autoConnect = opts.autoConnect !== false;
    if (this._autoConnect) this.open();
  }

  // ---- reconnection settings (socket.io-compatible getters/setters) ---------------------------------------------

  reconnection(): boolean;
  reconnection(v: boolean): this;
  reconnection(v?: boolean): boolean | this {
    if (v === undefined) return this.opts.reconnection !== false;
    this.opts.reconnection = v;
    if (!v) this.#skipReconnect = true;
    return this;
  }

  reconnectionAttempts(): number;
  reconnectionAttempts(v: number): this;
  reconnectionAttempts(v?: number): number | this {
    if (v === undefined) return this.opts.reconnectionAttempts ?? Infinity;
    this.opts.reconnectionAttempts = v;
    return this;
  }

  reconnectionDelay(): number;
  reconnectionDelay(v: number): this;
  reconnectionDelay(v?: number): number | this {
    if (v === undefined) return this.#backoff.min;
    this.#backoff.min = v;
    return this;
  }

  reconnectionDelayMax(): number;
  reconnectionDelayMax(v: number): this;
  reconnectionDelayMax(v?: number): number | this {
    if (v === undefined) return this.#backoff.max;
    this.#backoff.max = v;
    return this;
  }

  randomizationFactor(): number;
  randomizationFactor(v: number): this;
  randomizationFactor(v?: number): number | this {
    if (v === undefined) return this.#backoff.jitter;
    this.#backoff.jitter = v;
    return this;
  }

  timeout(): number | false;
  timeout(v: number | false): this;
  timeout(v?: number | false): number | false | this {
    if (v === undefined) return this.opts.timeout ?? 20_000;
    this.opts.timeout = v;
    return this;
  }

  // ---- connection ---------------------------------------------------------------------------------------------

  /** Opens the connection (no-op while opening or open); `fn` gets the outcome. */
  open(fn?: (err?: Error) => void): this {
    if (this._readyState !== "closed") return this;
    const engine = this.uri === undefined ? new Engine(this.opts) : new Engine(this.uri, this.opts);
    this.engine = engine;
    this._readyState = "opening";
    this.#skipReconnect = false;
    const onError = (e: unknown): void => {
      this.#cleanup();
      this._readyState = "closed";
      const err = toError(e);
      this.emitReserved("error", err);
      for (const socket of this.#active()) socket._onerror(err);
      if (fn) fn(err);
      else if (!this._reconnecting && this.reconnection() && this.#backoff.attempts === 0) this.#reconnect();
    };
    const onOpen = (): void => {
      this.#onopen(engine);
      fn?.();
    };
    engine.on("open", onOpen);
    engine.on("error", onError);
    this.#subs.push(() => {
      engine.off("open", onOpen);
      engine.off("error", onError);
    });
    const timeout = this.timeout();
    if (timeout !== false) {
      const timer = setTimeout(() => {
        onError(new Error("timeout"));
        engine.close();
      }, timeout);
      if (this.opts.autoUnref) (timer as { unref?: () => void }).unref?.();
      this.#subs.push(() => clearTimeout(timer));
    }
    return this;
  }

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
    const options = packet.compress === false ? NO_COMPRESS : COMPRESS;
    for (const frame of encodePacket(packet)) engine.write(frame, options);
  }

  // ---- internals ----------------------------------------------------------------------------------------------

  *#active(): Iterable<Socket> {
    for (const nsp in this.nsps) {
      const socket = this.nsps[nsp] as Socket;
      if (socket.active) yield socket;
    }
  }

  #cleanup(): void {
    for (const off of this.#subs.splice(0)) off();
    this.#decoder.reset();
  }

  #onopen(engine: Engine): void {
    this.#cleanup();
    this._readyState = "open";
    const sub = <A extends unknown[]>(event: string, fn: (...args: A) => void): void => {
      const on = engine.on as (e: string, f: (...args: A) => void) => void;
      on.call(engine, event, fn);
      this.#subs.push(() => (engine.off as (e: string, f: (...args: A) => void) => void).call(engine, event, fn));
    };
    sub("ping", () => this.emitReserved("ping"));
    sub("data", (data: unknown) => this.#ondata(data));
    sub("error", (e: unknown) => {
      const err = toError(e);
      this.emitReserved("error", err);
      for (const socket of this.#active()) socket._onerror(err);
    });
    sub("close", (reason: DisconnectReason, description?: DisconnectDescription) => this.#onclose(reason, description));
    this.emitReserved("open");
    for (const socket of this.#active()) socket._onopen();
  }

  #ondata(data: unknown): void {
    let packet: Packet | undefined;
    try {
      packet = this.#decoder.add(data);
    } catch (err) {
      this.#onclose("parse error", toError(err));
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
    this.#backoff.reset();
    this._readyState = "closed";
    this.emitReserved("close", reason, description);
    for (const socket of this.#active()) socket._onclose(reason as DisconnectReason, description);
    if (this.reconnection() && !this.#skipReconnect) this.#reconnect();
  }

  #reconnect(): void {
    if (this._reconnecting || this.#skipReconnect) return;
    const backoff = this.#backoff;
    if (backoff.attempts >= this.reconnectionAttempts()) {
      backoff.reset();
      this.emitReserved("reconnect_failed");
      this._reconnecting = false;
      return;
    }
    const delay = backoff.duration();
    this._reconnecting = true;
    const timer = setTimeout(() => {
      if (this.#skipReconnect) return;
      this.emitReserved("reconnect_attempt", backoff.attempts);
      if (this.#skipReconnect) return;
      this.open((err) => {
        if (err) {
          this._reconnecting = false;
          this.#reconnect();
          this.emitReserved("reconnect_error", err);
        } else {
          const attempt = backoff.attempts;
          this._reconnecting = false;
          backoff.reset();
          this.emitReserved("reconnect", attempt);
        }
      });
    }, delay);
    if (this.opts.autoUnref) (timer as { unref?: () => void }).unref?.();
    this.#subs.push(() => clearTimeout(timer));
  }
}
