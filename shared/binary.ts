/**
 * Binary attachments: Buffer / ArrayBuffer / typed arrays / Blob anywhere in a payload travel as separate frames,
 * replaced in the JSON by `{"_placeholder":true,"num":N}`.
 */
import { ProtocolError } from "./errors.js";

/** Bytes as they may appear in a payload. Blob only exists in browsers and Node >= 18. */
export type BinaryLike = ArrayBuffer | ArrayBufferView | Blob;

const hasBlob = typeof Blob === "function";

/**
 * Whether a value is bytes (ArrayBuffer, a typed array or DataView, a Buffer, or a Blob): such values travel as
 * binary attachments.
 */
export function isBinary(value: unknown): value is BinaryLike {
  return (
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    (hasBlob && value instanceof Blob)
  );
}

/** True when `value` contains binary anywhere (following `toJSON` like JSON.stringify does). */
export function hasBinary(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== "object" || depth > MAX_RECONSTRUCT_DEPTH) return false;
  if (isBinary(value)) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasBinary(value[i], depth + 1)) return true;
    return false;
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    return value instanceof Date ? false : hasBinary((toJSON as () => unknown).call(value), depth + 1);
  }
  for (const key in value) {
    if (Object.prototype.hasOwnProperty.call(value, key) && hasBinary((value as Record<string, unknown>)[key], depth + 1)) {
      return true;
    }
  }
  return false;
}

/** Returns a copy of `value` with every binary replaced by a placeholder, pushing the binaries onto `out`. */
export function deconstruct(value: unknown, out: BinaryLike[], viaToJSON = false): unknown {
  if (value === null || typeof value !== "object") return value;
  if (isBinary(value)) {
    const placeholder = { _placeholder: true, num: out.length };
    out.push(value);
    return placeholder;
  }
  if (Array.isArray(value)) {
    const copy = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) copy[i] = deconstruct(value[i], out);
    return copy;
  }
  if (value instanceof Date) return value;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (!viaToJSON && typeof toJSON === "function") {
    return deconstruct((toJSON as () => unknown).call(value), out, true);
  }
  const copy: Record<string, unknown> = {};
  for (const key in value) {
    if (Object.prototype.hasOwnProperty.call(value, key)) {
      defineValue(copy, key, deconstruct((value as Record<string, unknown>)[key], out));
    }
  }
  return copy;
}

/** Deepest nesting the decoder walks when putting attachments back (the JSON itself is parsed by V8). */
export const MAX_RECONSTRUCT_DEPTH = 100;

/**
 * Puts attachments back in place of their placeholders, in place. Throws ProtocolError on a placeholder that is
 * out of range or malformed, or on nesting deeper than MAX_RECONSTRUCT_DEPTH.
 */
export function reconstruct(value: unknown, buffers: readonly unknown[], depth = 0): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth > MAX_RECONSTRUCT_DEPTH) {
    throw new ProtocolError("ERR_TOO_DEEP", "binary payload nests too deep");
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = reconstruct(value[i], buffers, depth + 1);
    return value;
  }
  const record = value as Record<string, unknown>;
  if (record["_placeholder"] === true) {
    const num = record["num"];
    if (typeof num !== "number" || !Number.isInteger(num) || num < 0 || num >= buffers.length) {
      throw new ProtocolError("ERR_BAD_PLACEHOLDER", "placeholder out of range");
    }
    return buffers[num];
  }
  for (const key in record) {
    if (Object.prototype.hasOwnProperty.call(record, key)) {
      const current = record[key];
      if (current !== null && typeof current === "object") {
        defineValue(record, key, reconstruct(current, buffers, depth + 1));
      }
    }
  }
  return value;
}

/** Sets an own data property, even for keys like "__proto__" (a plain assignment would change the prototype). */
function defineValue(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
