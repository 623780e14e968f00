/**
 * A small seeded generator for property tests (no dependency): the same seed gives the same cases, so a failure is
 * reproduced with `ROOMCAST_SEED=<seed>`. Generates room names (strings of every kind socket.io accepts, numbers)
 * and payloads (JSON values, binary of every kind, Dates, toJSON, undefined/null in arrays, unicode, large strings).
 */

/** mulberry32: 32-bit state, good enough for test cases. */
export class Random {
  readonly seed: number;
  #state: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.#state = this.seed;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  bool(p = 0.5): boolean {
    return this.next() < p;
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }

  /** `k` distinct picks (fewer when the list is shorter). */
  some<T>(list: readonly T[], k: number): T[] {
    const copy = [...list];
    const out: T[] = [];
    while (out.length < k && copy.length > 0) out.push(copy.splice(this.int(copy.length), 1)[0]!);
    return out;
  }

  /** A string of `n` characters from `alphabet`. */
  chars(alphabet: string, n: number): string {
    let s = "";
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
}

/** The seed of a property test: `ROOMCAST_SEED` when set, else a fixed one (CI runs the same cases every time). */
export function testSeed(fallback: number): number {
  const env = process.env["ROOMCAST_SEED"];
  return env !== undefined && env !== "" ? Number(env) >>> 0 : fallback;
}

const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const UNICODE = ["é", "ß", "房间", "комната", "🎉", "👩‍👩‍👧", "\u200b", "ﷺ", "\ud800", "\udc00x", "\u0000", "\u0000b", "\n\t\"\\"];

/** A room name as socket.io accepts it from JavaScript: a string of any kind, or a number. */
export function randomRoom(rng: Random): string | number {
  switch (rng.int(9)) {
    case 0:
      return rng.pick(["a", "b", "c", "d"]);
    case 1:
      return rng.pick(["123", "7", "0", "-1", "1.5", "1e3"]); // numeric-looking strings
    case 2:
      return rng.pick([123, 7, 0, -1, 1.5, 2 ** 53 - 1]); // numbers: 123 and "123" are two rooms
    case 3:
      return rng.chars(B64URL, 20); // looks like a socket id
    case 4:
      return rng.pick(UNICODE) + rng.pick(["", "-room", rng.pick(UNICODE)]);
    case 5:
      return rng.pick(["", " ", "__proto__", "constructor", "/", "#", "room:with:colons"]);
    case 6:
      return rng.chars("ab", 1 + rng.int(3));
    case 7:
      return rng.pick(["a", "b"]);
    default:
      return rng.chars(B64URL, 1 + rng.int(40));
  }
}

/** A random string: ASCII, unicode (lone surrogates included), sometimes large. */
export function randomString(rng: Random): string {
  switch (rng.int(6)) {
    case 0:
      return "";
    case 1:
      return rng.chars(B64URL, rng.int(12));
    case 2:
      return Array.from({ length: 1 + rng.int(4) }, () => rng.pick(UNICODE)).join("");
    case 3:
      return rng.bool(0.1) ? "x".repeat(100_000 + rng.int(100_000)) : rng.chars("abc ", rng.int(200));
    case 4:
      return rng.pick(["placeholder", "num", "\u0000b", "\u0000d", "\u0000o", "type", "Buffer", "2026-01-01T00:00:00.000Z"]);
    default:
      return String(rng.int(1000));
  }
}

function randomBinary(rng: Random): unknown {
  const bytes = Array.from({ length: rng.int(24) }, () => rng.int(256));
  const buf = Buffer.from(bytes);
  switch (rng.int(8)) {
    case 0:
      return buf;
    case 1:
      return new Uint8Array(bytes).buffer; // ArrayBuffer
    case 2:
      return new Uint8Array(bytes);
    case 3: {
      const f = new Float32Array(1 + rng.int(4));
      for (let i = 0; i < f.length; i++) f[i] = rng.next() * 1000 - 500;
      return f;
    }
    case 4:
      return new Int16Array(new Uint8Array([...bytes, 0, 0, 0, 0]).buffer, 2, 1); // a view with an offset
    case 5:
      return new DataView(new Uint8Array([9, ...bytes]).buffer, 1);
    case 6:
      return buf.subarray(Math.min(2, buf.length)); // a Buffer sharing a larger pool
    default:
      return Buffer.alloc(0);
  }
}

/** A value as an app may emit it (depth-bounded). */
export function randomValue(rng: Random, depth = 0): unknown {
  const leaf = depth >= 3 || rng.bool(0.55);
  if (leaf) {
    switch (rng.int(12)) {
      case 0:
        return null;
      case 1:
        return rng.bool();
      case 2:
        return rng.int(2000) - 1000;
      case 3:
        return rng.pick([1.5, -0, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER, 1e-7, 2 ** 60]);
      case 4:
      case 5:
        return randomString(rng);
      case 6:
      case 7:
        return randomBinary(rng);
      case 8:
        return rng.bool(0.8) ? new Date(Date.UTC(2000 + rng.int(50), rng.int(12), 1 + rng.int(28), rng.int(24), 0, 0, rng.int(1000))) : new Date(NaN);
      case 9: {
        const json = rng.pick<unknown>(["custom", 42, null, { nested: [1, "two"] }]);
        return { hidden: "never sent", toJSON: () => json };
      }
      case 10:
        return undefined;
      default:
        return rng.pick(["x", 0, false]);
    }
  }
  if (rng.bool()) {
    return Array.from({ length: rng.int(5) }, () => (rng.bool(0.15) ? undefined : randomValue(rng, depth + 1)));
  }
  const out: Record<string, unknown> = {};
  const n = rng.int(5);
  for (let i = 0; i < n; i++) {
    // keys our encodings use for markers must survive as plain data. Not "_placeholder": in a packet with binary,
    // socket.io's own protocol takes {_placeholder: true, num} for an attachment, on one instance as on many
    const key = rng.bool(0.2) ? rng.pick(["\u0000b", "\u0000d", "\u0000o", "num", "type", "data"]) : randomString(rng).slice(0, 12);
    out[key] = randomValue(rng, depth + 1);
  }
  if (rng.bool(0.1)) return { "\u0000b": "AAEC" }; // exactly the shape of an encoded Buffer
  return out;
}
