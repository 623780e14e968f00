/**
 * One server-side WebSocket connection (RFC 6455, no extensions), as engine.io's websocket transport uses it: the
 * subset of `ws`'s WebSocket that engine.io calls ("message" / "close" / "error" events, `send`, `close`,
 * `terminate`, `_sender.sendFrame` for pre-encoded frames), without ws's per-connection Receiver stream and Sender.
 *
 * Reading: frames are parsed straight from the TCP socket's chunks; a frame split across chunks waits in a list and
 * is joined once, when enough bytes are there. Every client frame must be masked; RSV bits, unknown opcodes,
 * fragmented or long control frames, a continuation out of place, a payload over `maxPayload` (1009) and a text
 * message that is not UTF-8 (1007) fail the connection: a close frame with the code, an "error" event, the TCP
 * socket ended (destroyed after 30 s if the peer never closes its side).
 *
 * Closing: `close()` sends a close frame and ends the TCP socket once the peer's close frame arrives (the server
 * closes TCP first, §7.1.1); a peer's close frame is echoed with its code. "close" is emitted once, when the TCP
 * socket has closed.
 *
 * Events: not an EventEmitter (its listener table costs about 300 bytes per connection): one slot per event it
 * emits — "message" (data, isBinary), "close" (code, reason) and "error" (WebSocketProtocolError). "close" and
 * "error" fire at most once each. Listeners for other event names are accepted and never called.
 */
import { isUtf8 } from "node:buffer";
import type { Socket as NetSocket } from "node:net";
import {
  binaryFrame,
  CLOSE_INVALID_PAYLOAD,
  CLOSE_PROTOCOL_ERROR,
  CLOSE_TOO_BIG,
  closeFrame,
  isValidCloseCode,
  MAX_CONTROL_PAYLOAD,
  OPCODE_BINARY,
  OPCODE_CLOSE,
  OPCODE_CONTINUATION,
  OPCODE_PING,
  OPCODE_PONG,
  OPCODE_TEXT,
  textFrameBuffer,
  unmask,
} from "./frame.js";

/** ws's readyState values. */
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;

/** How long a closing connection waits for the peer before the TCP socket is destroyed (ws's default too). */
const CLOSE_TIMEOUT_MS = 30_000;

const EMPTY = Buffer.alloc(0);
const kWebSocket = Symbol("roomcast.websocket");
type Tcp = NetSocket & { [kWebSocket]?: ServerWebSocket };

/** Why a connection was failed: `closeCode` is the code sent in the close frame. */
export class WebSocketProtocolError extends Error {
  readonly closeCode: number;
  constructor(message: string, closeCode: number) {
    super(message);
    this.name = "WebSocketProtocolError";
    this.closeCode = closeCode;
  }
}

// #flags bits
const READING = 1; // frames are still parsed (cleared once a close frame arrived or the connection failed)
const CLOSE_SENT = 2;
const CLOSE_RECEIVED = 4;
const FRAGMENTS_BINARY = 8;
const HELD = 16; // the TCP socket is corked until the first message is written (see hold())
const STARTED = 32; // the TCP socket's "data" is listened to

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

export class ServerWebSocket {
  /** The TCP socket (named as ws names it: engine.io-facing code reads `_socket` of either). */
  readonly _socket: NetSocket;
  readyState = OPEN;
  readonly #maxPayload: number;
  #flags = READING;
  /** An incomplete frame's bytes, joined once `#pendingBytes` reaches `#need`. */
  #pending: Buffer[] | undefined;
  #pendingBytes = 0;
  #need = 0;
  /** The frames of a fragmented message so far. */
  #fragments: Buffer[] | undefined;
  #fragmentsBytes = 0;
  /** The peer's close frame: code (1005 when it had none) and reason. */
  #peerClose: [number, Buffer] | undefined;
  #closeTimer: NodeJS.Timeout | undefined;
  #onMessage: Slot;
  #onClose: Slot;
  #onError: Slot;

  /** `head`: bytes that arrived with the upgrade request (replayed before anything else is read). */
  constructor(tcp: NetSocket, head: Buffer, maxPayload: number) {
    this._socket = tcp;
    this.#maxPayload = maxPayload > 0 ? maxPayload : Infinity;
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
    if (this.readyState !== OPEN) return notOpen(this.readyState, cb);
    const last = list.length - 1;
    for (let i = 0; i < last; i++) this._socket.write(list[i]!);
    this._socket.write(list[last]!, cb);
    if (this.#flags & HELD) this.#release();
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
    this.#startReading(); // the peer's close frame must be read
    if (this.#flags & CLOSE_SENT) {
      if (this.#flags & CLOSE_RECEIVED) this._socket.end();
      return;
    }
    this.readyState = CLOSING;
    this.#flags |= CLOSE_SENT;
    const tcp = this._socket;
    if (tcp.writable) tcp.write(closeFrame(code, reason));
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

  #receive(chunk: Buffer): void {
    if ((this.#flags & READING) === 0) return;
    let buf = chunk;
    if (this.#pending !== undefined) {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
      if (this.#pendingBytes < this.#need) return;
      buf = Buffer.concat(this.#pending, this.#pendingBytes);
      this.#pending = undefined;
    }
    const end = buf.length;
    let o = 0;
    let need = 2;
    while (end - o >= 2) {
      const b0 = buf[o]!;
      const b1 = buf[o + 1]!;
      const opcode = b0 & 0x0f;
      const fin = (b0 & 0x80) !== 0;
      let length = b1 & 0x7f;
      let header = 6; // 2 + the 4-byte mask
      if ((b0 & 0x70) !== 0) return void this.#fail("RSV bits set without a negotiated extension", CLOSE_PROTOCOL_ERROR);
      if ((b1 & 0x80) === 0) return void this.#fail("client frame not masked", CLOSE_PROTOCOL_ERROR);
      if (length === 126) {
        if (end - o < 4) {
          need = 4;
          break;
        }
        length = buf.readUInt16BE(o + 2);
        header = 8;
      } else if (length === 127) {
        if (end - o < 10) {
          need = 10;
          break;
        }
        const high = buf.readUInt32BE(o + 2);
        if (high > 0x1fffff) return void this.#fail("payload length over 2^53 - 1", CLOSE_TOO_BIG);
        length = high * 2 ** 32 + buf.readUInt32BE(o + 6);
        header = 14;
      }
      if (!this.#check(opcode, fin, length)) return;
      if (end - o < header + length) {
        need = header + length;
        break;
      }
      const payload = buf.subarray(o + header, o + header + length);
      if (length !== 0) unmask(payload, buf, o + header - 4);
      o += header + length;
      this.#frame(opcode, fin, payload);
      if ((this.#flags & READING) === 0) return;
    }
    if (o < end) {
      const rest = o === 0 ? buf : buf.subarray(o);
      this.#pending = [rest];
      this.#pendingBytes = rest.length;
      this.#need = need;
    }
  }

  /** Validates a frame header before its payload is waited for: false (the connection failed) if it is bad. */
  #check(opcode: number, fin: boolean, length: number): boolean {
    if (opcode >= OPCODE_CLOSE) {
      if (opcode > OPCODE_PONG) return this.#fail(`unknown opcode ${opcode}`, CLOSE_PROTOCOL_ERROR);
      if (!fin) return this.#fail("fragmented control frame", CLOSE_PROTOCOL_ERROR);
      if (length > MAX_CONTROL_PAYLOAD) return this.#fail("control frame payload over 125 bytes", CLOSE_PROTOCOL_ERROR);
    } else if (opcode === OPCODE_CONTINUATION) {
      if (this.#fragments === undefined) return this.#fail("continuation frame without a message to continue", CLOSE_PROTOCOL_ERROR);
      if (this.#fragmentsBytes + length > this.#maxPayload) return this.#fail("message over maxPayload", CLOSE_TOO_BIG);
    } else if (opcode === OPCODE_TEXT || opcode === OPCODE_BINARY) {
      if (this.#fragments !== undefined) return this.#fail("new message before the fragmented one ended", CLOSE_PROTOCOL_ERROR);
      if (length > this.#maxPayload) return this.#fail("message over maxPayload", CLOSE_TOO_BIG);
    } else {
      return this.#fail(`unknown opcode ${opcode}`, CLOSE_PROTOCOL_ERROR);
    }
    return true;
  }

  #frame(opcode: number, fin: boolean, payload: Buffer): void {
    switch (opcode) {
      case OPCODE_TEXT:
      case OPCODE_BINARY:
        if (fin) return this.#deliver(payload, opcode === OPCODE_BINARY);
        this.#fragments = [payload];
        this.#fragmentsBytes = payload.length;
        if (opcode === OPCODE_BINARY) this.#flags |= FRAGMENTS_BINARY;
        else this.#flags &= ~FRAGMENTS_BINARY;
        return;
      case OPCODE_CONTINUATION: {
        const fragments = this.#fragments!;
        fragments.push(payload);
        this.#fragmentsBytes += payload.length;
        if (!fin) return;
        const message = Buffer.concat(fragments, this.#fragmentsBytes);
        this.#fragments = undefined;
        this.#fragmentsBytes = 0;
        return this.#deliver(message, (this.#flags & FRAGMENTS_BINARY) !== 0);
      }
      case OPCODE_CLOSE:
        return this.#receiveClose(payload);
      case OPCODE_PING:
        if ((this.#flags & CLOSE_SENT) === 0 && this._socket.writable) this.sendFrame(binaryFrame(OPCODE_PONG, payload));
        return;
      default: // pong: nothing to do
        return;
    }
  }

  #deliver(data: Buffer, binary: boolean): void {
    if (!binary && !isUtf8(data)) return void this.#fail("text message is not valid UTF-8", CLOSE_INVALID_PAYLOAD);
    call(this.#onMessage, data, binary);
  }

  #receiveClose(payload: Buffer): void {
    let code = 1005;
    let reason = EMPTY;
    if (payload.length === 1) return void this.#fail("close frame with a 1-byte payload", CLOSE_PROTOCOL_ERROR);
    if (payload.length >= 2) {
      code = payload.readUInt16BE(0);
      if (!isValidCloseCode(code)) return void this.#fail(`invalid close code ${code}`, CLOSE_PROTOCOL_ERROR);
      reason = Buffer.from(payload.subarray(2));
      if (!isUtf8(reason)) return void this.#fail("close reason is not valid UTF-8", CLOSE_INVALID_PAYLOAD);
    }
    this.#peerClose = [code, reason];
    this.#flags = (this.#flags | CLOSE_RECEIVED) & ~READING;
    this.#pending = this.#fragments = undefined;
    // echo the peer's code (none when it sent none), then close TCP: both close frames have been sent
    if (this.#flags & CLOSE_SENT) this._socket.end();
    else this.close(code === 1005 ? undefined : code);
  }

  /** Fails the connection (RFC 6455 §7.1.7): close frame with `code`, "error" event, TCP socket ended. */
  #fail(message: string, code: number): false {
    this.#flags &= ~READING;
    this.#pending = this.#fragments = undefined;
    if ((this.#flags & CLOSE_SENT) === 0) {
      this.#flags |= CLOSE_SENT;
      this.readyState = CLOSING;
      if (this._socket.writable) this._socket.end(closeFrame(code));
      this.#armCloseTimer();
    }
    call(this.#onError, new WebSocketProtocolError(message, code));
    return false;
  }

  #armCloseTimer(): void {
    if (this.#closeTimer !== undefined) return;
    const tcp = this._socket;
    this.#closeTimer = setTimeout(() => tcp.destroy(), CLOSE_TIMEOUT_MS);
    this.#closeTimer.unref();
  }

  // ---- TCP socket events (shared functions: `this` is the TCP socket) ------------------------------------------

  static #onTcpData(this: Tcp, chunk: Buffer): void {
    this[kWebSocket]!.#receive(chunk);
  }

  /** The peer ended its side: end ours (a close without the closing handshake). */
  static #onTcpEnd(this: Tcp): void {
    const ws = this[kWebSocket]!;
    ws.readyState = CLOSING;
    ws.#flags &= ~READING;
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
    ws.#pending = ws.#fragments = undefined;
    if (ws.#closeTimer !== undefined) clearTimeout(ws.#closeTimer);
    const [code, reason] = ws.#peerClose ?? [1006, EMPTY];
    call(ws.#onClose, code, reason);
  }
}

function notOpen(readyState: number, cb: SendCallback | undefined): void {
  if (cb !== undefined) process.nextTick(cb, new Error(`WebSocket is not open: readyState ${readyState}`));
}
