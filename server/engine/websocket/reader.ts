/**
 * RFC 6455 frame reader, server side: the bytes one client sends, in whatever chunks TCP hands them over, become
 * messages, pings, pongs, a close frame, or one protocol error (§5, §7.4, §8.1). Pure: no socket, no timer, no
 * event table; `ServerWebSocket` extends it and answers what it reports.
 *
 * What one peer can make it hold (everything is copied; no list of chunks and no view into a TCP chunk is kept
 * between reads):
 *   - an incomplete frame: one buffer, grown ×2 as its bytes arrive, never beyond the frame's size
 *     (≤ maxPayload + 14), whatever the chunking — one byte per TCP segment costs no more than one large read;
 *   - an unfinished fragmented message: one buffer, grown ×2, never beyond maxPayload, and at most `maxFragments`
 *     frames (empty ones count: ws's 16,384 and close code 1008).
 * So at most 2 × maxPayload + 14 bytes in two buffers between reads (3 × maxPayload for an instant while the
 * message buffer grows), plus this object's fields.
 *
 * A frame header is checked as it arrives: what its first two bytes decide (opcode, FIN, fragmentation state) before
 * an extended length is waited for, the length before the payload is: a frame over maxPayload fails from its header
 * alone. UTF-8 is checked on the whole text message (as ws does), close reasons on arrival.
 */
import { isUtf8 } from "node:buffer";
import {
  CLOSE_INVALID_PAYLOAD,
  CLOSE_POLICY_VIOLATION,
  CLOSE_PROTOCOL_ERROR,
  CLOSE_TOO_BIG,
  isValidCloseCode,
  OPCODE_BINARY,
  OPCODE_CLOSE,
  OPCODE_CONTINUATION,
  OPCODE_PING,
  OPCODE_PONG,
  OPCODE_TEXT,
  unmask,
} from "./frame.js";
import { WebSocketErrorCode } from "../../../shared/error-codes.js";
import { RoomcastError } from "../../../shared/errors.js";

/**
 * Stable codes of the reasons a connection is failed (the close code sent is `WebSocketProtocolError.closeCode`): the
 * `ERR_WS_*` rows of roomcast's one ErrorCode table (shared/error-codes.ts).
 */
export { WebSocketErrorCode } from "../../../shared/error-codes.js";

/** Why a connection was failed: `code` says why, `closeCode` is the code sent in the close frame. */
export class WebSocketProtocolError extends RoomcastError<WebSocketErrorCode> {
  readonly closeCode: number;
  constructor(code: WebSocketErrorCode, message: string, closeCode: number) {
    super(code, message);
    this.name = "WebSocketProtocolError";
    this.closeCode = closeCode;
  }
}

/** Most frames in one message, empty ones included (ws's default; one more closes with 1008). */
export const DEFAULT_MAX_FRAGMENTS = 16_384;

/** Smallest buffer allocated for a partial frame or an unfinished message. */
const MIN_BUFFER = 256;

/** A reader's limits, resolved once and shared by every connection of an engine (no per-connection copies). */
export interface ReaderLimits {
  /** Largest message in bytes (Infinity: no limit). */
  readonly maxPayload: number;
  /** Most frames in one message (Infinity: no limit). */
  readonly maxFragments: number;
}

/** `maxPayload` / `maxFragments` as given (0 or less, or missing: no limit / the default), resolved. */
export function readerLimits(maxPayload: number, maxFragments = DEFAULT_MAX_FRAGMENTS): ReaderLimits {
  return { maxPayload: maxPayload > 0 ? maxPayload : Infinity, maxFragments: maxFragments > 0 ? maxFragments : Infinity };
}

/** An incomplete frame: its first `bytes` bytes (a copy) of the `need` known so far to be needed. */
interface PartialFrame {
  buf: Buffer;
  bytes: number;
  need: number;
}

/** An unfinished fragmented message: `bytes` of it so far (a copy; none yet: no buffer), in `frames` frames. */
interface PartialMessage {
  buf: Buffer | undefined;
  bytes: number;
  frames: number;
  binary: boolean;
}

/**
 * The reader's state is two objects that exist only while a frame or a message is unfinished: an idle connection
 * holds four fields. `#frameAt` returns a handled frame's size (> 0), 0 when it failed the connection, or
 * −(bytes needed from the frame's start to know more) when the frame is incomplete.
 */
export abstract class FrameReader<L extends ReaderLimits = ReaderLimits> {
  protected readonly limits: L;
  #reading = true;
  #partial: PartialFrame | undefined;
  #message: PartialMessage | undefined;

  /** `limits`: from `readerLimits()` (or a superset of it), shared by the connections of one engine. */
  constructor(limits: L) {
    this.limits = limits;
  }

  /** A complete message: `data` may be a view into a TCP chunk; `binary` false for a text (valid UTF-8) message. */
  protected abstract onMessage(data: Buffer, binary: boolean): void;
  /** A ping (payload ≤ 125 bytes, a view valid only during the call). */
  protected abstract onPing(payload: Buffer): void;
  /** A pong. */
  protected abstract onPong(payload: Buffer): void;
  /** The peer's close frame (1005 when it carried no code); nothing more is read. */
  protected abstract onCloseFrame(code: number, reason: Buffer): void;
  /** The peer broke the protocol or a limit; nothing more is read. */
  protected abstract onProtocolError(err: WebSocketProtocolError): void;

  /** Bytes held for an incomplete frame and an unfinished message (buffer capacities, not just what they hold). */
  get bufferedIncoming(): number {
    return (this.#partial?.buf.length ?? 0) + (this.#message?.buf?.length ?? 0);
  }

  /** Whether bytes are still parsed. */
  protected get reading(): boolean {
    return this.#reading;
  }

  /** Stops reading and lets go of everything held (the stream ended, or the connection is being failed). */
  protected stopReading(): void {
    this.#reading = false;
    this.#partial = this.#message = undefined;
  }

  /** Parses the next chunk of the stream. */
  protected read(chunk: Buffer): void {
    if (!this.#reading) return;
    let o = 0;
    const end = chunk.length;
    // first finish the frame begun in earlier chunks: its bytes are copied into one buffer, never a list of chunks
    let partial = this.#partial;
    while (partial !== undefined) {
      const take = Math.min(partial.need - partial.bytes, end - o);
      const have = partial.bytes + take;
      if (have > partial.buf.length) {
        const grown = Buffer.allocUnsafeSlow(Math.min(partial.need, Math.max(2 * partial.buf.length, have)));
        partial.buf.copy(grown, 0, 0, partial.bytes);
        partial.buf = grown;
      }
      chunk.copy(partial.buf, partial.bytes, o, o + take);
      partial.bytes = have;
      o += take;
      if (have < partial.need) return; // the chunk is used up
      const used = this.#frameAt(partial.buf, 0, have);
      if (used === 0) return; // failed
      if (used < 0) {
        partial.need = -used; // the header is complete now and this is the whole frame: keep filling
        continue;
      }
      this.#partial = partial = undefined;
      if (!this.#reading) return;
    }
    while (o < end) {
      const used = this.#frameAt(chunk, o, end);
      if (used === 0) return;
      if (used < 0) {
        // an incomplete frame: copy what there is (the chunk is not kept alive by a few bytes of it)
        const rest = end - o;
        const buf = Buffer.allocUnsafeSlow(Math.min(-used, Math.max(2 * rest, MIN_BUFFER)));
        chunk.copy(buf, 0, o, end);
        this.#partial = { buf, bytes: rest, need: -used };
        return;
      }
      o += used;
      if (!this.#reading) return;
    }
  }

  /** Reads the frame starting at `buf[o]` (bytes up to `end`): see the class comment for what it returns. */
  #frameAt(buf: Buffer, o: number, end: number): number {
    const avail = end - o;
    if (avail < 2) return -2;
    const b0 = buf[o]!;
    const b1 = buf[o + 1]!;
    const opcode = b0 & 0x0f;
    const fin = (b0 & 0x80) !== 0;
    let length = b1 & 0x7f;
    let header = 6; // 2 + the 4-byte mask
    if ((b0 & 0x70) !== 0) return this.#fail(WebSocketErrorCode.WS_RSV_BITS, "RSV bits set without a negotiated extension", CLOSE_PROTOCOL_ERROR);
    if ((b1 & 0x80) === 0) return this.#fail(WebSocketErrorCode.WS_UNMASKED, "client frame not masked", CLOSE_PROTOCOL_ERROR);
    if (!this.#checkOpcode(opcode, fin, length)) return 0; // decided by these two bytes: no waiting for an extended length
    if (length === 126) {
      if (avail < 4) return -4;
      length = buf.readUInt16BE(o + 2);
      header = 8;
    } else if (length === 127) {
      if (avail < 10) return -10;
      const high = buf.readUInt32BE(o + 2);
      if (high > 0x1fffff) return this.#fail(WebSocketErrorCode.WS_TOO_BIG, "payload length over 2^53 - 1", CLOSE_TOO_BIG);
      length = high * 2 ** 32 + buf.readUInt32BE(o + 6);
      header = 14;
    }
    if (!this.#checkLength(opcode, length)) return 0;
    const size = header + length;
    if (avail < size) return -size;
    const payload = buf.subarray(o + header, o + size);
    if (length !== 0) unmask(payload, buf, o + header - 4);
    this.#frame(opcode, fin, payload); // may stop reading (a close frame, a failure, the handler's doing): callers check
    return size;
  }

  /** Validates what a header's first two bytes decide: false (the connection failed) if it is bad. */
  #checkOpcode(opcode: number, fin: boolean, length7: number): boolean {
    if (opcode >= OPCODE_CLOSE) {
      if (opcode > OPCODE_PONG) return this.#failed(WebSocketErrorCode.WS_UNKNOWN_OPCODE, `unknown opcode ${opcode}`, CLOSE_PROTOCOL_ERROR);
      if (!fin) return this.#failed(WebSocketErrorCode.WS_BAD_CONTROL_FRAME, "fragmented control frame", CLOSE_PROTOCOL_ERROR);
      // a 16- or 64-bit length: over 125 bytes, or 125 or less in a longer encoding than §5.2 allows (as ws)
      if (length7 >= 126) return this.#failed(WebSocketErrorCode.WS_BAD_CONTROL_FRAME, "control frame payload over 125 bytes", CLOSE_PROTOCOL_ERROR);
    } else if (opcode === OPCODE_CONTINUATION) {
      if (this.#message === undefined) {
        return this.#failed(WebSocketErrorCode.WS_BAD_CONTINUATION, "continuation frame without a message to continue", CLOSE_PROTOCOL_ERROR);
      }
    } else if (opcode === OPCODE_TEXT || opcode === OPCODE_BINARY) {
      if (this.#message !== undefined) {
        return this.#failed(WebSocketErrorCode.WS_BAD_CONTINUATION, "new message before the fragmented one ended", CLOSE_PROTOCOL_ERROR);
      }
    } else {
      return this.#failed(WebSocketErrorCode.WS_UNKNOWN_OPCODE, `unknown opcode ${opcode}`, CLOSE_PROTOCOL_ERROR);
    }
    return true;
  }

  /** Validates the payload length, before the payload is waited for: false (the connection failed) if it is bad. */
  #checkLength(opcode: number, length: number): boolean {
    if (opcode >= OPCODE_CLOSE) {
      // ≤ 125 bytes already (#checkOpcode)
      if (opcode === OPCODE_CLOSE && length === 1) {
        return this.#failed(WebSocketErrorCode.WS_BAD_CLOSE_FRAME, "close frame with a 1-byte payload", CLOSE_PROTOCOL_ERROR);
      }
    } else if ((this.#message?.bytes ?? 0) + length > this.limits.maxPayload) {
      return this.#failed(WebSocketErrorCode.WS_TOO_BIG, "message over maxPayload", CLOSE_TOO_BIG);
    }
    return true;
  }

  #frame(opcode: number, fin: boolean, payload: Buffer): void {
    switch (opcode) {
      case OPCODE_TEXT:
      case OPCODE_BINARY: {
        if (fin) return this.#deliver(payload, opcode === OPCODE_BINARY);
        const message: PartialMessage = { buf: undefined, bytes: 0, frames: 1, binary: opcode === OPCODE_BINARY };
        this.#message = message;
        return this.#append(message, payload);
      }
      case OPCODE_CONTINUATION: {
        const message = this.#message!;
        const { maxFragments } = this.limits;
        if (++message.frames > maxFragments) {
          this.#fail(WebSocketErrorCode.WS_TOO_MANY_FRAGMENTS, `message in more than ${maxFragments} frames`, CLOSE_POLICY_VIOLATION);
          return;
        }
        this.#append(message, payload);
        if (!fin) return;
        this.#message = undefined;
        return this.#deliver(message.buf === undefined ? payload.subarray(0, 0) : message.buf.subarray(0, message.bytes), message.binary);
      }
      case OPCODE_CLOSE:
        return this.#receiveClose(payload);
      case OPCODE_PING:
        return this.onPing(payload);
      default:
        return this.onPong(payload);
    }
  }

  /** Copies a fragment's payload into the message buffer (grown ×2, never beyond maxPayload). */
  #append(message: PartialMessage, payload: Buffer): void {
    const n = payload.length;
    if (n === 0) return;
    const have = message.bytes + n;
    let buf = message.buf;
    if (buf === undefined || have > buf.length) {
      const grown = Buffer.allocUnsafeSlow(Math.min(this.limits.maxPayload, Math.max(2 * (buf?.length ?? 0), 2 * n, MIN_BUFFER, have)));
      if (buf !== undefined) buf.copy(grown, 0, 0, message.bytes);
      message.buf = buf = grown;
    }
    payload.copy(buf, message.bytes);
    message.bytes = have;
  }

  #deliver(data: Buffer, binary: boolean): void {
    if (!binary && !isUtf8(data)) return void this.#fail(WebSocketErrorCode.WS_INVALID_UTF8, "text message is not valid UTF-8", CLOSE_INVALID_PAYLOAD);
    this.onMessage(data, binary);
  }

  #receiveClose(payload: Buffer): void {
    let code = 1005;
    let reason = payload.subarray(0, 0);
    if (payload.length >= 2) {
      code = payload.readUInt16BE(0);
      if (!isValidCloseCode(code)) return void this.#fail(WebSocketErrorCode.WS_BAD_CLOSE_FRAME, `invalid close code ${code}`, CLOSE_PROTOCOL_ERROR);
      reason = payload.subarray(2);
      if (!isUtf8(reason)) return void this.#fail(WebSocketErrorCode.WS_INVALID_UTF8, "close reason is not valid UTF-8", CLOSE_INVALID_PAYLOAD);
    }
    this.stopReading();
    this.onCloseFrame(code, Buffer.from(reason)); // a copy: the reason outlives the chunk it came in
  }

  /** Stops reading and reports the failure; 0 (what #frameAt returns for a failure). */
  #fail(code: WebSocketErrorCode, message: string, closeCode: number): 0 {
    this.stopReading();
    this.onProtocolError(new WebSocketProtocolError(code, message, closeCode));
    return 0;
  }

  /** #fail for the checks: false. */
  #failed(code: WebSocketErrorCode, message: string, closeCode: number): false {
    this.#fail(code, message, closeCode);
    return false;
  }
}
