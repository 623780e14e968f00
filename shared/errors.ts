/**
 * roomcast's errors: every error roomcast raises carries a stable `code` from {@link ErrorCode} (shared/error-codes.ts,
 * one union over every layer), as Node's own errors and ws's `WS_ERR_*` do; messages stay socket.io's where socket.io
 * has one. This file is the only place an Error is constructed: elsewhere a coded one is made with RoomcastError,
 * codedTypeError or codedRangeError, and anything thrown or rejected by others becomes an Error through toError, the
 * one normaliser (test/shared/errors.test.ts scans the sources for a bare `new Error(` and an inline normaliser).
 */
import type { ErrorCode, ProtocolErrorCode } from "./error-codes.js";

export { ErrorCode, ProtocolErrorCode } from "./error-codes.js";

/** An error raised by roomcast: `code` says which (stable, see {@link ErrorCode}), `message` is for humans. */
export interface CodedError<C extends ErrorCode = ErrorCode> extends Error {
  /** Which error this is (stable, see {@link ErrorCode}). */
  readonly code: C;
}

/**
 * An Error with a stable `code` (its `name` stays "Error", its message socket.io's where socket.io has one). The
 * class of roomcast's errors but for invalid options, which are TypeErrors or RangeErrors with a `code`
 * (`ERR_INVALID_OPTION`), as before.
 */
export class RoomcastError<C extends ErrorCode = ErrorCode> extends Error implements CodedError<C> {
  /** Which error this is (stable, see {@link ErrorCode}). */
  declare readonly code: C;
  /** An error with a stable `code` and a human-readable `message`; `options.cause` as for any Error. */
  constructor(code: C, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** What the codec throws for anything it refuses; the connection is then closed ("parse error"). */
export class ProtocolError extends RoomcastError<ProtocolErrorCode> {
  /** An error with a stable `code` and a human-readable `message`. */
  constructor(code: ProtocolErrorCode, message: string) {
    super(code, message);
    this.name = "ProtocolError";
  }
}

/** A TypeError with a stable `code` (as Node's ERR_INVALID_ARG_TYPE is): an argument or option of the wrong type. */
export function codedTypeError<C extends ErrorCode>(code: C, message: string): TypeError & CodedError<C> {
  return Object.assign(new TypeError(message), { code });
}

/** A RangeError with a stable `code` (as Node's ERR_OUT_OF_RANGE is): an argument or option out of range. */
export function codedRangeError<C extends ErrorCode>(code: C, message: string): RangeError & CodedError<C> {
  return Object.assign(new RangeError(message), { code });
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
