/**
 * App values inside cluster messages: JSON, plus the values JSON cannot carry, as socket.io's msgpack-based adapters
 * carry them — binary (Buffer, ArrayBuffer, typed arrays, DataView) arrives as a Buffer, a Date as a Date. A message
 * with such values is flagged (`"x":1`) and only then walked on arrival, so a plain message costs one JSON.parse,
 * and an app object that happens to look like one of our markers is escaped: it arrives as it was sent.
 *
 *   Buffer.from([1, 2])      → {"\u0000b":"AQI="}
 *   new Date(0)              → {"\u0000d":0}
 *   {"\u0000b":"AQI="} (app) → {"\u0000o":{"\u0000b":"AQI="}}
 *
 * What a client receives is the same on every instance: a Date reaching a client is JSON's ISO string either way.
 */
import { isBinary, MAX_RECONSTRUCT_DEPTH } from "../../shared/binary.js";
import { RoomcastError } from "../../shared/errors.js";

const BIN = "\u0000b";
const DATE = "\u0000d";
const ESC = "\u0000o";

/**
 * True when `value` holds something plain JSON would not bring back as it was: binary, a Date, or an object with a
 * key starting with NUL (our markers' namespace). Follows `toJSON` like JSON.stringify (Dates aside).
 */
export function needsExtendedJson(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== "object" || depth > MAX_RECONSTRUCT_DEPTH) return false;
  if (isBinary(value) || value instanceof Date) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (needsExtendedJson(value[i], depth + 1)) return true;
    return false;
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return needsExtendedJson((toJSON as () => unknown).call(value), depth + 1);
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    if (key.charCodeAt(0) === 0 || needsExtendedJson((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

/** The wrapper of an escaped app object (a class, so the replacer recognises its own wrappers). */
class Escaped {
  readonly [ESC]: unknown;
  constructor(value: unknown) {
    this[ESC] = value;
  }
}

/** JSON.stringify replacer of an extended message. */
export function extendedReplacer(this: unknown, key: string, value: unknown): unknown {
  // JSON.stringify calls Buffer#toJSON and Date#toJSON before the replacer: look at the holder's raw value instead
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof ArrayBuffer) return { [BIN]: Buffer.from(raw).toString("base64") };
  if (ArrayBuffer.isView(raw)) return { [BIN]: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("base64") };
  if (raw instanceof Date) {
    const ms = raw.getTime();
    return Number.isNaN(ms) ? null : { [DATE]: ms }; // an invalid Date is JSON's null, as in one process
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value) && !(this instanceof Escaped)) {
    for (const k in value) if (k.charCodeAt(0) === 0) return new Escaped(value);
  }
  return value;
}

/**
 * Puts binary and Dates back, unwraps escaped objects; in place (the value comes fresh from JSON.parse). Throws
 * (ERR_MALFORMED_CLUSTER_MESSAGE) past 10,000 levels of nesting.
 */
export function reviveExtended(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth > 10_000) throw new RoomcastError("ERR_MALFORMED_CLUSTER_MESSAGE", "nesting too deep");
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = reviveExtended(value[i], depth + 1);
    return value;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1) {
    const k = keys[0]!;
    const v = obj[k];
    if (k === BIN && typeof v === "string") return Buffer.from(v, "base64");
    if (k === DATE && typeof v === "number") return new Date(v);
    if (k === ESC && v !== null && typeof v === "object" && !Array.isArray(v)) {
      reviveMembers(v as Record<string, unknown>, depth + 1);
      return v;
    }
  }
  reviveMembers(obj, depth);
  return obj;
}

function reviveMembers(obj: Record<string, unknown>, depth: number): void {
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    if (v !== null && typeof v === "object") obj[k] = reviveExtended(v, depth + 1); // "__proto__" is an own key here
  }
}

/**
 * A record as JSON; with `extended`, flagged `"x":1` (set on `out`) and encoded with {@link extendedReplacer}, which
 * takes JSON.stringify off its fast path (~3x slower): only paid for when there is something to encode.
 */
export function stringifyFlagged(out: Record<string, unknown>, extended: boolean): string {
  if (!extended) return JSON.stringify(out);
  out["x"] = 1;
  return JSON.stringify(out, extendedReplacer);
}
