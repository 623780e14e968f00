/**
 * Input generators for the codec fuzzer: seeded PRNG, valid packets (every type, namespaces, ack ids, unicode,
 * binary attachments of every kind) and hostile ones (huge numbers, deep nesting, lone surrogates, `__proto__` /
 * `constructor` keys, attachment bombs), and mutations of encoded frames (bit flips, truncations, splices).
 */
import { PacketType, RESERVED_EVENTS, type Packet } from "../../shared/packet.js";

/** One fuzz input: the frames a peer sends, text as strings, binary as bytes (converted per side by the fuzzer). */
export type FuzzFrame = string | Uint8Array;

/** mulberry32: tiny deterministic PRNG, floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABETS = [
  "abcdefghijklmnopqrstuvwxyz",
  "ABCXYZ0123456789 _-.:/,",
  "éüñçøß日本語中文한국어",
  "\"\\\n\t\r\b\f\u0000\u001f\u2028\u2029[]{}",
].map((a) => [...a]);
const EMOJI = ["🎉", "👍🏽", "𝄞", "🏳️‍🌈"];
/** Lone and mismatched surrogates: JSON.stringify escapes them, mutations put them raw into frames. */
const SURROGATES = ["\ud800", "\udfff", "\udc00\ud800", "\ud83d"];
/** Keys that must stay plain data: no prototype change, no shadowing of what the app calls. */
export const HOSTILE_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "_placeholder", "toJSON"];
const HUGE_NUMBERS = ["1e308", "1e309", "-1e309", "123456789012345678901234567890", "4.9e-324", "1e-400", "-0", "9007199254740993", "0.1e+999"];
const TOKENS = ['"', "[", "]", "{", "}", ",", ":", "-", "/", "\\", "0", "9", "null", "true", "{\"_placeholder\":true,\"num\":0}", "\"__proto__\":", "\ud800", "\u0000", "e", "."];

export class Gen {
  readonly #rand: () => number;
  constructor(seed: number) {
    this.#rand = prng(seed);
  }
  float(): number {
    return this.#rand();
  }
  int(max: number): number {
    return Math.floor(this.#rand() * max);
  }
  chance(p: number): boolean {
    return this.#rand() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  string(maxLen = 12, hostile = false): string {
    let out = "";
    const len = this.int(maxLen + 1);
    for (let i = 0; i < len; i++) {
      if (hostile && this.chance(0.05)) out += this.pick(SURROGATES);
      else out += this.chance(0.05) ? this.pick(EMOJI) : this.pick(this.pick(ALPHABETS));
    }
    return out;
  }

  /** Keys socket.io-parser carries faithfully (its encoder copies with plain assignment). */
  key(hostile: boolean): string {
    if (hostile && this.chance(0.2)) return this.pick(HOSTILE_KEYS);
    for (;;) {
      const k = this.string(8, hostile);
      if (k !== "__proto__" && k !== "_placeholder") return k;
    }
  }

  number(): number {
    switch (this.int(5)) {
      case 0:
        return this.int(1000);
      case 1:
        return this.int(2 ** 31) - 2 ** 30;
      case 2:
        return (this.float() - 0.5) * 1e6;
      case 3:
        return this.pick([Number.MAX_VALUE, Number.MIN_VALUE, -Number.MAX_VALUE, 2 ** 53 + 2, 1e21]);
      default:
        return Number.MAX_SAFE_INTEGER - this.int(10);
    }
  }

  bytes(max = 40): Uint8Array {
    const len = this.int(max);
    const bytes = new Uint8Array(len);
    for (let i = 0; i < len; i++) bytes[i] = this.int(256);
    return bytes;
  }

  /** A binary value as an app would pass it to emit(). */
  binary(): unknown {
    const bytes = this.bytes();
    switch (this.int(5)) {
      case 0:
        return Buffer.from(bytes);
      case 1:
        return bytes.buffer;
      case 2:
        return bytes;
      case 3:
        return new Int16Array(bytes.buffer, 0, bytes.length >> 1);
      default:
        return Buffer.from(bytes).subarray(Math.min(2, bytes.length));
    }
  }

  /** A JSON-ish value, with binaries when `binary` is set and hostile keys/strings when `hostile` is. */
  value(depth: number, binary: boolean, hostile: boolean): unknown {
    if (depth <= 0 || this.chance(0.45)) {
      if (binary && this.chance(0.2)) return this.binary();
      switch (this.int(7)) {
        case 0:
          return null;
        case 1:
          return this.chance(0.5);
        case 2:
        case 3:
          return this.number();
        case 4:
          return this.chance(0.1) ? new Date(this.int(2 ** 40)) : this.string(12, hostile);
        default:
          return this.string(12, hostile);
      }
    }
    if (this.chance(0.5)) return Array.from({ length: this.int(5) }, () => this.value(depth - 1, binary, hostile));
    const obj: Record<string, unknown> = {};
    const n = this.int(5);
    for (let i = 0; i < n; i++) {
      // an own "__proto__" data property, as JSON.parse makes it
      Object.defineProperty(obj, this.key(hostile), { value: this.value(depth - 1, binary, hostile), enumerable: true, writable: true, configurable: true });
    }
    return obj;
  }

  namespace(): string {
    switch (this.int(5)) {
      case 0:
      case 1:
        return "/";
      case 2:
        return this.pick(["/chat", "/a/b", "/ünï", "/日本", "/with space", "/x-y_z.1", "/__proto__", "/constructor"]);
      default: {
        let name = "/";
        const len = 1 + this.int(20);
        for (let i = 0; i < len; i++) name += this.pick([..."abcXYZ019-_./:éü日🎉[]{}\"'"]);
        return name;
      }
    }
  }

  ackId(): number {
    return this.pick([0, 1, 9, 10, 2 ** 31 - 1, this.int(1000), this.int(2 ** 31)]);
  }

  eventName(hostile: boolean): string | number {
    if (this.chance(0.05)) return this.int(100);
    if (hostile && this.chance(0.3)) return this.pick(HOSTILE_KEYS);
    for (;;) {
      const name = this.chance(0.5) ? this.pick(["message", "chat", "update", "ping", "日本", "a b"]) : this.string(10, hostile);
      if (!RESERVED_EVENTS.has(name)) return name;
    }
  }

  /** A packet our decoder must accept. `hostile`: keys and strings socket.io-parser cannot carry faithfully. */
  packet(hostile: boolean): Packet {
    const nsp = this.namespace();
    const binary = this.chance(0.3);
    const obj = (): Record<string, unknown> => this.value(1, false, hostile) as Record<string, unknown>;
    switch (this.int(5)) {
      case 0: {
        const data = this.value(3, false, hostile);
        return data !== null && typeof data === "object" && !Array.isArray(data) && !(data instanceof Date)
          ? { type: PacketType.CONNECT, nsp, data }
          : { type: PacketType.CONNECT, nsp };
      }
      case 1:
        return { type: PacketType.DISCONNECT, nsp };
      case 2: {
        const args = Array.from({ length: this.int(5) }, () => this.value(4, binary, hostile));
        if (binary) args.push(this.binary());
        const packet: Packet = { type: PacketType.EVENT, nsp, data: [this.eventName(hostile), ...args] };
        if (this.chance(0.5)) packet.id = this.ackId();
        return packet;
      }
      case 3: {
        const args = Array.from({ length: this.int(4) }, () => this.value(4, binary, hostile));
        if (binary) args.splice(this.int(args.length + 1), 0, this.binary());
        return { type: PacketType.ACK, nsp, id: this.ackId(), data: args };
      }
      default:
        return { type: PacketType.CONNECT_ERROR, nsp, data: this.chance(0.3) ? this.string() : { message: this.string(), data: obj() } };
    }
  }

  // ---- hostile frames -----------------------------------------------------------------------------------------

  /** Frames built to hurt: huge numbers, deep nesting, attachment bombs, weird placeholders, prototype keys. */
  hostileFrames(): FuzzFrame[] {
    const ph = (num: string) => `{"_placeholder":true,"num":${num}}`;
    // big inputs (100 000 levels, 200 KB strings) are rare: they cost ~1000 small ones
    const big = this.chance(0.03);
    const depth = big ? this.pick([5000, 100_000]) : this.pick([1, 99, 100, 101, 102, 150]);
    const open = this.chance(0.5) ? "[" : '{"a":';
    const close = open === "[" ? "]" : "}";
    const nest = (inner: string) => open.repeat(depth) + inner + close.repeat(depth);
    const buf = () => this.bytes(8);
    switch (this.int(16)) {
      case 0: // huge numbers in every position
        return [`2${this.pick(["", "9".repeat(this.int(400)), HUGE_NUMBERS[0]!])}["e",${this.pick(HUGE_NUMBERS)},{"n":${this.pick(HUGE_NUMBERS)}}]`];
      case 1: // deep nesting, text path
        return [`2["e",${nest("1")}]`];
      case 2: // deep nesting, binary path
        return [`51-["e",${nest(ph("0"))}]`, buf()];
      case 3: // unclosed deep nesting (no JSON.parse should ever see it)
        return ["2" + open.repeat(depth)];
      case 4: { // attachment bomb: announce N, send M
        const n = this.pick([1, 10, 11, 99, 999_999, 1_000_000]);
        const frames: FuzzFrame[] = [`5${n}-["e",${ph(String(this.int(12)))}]`];
        const m = this.int(14);
        for (let i = 0; i < m; i++) frames.push(this.chance(0.9) ? buf() : '2["x"]');
        return frames;
      }
      case 5: // placeholder shapes
        return [`5${1 + this.int(3)}-["e",${ph(this.pick(["0", "-1", "1e0", "0.0", "\"0\"", "null", "{}", "[0]", "1e309", "2", "4294967296", "true"]))}]`, buf(), buf(), buf()];
      case 6: { // prototype keys everywhere (text and binary)
        const k = this.pick(HOSTILE_KEYS);
        const v = this.chance(0.5) ? ph("0") : `{"polluted":true,"${this.pick(HOSTILE_KEYS)}":{"polluted":1}}`;
        const body = `["${this.pick(HOSTILE_KEYS)}",{"${k}":${v}},{"a":{"${k}":${v}}}]`;
        return v.startsWith('{"_p') ? [`51-${body}`, buf()] : [`2${body}`];
      }
      case 7: // connect with hostile auth
        return [`0${this.pick(["", "/x,"])}{"${this.pick(HOSTILE_KEYS)}":{"polluted":true},"token":"\\ud800"}`];
      case 8: // lone surrogates raw and escaped, in names and namespace
        return [`2/${this.pick(SURROGATES)},["${this.pick(SURROGATES)}","\\ud800\\u0000"]`];
      case 9: // very long namespace / ack id / count
        return [this.pick(["2/" + "n".repeat(256) + ',["e"]', "2/" + "n".repeat(257) + ',["e"]', "2" + "1".repeat(11) + '["e"]', "5" + "1".repeat(7) + "-[]", "3/" + "a,".repeat(100) + "[]"])];
      case 10: // many small binary frames with no packet awaiting them
        return Array.from({ length: 1 + this.int(20) }, () => buf());
      case 11: // empty and tiny frames
        return Array.from({ length: 1 + this.int(4) }, () => this.pick<FuzzFrame>(["", "5", "6", "51", "51-", "2/", "2/,", "3", "0/", new Uint8Array(0)]));
      case 12: // a binary packet interrupted by text
        return ['52-["e",' + ph("0") + "," + ph("1") + "]", buf(), '2["e"]', buf()];
      case 13: // very long strings / many keys
        return [`2["e","${"x".repeat(this.int(big ? 200_000 : 2000))}"]`];
      case 14: { // wide array / object
        const n = this.int(big ? 50_000 : 500);
        return [this.chance(0.5) ? `2["e",[${"0,".repeat(n)}0]]` : `2["e",{${Array.from({ length: Math.min(n, 5000) }, (_, i) => `"k${i}":${i}`).join(",")}}]`];
      }
      default: // token soup
        return ["" + this.pick(["0", "2", "3", "5", "6"]) + Array.from({ length: this.int(30) }, () => this.pick(TOKENS)).join("")];
    }
  }

  // ---- mutations ------------------------------------------------------------------------------------------------

  /** Mutates encoded frames: bit flips, truncations, insertions, frame drops/duplicates, splices with `other`. */
  mutate(frames: FuzzFrame[], other: FuzzFrame[]): FuzzFrame[] {
    const out = frames.slice();
    const rounds = 1 + this.int(3);
    for (let r = 0; r < rounds; r++) {
      const idx = this.int(out.length);
      const f = out[idx]!;
      switch (this.int(9)) {
        case 0: // flip one bit of one character / byte
          out[idx] = typeof f === "string" ? flipChar(f, this.int(Math.max(1, f.length)), this.int(16)) : flipByte(f, this.int(Math.max(1, f.length)), this.int(8));
          break;
        case 1: // truncate a frame
          out[idx] = typeof f === "string" ? f.slice(0, this.int(f.length + 1)) : f.subarray(0, this.int(f.length + 1));
          break;
        case 2: // truncate the sequence (missing attachments)
          out.length = Math.max(1, this.int(out.length + 1));
          break;
        case 3: // duplicate a frame (extra attachment, repeated header)
          out.splice(idx, 0, f);
          break;
        case 4: { // splice: head of one text frame + tail of another
          const o = other.find((x) => typeof x === "string") as string | undefined;
          if (typeof f === "string" && o !== undefined) out[idx] = f.slice(0, this.int(f.length + 1)) + o.slice(this.int(o.length + 1));
          break;
        }
        case 5: // interleave the other packet's frames
          out.splice(this.int(out.length + 1), 0, ...other);
          break;
        case 6: // insert a token
          if (typeof f === "string") {
            const at = this.int(f.length + 1);
            out[idx] = f.slice(0, at) + this.pick(TOKENS) + f.slice(at);
          }
          break;
        case 7: // text ↔ binary swap
          out[idx] = typeof f === "string" ? new TextEncoder().encode(f) : new TextDecoder().decode(f);
          break;
        default: // swap two frames
          if (out.length > 1) {
            const j = this.int(out.length);
            out[idx] = out[j]!;
            out[j] = f;
          }
      }
    }
    return out;
  }

  /** Random garbage frames. */
  garbage(): FuzzFrame[] {
    return Array.from({ length: 1 + this.int(3) }, () => (this.chance(0.8) ? String.fromCharCode(...this.bytes(30)) : this.bytes(30)));
  }
}

function flipChar(s: string, at: number, bit: number): string {
  if (s.length === 0) return String.fromCharCode(1 << bit);
  return s.slice(0, at) + String.fromCharCode(s.charCodeAt(at) ^ (1 << bit)) + s.slice(at + 1);
}

function flipByte(b: Uint8Array, at: number, bit: number): Uint8Array {
  const copy = b.slice();
  if (copy.length > 0) copy[at] = copy[at]! ^ (1 << bit);
  return copy;
}
