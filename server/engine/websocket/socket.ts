/**
 * One server-side WebSocket connection (RFC 6455, no extensions), as engine.io's websocket transport uses it: the
 * subset of `ws`'s WebSocket that engine.io calls ("message" / "close" / "error" events, `send`, `close`,
 * `terminate`, `_sender.sendFrame` for pre-encoded frames), without ws's per-connection Receiver stream and Sender.
 *
 * Reading is `FrameReader`'s (./reader.ts): frames are parsed straight from the TCP socket's chunks, with every
 * buffer a peer can grow bounded. A protocol error or a limit fails the connection: a close frame with the code,
 * an "error" event (`WebSocketProtocolError`), the TCP socket ended (destroyed after 30 s if the peer never closes
 * its side).
 *
 * Writing: every frame this object writes — engine.io's messages, pongs, close frames — goes through one bound on
 * what the TCP socket holds unsent: a write while it holds `maxBufferedBytes` bytes, or `maxBufferedPackets` writes
 * since it was last empty, destroys the connection ("error" with ERR_WS_OUTGOING_BUFFER_FULL; no close frame can
 * get through a full buffer). A ping is answered at once while the peer reads; once the TCP socket needs a drain
 * (the peer does not read), only the latest ping is answered, at the drain (RFC 6455 §5.5.3 allows it), so a ping
 * flood from a client that never reads holds one pong.
 *
 * Closing: `close()` sends a close frame and ends the TCP socket once the peer's close frame arrives (the server
 * closes TCP first, §7.1.1); a peer's close frame is echoed with its code. "close" is emitted once, when the TCP
 * socket has closed.
 *
 * Events: not an EventEmitter (its listener table costs about 300 bytes per connection): one slot per event it
 * emits — "message" (data, isBinary), "close" (code, reason) and "error" (WebSocketProtocolError). "close" and
 * "error" fire at most once each. Listeners for other event names are accepted and never called.
 */
import type { Socket as NetSocket } from "node:net";
import { binaryFrame, closeFrame, OPCODE_BINARY, OPCODE_PONG, OPCODE_TEXT, textFrameBuffer } from "./frame.js";
import { FrameReader, readerLimits, WebSocketErrorCode, WebSocketProtocolError, type ReaderLimits } from "./reader.js";
import { RoomcastError } from "../../../shared/errors.js";

export { WebSocketProtocolError } from "./reader.js";

/** ws's readyState values. */
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;

/** How long a closing connection waits for the peer before the TCP socket is destroyed (ws's default too). */
const CLOSE_TIMEOUT_MS = 30_000;

const EMPTY = Buffer.alloc(0);
const kWebSocket = Symbol("roomcast.websocket");
type Tcp = NetSocket & { [kWebSocket]?: ServerWebSocket };

/** Bounds of one connection, as given (the WebSocketEngine passes the server's). */
export interface WebSocketLimits {
  /** Largest message in bytes; 0 or less: no limit. */
  maxPayload: number;
  /** Most frames in one message (default 16,384). */
  maxFragments?: number;
  /** Most bytes the TCP socket may hold unsent when a frame is written (default 8 MiB; Infinity: no bound). */
  maxBufferedBytes?: number;
  /** Most writes since the TCP socket's buffer was last empty (default 10,000; Infinity: no bound). */
  maxBufferedPackets?: number;
}

/** The bounds resolved once, shared by every connection of an engine. */
export interface SocketLimits extends ReaderLimits {
  readonly maxBufferedBytes: number;
  readonly maxBufferedPackets: number;
}

export function socketLimits(limits: WebSocketLimits): SocketLimits {
  return {
    ...readerLimits(limits.maxPayload, limits.maxFragments),
    maxBufferedBytes: limits.maxBufferedBytes ?? 8 * 1024 * 1024,
    maxBufferedPackets: limits.maxBufferedPackets ?? 10_000,
  };
}

/** The payload of the latest ping not answered yet, per connection (the peer is not reading: answered at the drain). */
const pongsDue = new WeakMap<ServerWebSocket, Buffer>();

// #flags bits
const CLOSE_SENT = 2;
const CLOSE_RECEIVED = 4;
const HELD = 16; // the TCP socket is corked until the first message is written (see hold())
const STARTED = 32; // the TCP socket's "data" is listened to
const FAILED = 64; // "error" has been emitted

type SendCallback = (err?: Error | null) => void;

type Listener = (...args: never[]) => void;
/** One event's listeners: none, one, or several (in registration order). */
type Slot = Listener | Listener[] | undefined;

function addTo(slot: Slot, fn: Listener): Slot {
  return slot === undefined ? fn : Array.isArray(slot) ? [...slot, fn] : [slot, fn];
}

function removeFrom(slot: Slot, fn: Listener): Slot {
  if (slot === fn) return undefined;
  if (!Array.isArray(slot)) return slot;
  const i = slot.lastIndexOf(fn);
  if (i < 0) return slot;
  const rest = slot.filter((_, j) => j !== i);
  return rest.length === 1 ? rest[0] : rest;
}

function call(slot: Slot, a?: unknown, b?: unknown): void {
  if (slot === undefined) return;
  if (!Array.isArray(slot)) return (slot as (a: unknown, b: unknown) => void)(a, b);
  for (const fn of slot) (fn as (a: unknown, b: unknown) => void)(a, b); // a copy-on-write list: safe to iterate
}

const count = (slot: Slot): number => (slot === undefined ? 0 : Array.isArray(slot) ? slot.length : 1);

export class ServerWebSocket extends FrameReader<SocketLimits> {
  /** The TCP socket (named as ws names it: engine.io-facing code reads `_socket` of either). */
  readonly _socket: NetSocket;
  readyState = OPEN;
  #flags = 0;
  /** Writes since the TCP socket's buffer was last seen empty. */
  #queuedWrites = 0;
  /** The peer's close frame: code (1005 when it had none) and reason. */
  #peerClose: [number, Buffer] | undefined;
  #closeTimer: NodeJS.Timeout | undefined;
  #onMessage: Slot;
  #onClose: Slot;
  #onError: Slot;

  /** `head`: bytes that arrived with the upgrade request (replayed before anything else is read). */
  constructor(tcp: NetSocket, head: Buffer, limits: SocketLimits) {
    super(limits);
    this._socket = tcp;
    (tcp as Tcp)[kWebSocket] = this;
    tcp.setTimeout(0);
    tcp.setNoDelay(true);
    if (head.length > 0) tcp.unshift(head);
    // reading starts with the first "message" listener (or close(), or at the latest in this turn's check phase):
    // frames a client sent right behind its upgrade request wait for engine.io's transport, which it creates a
    // microtask later, instead of being emitted before anyone listens
    setImmediate(ServerWebSocket.#startLater, this);
    tcp.on("end", ServerWebSocket.#onTcpEnd);
    tcp.on("error", ServerWebSocket.#onTcpError);
    tcp.on("close", ServerWebSocket.#onTcpClose);
  }

  // ---- events -------------------------------------------------------------------------------------------------

  on(event: string, fn: Listener): this {
    if (event === "message") {
      this.#onMessage = addTo(this.#onMessage, fn);
      this.#startReading();
    } else if (event === "close") this.#onClose = addTo(this.#onClose, fn);
    else if (event === "error") this.#onError = addTo(this.#onError, fn);
    return this;
  }

  addListener(event: string, fn: Listener): this {
    return this.on(event, fn);
  }

  /** "close" and "error" fire at most once, so `once` is `on` for them; a once "message" listener is wrapped. */
  once(event: string, fn: Listener): this {
    if (event !== "message") return this.on(event, fn);
    const wrapper = (data: Buffer, binary: boolean): void => {
      this.removeListener("message", wrapper);
      (fn as (data: Buffer, binary: boolean) => void)(data, binary);
    };
    wrapper.listener = fn;
    return this.on(event, wrapper);
  }

  removeListener(event: string, fn: Listener): this {
    if (event === "message") {
      const slot = this.#onMessage;
      const wrapped = (Array.isArray(slot) ? slot : [slot]).find((l) => (l as { listener?: Listener } | undefined)?.listener === fn);
      this.#onMessage = removeFrom(slot, wrapped ?? fn);
    } else if (event === "close") this.#onClose = removeFrom(this.#onClose, fn);
    else if (event === "error") this.#onError = removeFrom(this.#onError, fn);
    return this;
  }

  off(event: string, fn: Listener): this {
    return this.removeListener(event, fn);
  }

  removeAllListeners(event?: string): this {
    if (event === undefined || event === "message") this.#onMessage = undefined;
    if (event === undefined || event === "close") this.#onClose = undefined;
    if (event === undefined || event === "error") this.#onError = undefined;
    return this;
  }

  listenerCount(event: string): number {
    return count(event === "message" ? this.#onMessage : event === "close" ? this.#onClose : event === "error" ? this.#onError : undefined);
  }

  /** Bytes written but not yet accepted by the kernel. */
  get bufferedAmount(): number {
    return this._socket.writableLength;
  }

  /** engine.io sends pre-encoded frames through `socket._sender.sendFrame` when it exists: this object has it. */
  get _sender(): this {
    return this;
  }

  /** Sends a text (string) or binary message; `cb` runs once it is written (with an error if it cannot be). */
  send(data: string | Buffer | ArrayBuffer | ArrayBufferView, options?: { binary?: boolean } | SendCallback, cb?: SendCallback): void {
    if (typeof options === "function") {
      cb = options;
      options = undefined;
    }
    if (this.readyState !== OPEN) return notOpen(this.readyState, cb);
    if (typeof data === "string" && options?.binary !== true) {
      if (!this.#admit()) return notOpen(this.readyState, cb);
      this._socket.write(textFrameBuffer(data), cb);
      if (this.#flags & HELD) this.#release();
      return;
    }
    const bytes =
      typeof data === "string"
        ? Buffer.from(data, "utf8")
        : ArrayBuffer.isView(data)
          ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
          : new Uint8Array(data);
    this.sendFrame(binaryFrame(options?.binary === false ? OPCODE_TEXT : OPCODE_BINARY, bytes), cb);
  }

  /** Writes a frame already encoded (a header and payload, or one buffer holding both). */
  sendFrame(list: Buffer[], cb?: SendCallback): void {
    if (this.readyState !== OPEN || !this.#admit()) return notOpen(this.readyState, cb);
    const last = list.length - 1;
    for (let i = 0; i < last; i++) this._socket.write(list[i]!);
    this._socket.write(list[last]!, cb);
    if (this.#flags & HELD) this.#release();
  }

  /**
   * Whether one more frame may be written: false (and the connection destroyed, "error" emitted) when the TCP
   * socket already holds `maxBufferedBytes` unsent, or `maxBufferedPackets` writes since it was last empty.
   */
  #admit(): boolean {
    const queued = this._socket.writableLength;
    if (queued === 0) this.#queuedWrites = 0;
    const { maxBufferedBytes, maxBufferedPackets } = this.limits;
    if (queued < maxBufferedBytes && ++this.#queuedWrites <= maxBufferedPackets) return true;
    const what = queued >= maxBufferedBytes ? `${queued} bytes` : `${this.#queuedWrites - 1} writes`;
    this.#emitError(new WebSocketProtocolError(WebSocketErrorCode.WS_OUTGOING_BUFFER_FULL, `outgoing buffer full (${what} unsent)`, 1006));
    this.terminate();
    return false;
  }

  /**
   * @internal The TCP socket is corked (it holds the 101 response): it is uncorked right after the first message —
   * engine.io's open packet — so both leave in one write, or in the check phase of this turn if none comes.
   */
  hold(): void {
    this.#flags |= HELD;
  }

  /** Uncorks a socket held by `hold()` (once). */
  #release(): void {
    if ((this.#flags & HELD) === 0) return;
    this.#flags &= ~HELD;
    this._socket.uncork();
  }

  /** Starts the closing handshake (no code: an empty close frame, as ws sends). */
  close(code?: number, reason?: string): void {
    if (this.readyState === CLOSED) return;
    if (this.#flags & CLOSE_SENT) {
      if (this.#flags & CLOSE_RECEIVED) this._socket.end();
      return;
    }
    this.#startReading(); // the peer's close frame must be read
    this.readyState = CLOSING;
    this.#flags |= CLOSE_SENT;
    const tcp = this._socket;
    if (tcp.writable) {
      if (!this.#admit()) return;
      tcp.write(closeFrame(code, reason));
    }
    if (this.#flags & CLOSE_RECEIVED) tcp.end();
    this.#armCloseTimer(); // the peer may never close its side (HTTP server sockets allow half-open)
  }

  /** Drops the connection at once (no closing handshake). */
  terminate(): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSING;
    this._socket.destroy();
  }

  // ---- reading ------------------------------------------------------------------------------------------------

  /** The check phase of the turn this connection was made in: read from now on, and let a held 101 go. */
  static #startLater(ws: ServerWebSocket): void {
    ws.#startReading();
    ws.#release();
  }

  #startReading(): void {
    if (this.#flags & STARTED) return;
    this.#flags |= STARTED;
    this._socket.on("data", ServerWebSocket.#onTcpData);
  }

  // ---- what the reader reports -------------------------------------------------------------------------------

  protected override onMessage(data: Buffer, binary: boolean): void {
    call(this.#onMessage, data, binary);
  }

  protected override onPing(payload: Buffer): void {
    const tcp = this._socket;
    if (this.#flags & CLOSE_SENT || !tcp.writable) return;
    if (tcp.writableNeedDrain) {
      // the peer is not reading what we send: keep only the latest ping's answer, sent at the drain (§5.5.3)
      if (!pongsDue.has(this)) tcp.once("drain", ServerWebSocket.#onTcpDrain);
      pongsDue.set(this, Buffer.from(payload));
      return;
    }
    this.sendFrame(binaryFrame(OPCODE_PONG, payload));
  }

  protected override onPong(): void {
    // nothing to do: engine.io's heartbeat runs over Engine.IO packets, not WebSocket pings
  }

  protected override onCloseFrame(code: number, reason: Buffer): void {
    this.#peerClose = [code, reason];
    this.#flags |= CLOSE_RECEIVED;
    // echo the peer's code (none when it sent none), then close TCP: both close frames have been sent
    if (this.#flags & CLOSE_SENT) this._socket.end();
    else this.close(code === 1005 ? undefined : code);
  }

  /**
   * Fails the connection (RFC 6455 §7.1.7): close frame with the error's code, "error" event, TCP socket ended. After
   * our own close() the close frame is already out: TCP is ended now, since the peer's close frame will not be read.
   */
  protected override onProtocolError(err: WebSocketProtocolError): void {
    if ((this.#flags & CLOSE_SENT) === 0) {
      this.#flags |= CLOSE_SENT;
      this.readyState = CLOSING;
      if (this._socket.writable) this._socket.end(closeFrame(err.closeCode));
      this.#armCloseTimer();
    } else if (this._socket.writable) this._socket.end();
    this.#emitError(err);
  }

  #emitError(err: WebSocketProtocolError): void {
    if (this.#flags & FAILED) return;
    this.#flags |= FAILED;
    call(this.#onError, err);
  }

  #armCloseTimer(): void {
    if (this.#closeTimer !== undefined) return;
    const tcp = this._socket;
    this.#closeTimer = setTimeout(() => tcp.destroy(), CLOSE_TIMEOUT_MS);
    this.#closeTimer.unref();
  }

  // ---- TCP socket events (shared functions: `this` is the TCP socket) ------------------------------------------

  static #onTcpData(this: Tcp, chunk: Buffer): void {
    this[kWebSocket]!.read(chunk);
  }

  /** The peer read again: answer the latest ping it sent meanwhile. */
  static #onTcpDrain(this: Tcp): void {
    const ws = this[kWebSocket]!;
    const payload = pongsDue.get(ws);
    pongsDue.delete(ws);
    if (payload !== undefined && ws.readyState === OPEN) ws.sendFrame(binaryFrame(OPCODE_PONG, payload));
  }

  /** The peer ended its side: end ours (a close without the closing handshake). */
  static #onTcpEnd(this: Tcp): void {
    const ws = this[kWebSocket]!;
    ws.readyState = CLOSING;
    ws.stopReading();
    if (!this.writableEnded) this.end(); // (ending twice makes Node build an error object)
  }

  static #onTcpError(this: Tcp): void {
    const ws = this[kWebSocket]!;
    if (ws.readyState === OPEN) ws.readyState = CLOSING;
    this.destroy();
  }

  static #onTcpClose(this: Tcp): void {
    const ws = this[kWebSocket]!;
    ws.readyState = CLOSED;
    ws.stopReading();
    pongsDue.delete(ws);
    if (ws.#closeTimer !== undefined) clearTimeout(ws.#closeTimer);
    const [code, reason] = ws.#peerClose ?? [1006, EMPTY];
    call(ws.#onClose, code, reason);
  }
}

function notOpen(readyState: number, cb: SendCallback | undefined): void {
  if (cb !== undefined) process.nextTick(cb, new RoomcastError("ERR_WS_NOT_OPEN", `WebSocket is not open: readyState ${readyState}`));
}
