/**
 * Stable error codes for everything the codec and the connection layer refuse.
 * Each one closes the offending connection with the Socket.IO reason "parse error".
 * The codec throws them as string literals (checked against the ProtocolErrorCode type), so this table stays out of
 * the client's browser bundle.
 */
export const ProtocolErrorCode = {
  /** The first character is not a known packet type. */
  UNKNOWN_TYPE: "ERR_UNKNOWN_TYPE",
  /** The attachment count of a binary packet is missing, not a positive integer or not followed by "-". */
  BAD_ATTACHMENTS: "ERR_BAD_ATTACHMENTS",
  /** More attachments announced than the decoder's `maxAttachments` cap. */
  TOO_MANY_ATTACHMENTS: "ERR_TOO_MANY_ATTACHMENTS",
  /** A placeholder points outside the attachments received, or is malformed. */
  BAD_PLACEHOLDER: "ERR_BAD_PLACEHOLDER",
  /** The namespace is not of the form "/name" or is too long. */
  BAD_NAMESPACE: "ERR_BAD_NAMESPACE",
  /** The ack id is not an integer in [0, 2^31 - 1]. */
  BAD_ACK_ID: "ERR_BAD_ACK_ID",
  /** The JSON payload does not parse. */
  BAD_JSON: "ERR_BAD_JSON",
  /** The payload has the wrong shape for the packet type (e.g. an event that is not a non-empty array). */
  BAD_PAYLOAD: "ERR_BAD_PAYLOAD",
  /** A binary frame arrived while no binary packet was awaiting attachments. */
  UNEXPECTED_BINARY: "ERR_UNEXPECTED_BINARY",
  /** A text frame arrived while a binary packet was still awaiting attachments. */
  UNEXPECTED_TEXT: "ERR_UNEXPECTED_TEXT",
  /** The payload nests deeper than the decoder allows. */
  TOO_DEEP: "ERR_TOO_DEEP",
} as const;
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/** What the codec throws for anything it refuses; the connection is then closed ("parse error"). */
export class ProtocolError extends Error {
  /** Which rule was broken (stable, see {@link ProtocolErrorCode}). */
  declare readonly code: ProtocolErrorCode;
  /** An error with a stable `code` and a human-readable `message`. */
  constructor(code: ProtocolErrorCode, message: string) {
    super(message);
    this.name = "ProtocolError";
    this.code = code;
  }
}

/**
 * The message of the Error that stands in for a thrown or rejected value roomcast cannot read (a revoked Proxy, an
 * object whose getters, `toJSON` and `toString` all throw, …): what `onError` gets, and what a client sees in a
 * middleware's `connect_error`.
 */
export const UNREADABLE_ERROR_MESSAGE = "unreadable error value";

/**
 * Turns anything thrown or rejected into an Error. Never throws, whatever `value` is: a revoked Proxy (on which even
 * `instanceof` throws), getters, `toString` / `valueOf` / `Symbol.toPrimitive` / `toJSON` that throw, cycles, BigInt,
 * symbols, null-prototype objects.
 *
 * What is kept: an Error is returned as it is when it is genuine and readable now — made by an Error constructor
 * (`Object.prototype.toString` says "[object Error]" or "[object DOMException]": not a plain Proxy around one, not
 * `Object.create(Error.prototype)`, no `Symbol.toStringTag` getter) and its `name` and `message` read as strings
 * without throwing. Otherwise a new plain Error: an Error-like keeps its `message` (and `name`) when they read as
 * strings; a string is the message; another primitive its `String()`; an object its JSON, else its `String()`; a
 * function only "function" (no source text); anything unreadable UNREADABLE_ERROR_MESSAGE.
 * A kept Error may still turn hostile later (a getter that throws on its second read, a Proxy crafted to pass the
 * checks, a `cause` util.inspect chokes on): whoever reads it again guards the read (the error log, the
 * CONNECT_ERROR payload). Only `message` (and a middleware's `data`) ever goes over the wire, never a stack.
 */
export function toError(value: unknown): Error {
  try {
    if (typeof value === "string") return new Error(value);
    if (value === null || (typeof value !== "object" && typeof value !== "function")) return new Error(String(value));
    if (value instanceof Error) return readableError(value) ?? copyOf(value);
    return new Error(typeof value === "function" ? "function" : describe(value));
  } catch {
    return new Error(UNREADABLE_ERROR_MESSAGE);
  }
}

/** The message of `toError(value)`, read once more and guarded: always a string (UNREADABLE_ERROR_MESSAGE if not). */
export function errorMessage(value: unknown): string {
  return readString(toError(value), "message") ?? UNREADABLE_ERROR_MESSAGE;
}

/** `err` when it is a genuine Error whose name and message read as strings; undefined otherwise. */
function readableError(err: Error): Error | undefined {
  try {
    const tag = Object.prototype.toString.call(err);
    if (tag !== "[object Error]" && tag !== "[object DOMException]") return undefined;
    return typeof err.name === "string" && typeof err.message === "string" ? err : undefined;
  } catch {
    return undefined;
  }
}

/** A plain Error with the message (and name) of an Error-like that cannot be kept, as far as they read as strings. */
function copyOf(err: Error): Error {
  const copy = new Error(readString(err, "message") ?? UNREADABLE_ERROR_MESSAGE);
  const name = readString(err, "name");
  if (name !== undefined) copy.name = name;
  return copy;
}

function readString(obj: object, key: "name" | "message"): string | undefined {
  try {
    const value: unknown = (obj as Record<string, unknown>)[key];
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** An object as a message: its JSON, else its String(), else UNREADABLE_ERROR_MESSAGE. */
function describe(value: object): string {
  try {
    const json: unknown = JSON.stringify(value);
    if (typeof json === "string") return json;
  } catch {
    // a cycle, a BigInt, a throwing toJSON or getter: try String()
  }
  try {
    return String(value);
  } catch {
    return UNREADABLE_ERROR_MESSAGE;
  }
}
