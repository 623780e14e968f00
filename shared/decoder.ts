/**
 * Wire → packet, strictly. One Decoder per connection: it holds the state of a binary packet awaiting its
 * attachments. Every refusal throws a ProtocolError with a stable code; the caller closes that connection.
 */
import { isBinary, MAX_RECONSTRUCT_DEPTH, reconstruct, type BinaryLike } from "./binary.js";
import { ProtocolError } from "./errors.js";
import { MAX_ACK_ID, PacketType, RESERVED_EVENTS, type Packet } from "./packet.js";

/** Limits of a {@link Decoder}. */
export interface DecoderOptions {
  /**
   * Most attachments one binary packet may announce.
   *
   * @defaultValue 10 (as socket.io-parser)
   */
  maxAttachments?: number;
  /**
   * Longest namespace name accepted, in characters.
   *
   * @defaultValue 256
   */
  maxNamespaceLength?: number;
}

/** Default of {@link DecoderOptions.maxAttachments}. */
export const DEFAULT_MAX_ATTACHMENTS = 10;
/** Default of {@link DecoderOptions.maxNamespaceLength}. */
export const DEFAULT_MAX_NAMESPACE_LENGTH = 256;

/**
 * Wire → packet, strictly: one Decoder per connection (it holds a binary packet awaiting its attachments). Every
 * refusal throws a {@link ProtocolError} with a stable code.
 *
 * @example
 * ```ts
 * const decoder = new Decoder();
 * decoder.add('2["hello","world"]'); // { type: 2, nsp: "/", data: ["hello", "world"] }
 * ```
 */
export class Decoder {
  readonly #maxAttachments: number;
  readonly #maxNamespaceLength: number;
  #pending: Packet | null = null;
  #expected = 0;
  #buffers: BinaryLike[] = [];

  /** A decoder with the given limits (see {@link DecoderOptions} for the defaults). */
  constructor(options: DecoderOptions = {}) {
    this.#maxAttachments = options.maxAttachments ?? DEFAULT_MAX_ATTACHMENTS;
    this.#maxNamespaceLength = options.maxNamespaceLength ?? DEFAULT_MAX_NAMESPACE_LENGTH;
  }

  /** True while a binary packet is waiting for attachments. */
  get awaitingAttachments(): boolean {
    return this.#pending !== null;
  }

  /**
   * Feeds one frame. Returns the completed packet, or undefined while a binary packet still waits for
   * attachments. Throws ProtocolError on anything invalid (the decoder is then reset).
   */
  add(frame: unknown): Packet | undefined {
    try {
      // engine.io(-client) hands an empty text message ("4" on the wire) over as undefined: it is an empty text frame
      if (typeof frame === "string" || frame === undefined) {
        if (this.#pending !== null) {
          throw new ProtocolError("ERR_UNEXPECTED_TEXT", "text frame while awaiting attachments");
        }
        const packet = this.#decodeString(frame ?? "");
        if (this.#expected === 0) return packet;
        this.#pending = packet;
        return undefined;
      }
      const packet = this.#pending;
      if (packet === null) throw new ProtocolError("ERR_UNEXPECTED_BINARY", "binary frame without a binary packet");
      if (!isBinary(frame)) throw new ProtocolError("ERR_UNEXPECTED_BINARY", "frame is neither text nor binary");
      if (this.#buffers.push(frame) < this.#expected) return undefined;
      packet.data = reconstruct(packet.data, this.#buffers);
      this.reset();
      return packet;
    } catch (err) {
      this.reset();
      if (err instanceof ProtocolError) throw err;
      // a RangeError from a pathological payload, for instance
      throw new ProtocolError("ERR_BAD_PAYLOAD", "payload could not be decoded");
    }
  }

  /** Drops any half-received binary packet. */
  reset(): void {
    this.#pending = null;
    this.#expected = 0;
    this.#buffers = [];
  }

  #decodeString(str: string): Packet {
    const typeCode = str.charCodeAt(0) - 48;
    if (!(typeCode >= 0 && typeCode <= 6)) throw new ProtocolError("ERR_UNKNOWN_TYPE", "unknown packet type");
    let type = typeCode as PacketType;
    let i = 1;
    const len = str.length;

    if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) {
      const start = i;
      i = skipDigits(str, i);
      const count = Number(str.slice(start, i)); // 0 without digits
      if (count < 1 || i - start > 6 || str.charCodeAt(i) !== 45 /* - */) {
        throw new ProtocolError("ERR_BAD_ATTACHMENTS", "illegal attachments");
      }
      if (count > this.#maxAttachments) throw new ProtocolError("ERR_TOO_MANY_ATTACHMENTS", "too many attachments");
      this.#expected = count;
      i++;
    }

    let nsp = "/";
    if (str.charCodeAt(i) === 47 /* / */) {
      const comma = str.indexOf(",", i);
      const end = comma === -1 ? len : comma;
      if (end - i > this.#maxNamespaceLength) throw new ProtocolError("ERR_BAD_NAMESPACE", "namespace too long");
      nsp = str.slice(i, end);
      i = comma === -1 ? len : comma + 1;
    } else if (i < len && looksLikeNamespace(str, i)) {
      throw new ProtocolError("ERR_BAD_NAMESPACE", "namespace must start with /");
    }

    let id: number | undefined;
    if (isDigit(str.charCodeAt(i))) {
      const start = i;
      i = skipDigits(str, i);
      id = Number(str.slice(start, i));
      if (i - start > 10 || id > MAX_ACK_ID) throw new ProtocolError("ERR_BAD_ACK_ID", "ack id too large");
      const after = str.charCodeAt(i);
      if (after === 46 /* . */ || after === 101 /* e */ || after === 69 /* E */) {
        throw new ProtocolError("ERR_BAD_ACK_ID", "ack id is not an integer");
      }
    } else if (str.charCodeAt(i) === 45 /* - */ && isDigit(str.charCodeAt(i + 1))) {
      throw new ProtocolError("ERR_BAD_ACK_ID", "negative ack id");
    }

    let data: unknown;
    if (i < len) {
      // V8 parses any depth; refuse what later walks (reconstruct, re-encoding by the app) could not handle
      if (len - i > MAX_RECONSTRUCT_DEPTH && nestsTooDeep(str, i)) {
        throw new ProtocolError("ERR_TOO_DEEP", "payload nests too deep");
      }
      try {
        data = JSON.parse(str.slice(i));
      } catch {
        throw new ProtocolError("ERR_BAD_JSON", "invalid JSON payload");
      }
    }
    if (!isPayloadValid(type, data, id)) throw new ProtocolError("ERR_BAD_PAYLOAD", "invalid payload");

    if (type === PacketType.BINARY_EVENT) type = PacketType.EVENT;
    else if (type === PacketType.BINARY_ACK) type = PacketType.ACK;
    const packet: Packet = { type, nsp, data };
    if (id !== undefined) packet.id = id;
    return packet;
  }
}

/** Text before the first "," that cannot start an ack id or a JSON value: a namespace without its "/". */
function looksLikeNamespace(str: string, i: number): boolean {
  const code = str.charCodeAt(i);
  if (isDigit(code) || code === 91 /* [ */ || code === 123 /* { */ || code === 34 /* " */ || code === 45 /* - */) return false;
  const comma = str.indexOf(",", i);
  return comma !== -1 && !/[[{"]/.test(str.slice(i, comma));
}

/** True when arrays/objects nest deeper than MAX_RECONSTRUCT_DEPTH (the root container is depth 0). */
function nestsTooDeep(str: string, from: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = from; i < str.length; i++) {
    const c = str.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 91 || c === 123) {
      if (++depth > MAX_RECONSTRUCT_DEPTH + 1) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) {
      depth--;
    }
  }
  return false;
}

/** The index of the first non-digit at or after `i` (past the end, charCodeAt is NaN: not a digit). */
function skipDigits(str: string, i: number): number {
  while (isDigit(str.charCodeAt(i))) i++;
  return i;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isPlainObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isPayloadValid(type: PacketType, data: unknown, id: number | undefined): boolean {
  switch (type) {
    case PacketType.CONNECT:
      return id === undefined && (data === undefined || isPlainObject(data));
    case PacketType.DISCONNECT:
      return id === undefined && data === undefined;
    case PacketType.CONNECT_ERROR:
      return id === undefined && (data === undefined || typeof data === "string" || isPlainObject(data));
    case PacketType.EVENT:
    case PacketType.BINARY_EVENT: {
      if (!Array.isArray(data) || data.length === 0) return false;
      const name: unknown = data[0];
      return typeof name === "number" || (typeof name === "string" && !RESERVED_EVENTS.has(name));
    }
    case PacketType.ACK:
    case PacketType.BINARY_ACK:
      return id !== undefined && Array.isArray(data);
    default:
      return false;
  }
}
