/**
 * Differential test against the official socket.io-parser: a seeded generator makes thousands of valid packets
 * (every type, namespaces, ack ids, nested JSON with unicode, binary attachments of every kind); each is encoded
 * by both encoders (same frames expected) and every set of frames is decoded by both decoders (same packets).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Decoder as TheirDecoder, Encoder as TheirEncoder, type Packet as TheirPacket } from "socket.io-parser";
import { encodePacket } from "../../shared/encoder.js";
import { Decoder } from "../../shared/decoder.js";
import { PacketType, RESERVED_EVENTS, type Packet } from "../../shared/packet.js";

const SEED = 0x5eed_c0de;
const COUNT = 3000;
/** The generator may nest many binaries: both decoders get the same, higher, cap. */
const MAX_ATTACHMENTS = 100;

/** mulberry32: tiny deterministic PRNG, returns floats in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
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

  string(maxLen = 12): string {
    const alphabets = [
      "abcdefghijklmnopqrstuvwxyz",
      "ABCXYZ0123456789 _-.:/,",
      "éüñçøß日本語中文한국어",
      "\"\\\n\t\r\b\f\u0000\u001f\u2028\u2029[]{}",
    ];
    const emoji = ["🎉", "👍🏽", "𝄞", "🏳️‍🌈"];
    let out = "";
    const len = this.int(maxLen + 1);
    for (let i = 0; i < len; i++) {
      out += this.chance(0.05) ? this.pick(emoji) : this.pick([...this.pick(alphabets)]);
    }
    return out;
  }

  key(): string {
    for (;;) {
      const k = this.string(8);
      // keys socket.io-parser cannot carry faithfully: its encoder copies with plain assignment
      if (k !== "__proto__" && k !== "_placeholder") return k;
    }
  }

  number(): number {
    switch (this.int(4)) {
      case 0:
        return this.int(1000);
      case 1:
        return this.int(2 ** 31) - 2 ** 30;
      case 2:
        return (this.float() - 0.5) * 1e6;
      default:
        return Number.MAX_SAFE_INTEGER - this.int(10);
    }
  }

  binary(): unknown {
    const len = this.int(40);
    const bytes = new Uint8Array(len);
    for (let i = 0; i < len; i++) bytes[i] = this.int(256);
    switch (this.int(6)) {
      case 0:
        return Buffer.from(bytes);
      case 1:
        return bytes.buffer;
      case 2:
        return bytes;
      case 3:
        return new Int16Array(bytes.buffer, 0, len >> 1);
      case 4:
        return new Float64Array([this.float(), -this.float() * 1e9].slice(0, this.int(3)));
      default:
        // a view on part of a larger buffer: only the view's bytes travel
        return Buffer.from(bytes).subarray(Math.min(2, len));
    }
  }

  /** A JSON-ish value; binaries when `binary` is set. */
  value(depth: number, binary: boolean): unknown {
    const leaf = depth <= 0 || this.chance(0.45);
    if (leaf) {
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
          return this.chance(0.1) ? new Date(this.int(2 ** 40)) : this.string();
        default:
          return this.string();
      }
    }
    if (this.chance(0.5)) {
      return Array.from({ length: this.int(5) }, () => this.value(depth - 1, binary));
    }
    const obj: Record<string, unknown> = {};
    const n = this.int(5);
    for (let i = 0; i < n; i++) obj[this.key()] = this.value(depth - 1, binary);
    return obj;
  }

  namespace(): string {
    switch (this.int(5)) {
      case 0:
      case 1:
        return "/";
      case 2:
        return this.pick(["/chat", "/a/b", "/ünï", "/日本", "/with space", "/x-y_z.1"]);
      default: {
        // anything but ","
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

  eventName(): string | number {
    if (this.chance(0.05)) return this.int(100);
    for (;;) {
      const name = this.chance(0.5) ? this.pick(["message", "chat", "update", "ping", "日本", "a b"]) : this.string(10);
      if (!RESERVED_EVENTS.has(name)) return name;
    }
  }

  object(binary: boolean): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    const n = this.int(4);
    for (let i = 0; i < n; i++) obj[this.key()] = this.value(3, binary);
    return obj;
  }

  packet(): Packet {
    const nsp = this.namespace();
    const binary = this.chance(0.3);
    switch (this.int(5)) {
      case 0:
        return this.chance(0.3) ? { type: PacketType.CONNECT, nsp } : { type: PacketType.CONNECT, nsp, data: this.object(false) };
      case 1:
        return { type: PacketType.DISCONNECT, nsp };
      case 2: {
        const args = Array.from({ length: this.int(5) }, () => this.value(4, binary));
        if (binary) args.push(this.binary()); // at least one attachment when binary
        const packet: Packet = { type: PacketType.EVENT, nsp, data: [this.eventName(), ...args] };
        if (this.chance(0.5)) packet.id = this.ackId();
        return packet;
      }
      case 3: {
        const args = Array.from({ length: this.int(4) }, () => this.value(4, binary));
        if (binary) args.splice(this.int(args.length + 1), 0, this.binary());
        return { type: PacketType.ACK, nsp, id: this.ackId(), data: args };
      }
      default:
        return {
          type: PacketType.CONNECT_ERROR,
          nsp,
          data: this.chance(0.3) ? this.string() : { message: this.string(), ...(this.chance(0.5) ? { data: this.value(3, false) } : {}) },
        };
    }
  }
}

/** The bytes a transport carries for one attachment. */
function toBytes(value: unknown): Buffer {
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  throw new Error(`not binary: ${String(value)}`);
}

/** What a packet looks like after the wire: binaries as Buffers, Dates as ISO strings, JSON numbers. */
function normalizeData(value: unknown): unknown {
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return toBytes(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(normalizeData);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalizeData(v);
    return out;
  }
  return value;
}

interface Normalized {
  type: number;
  nsp: string;
  id?: number;
  data?: unknown;
}

function normalize(packet: { type: number; nsp?: string; id?: number; data?: unknown }): Normalized {
  const type = packet.type === PacketType.BINARY_EVENT ? PacketType.EVENT : packet.type === PacketType.BINARY_ACK ? PacketType.ACK : packet.type;
  const out: Normalized = { type, nsp: packet.nsp === undefined || packet.nsp === "" ? "/" : packet.nsp };
  if (packet.id !== undefined) out.id = packet.id;
  if (packet.data !== undefined) out.data = normalizeData(packet.data);
  return out;
}

/** Frames as they arrive: text as is, attachments as Buffers. */
function overTheWire(frames: readonly unknown[]): unknown[] {
  return frames.map((f) => (typeof f === "string" ? f : toBytes(f)));
}

/** Wraps socket.io-parser's event-based decoder: returns the packets completed by these frames. */
function theirDecoder(): (frames: unknown[]) => TheirPacket[] {
  const decoder = new TheirDecoder({ maxAttachments: MAX_ATTACHMENTS });
  const out: TheirPacket[] = [];
  decoder.on("decoded", (packet: TheirPacket) => out.push(packet));
  return (frames) => {
    out.length = 0;
    for (const frame of frames) decoder.add(frame);
    return out.splice(0);
  };
}

function ourDecoder(): (frames: unknown[]) => Packet[] {
  const decoder = new Decoder({ maxAttachments: MAX_ATTACHMENTS });
  return (frames) => {
    const out: Packet[] = [];
    for (const frame of frames) {
      const packet = decoder.add(frame);
      if (packet) out.push(packet);
    }
    return out;
  };
}

function describePacket(packet: Packet): string {
  try {
    return JSON.stringify(normalize(packet)).slice(0, 300);
  } catch {
    return String(packet.type);
  }
}

describe("codec: differential against socket.io-parser", () => {
  it(`${COUNT} random packets: same frames, same decoded packets (seed ${SEED.toString(16)})`, { timeout: 30_000 }, () => {
    const gen = new Gen(SEED);
    const theirEncoder = new TheirEncoder();
    const theirs = theirDecoder();
    const ours = ourDecoder();
    const seen = new Set<string>();
    for (let n = 0; n < COUNT; n++) {
      const packet = gen.packet();
      const expected = normalize(packet);
      const what = `packet #${n}: ${describePacket(packet)}`;

      const ourFrames = encodePacket(packet);
      const theirFrames = theirEncoder.encode({ ...packet } as TheirPacket) as unknown[];
      assert.equal(ourFrames.length, theirFrames.length, `frame count, ${what}`);
      assert.equal(ourFrames[0], theirFrames[0], `text frame, ${what}`);
      for (let i = 1; i < ourFrames.length; i++) {
        assert.deepEqual(toBytes(ourFrames[i]), toBytes(theirFrames[i]), `attachment ${i}, ${what}`);
      }
      seen.add(`${ourFrames[0].charAt(0)}${packet.nsp === "/" ? "" : "+nsp"}${packet.id === undefined ? "" : "+id"}`);

      for (const [from, frames] of [
        ["ours", overTheWire(ourFrames)],
        ["theirs", overTheWire(theirFrames)],
      ] as const) {
        const byUs = ours(frames);
        const byThem = theirs(frames);
        assert.equal(byUs.length, 1, `our decoder, frames by ${from}, ${what}`);
        assert.equal(byThem.length, 1, `their decoder, frames by ${from}, ${what}`);
        assert.deepEqual(normalize(byUs[0]!), expected, `our decoder, frames by ${from}, ${what}`);
        assert.deepEqual(normalize(byThem[0]!), expected, `their decoder, frames by ${from}, ${what}`);
      }
    }
    // every packet type (binary ones included), with and without namespace and ack id, was generated
    for (const expected of ["0", "0+nsp", "1", "1+nsp", "2", "2+nsp+id", "3+id", "3+nsp+id", "4", "4+nsp", "5", "5+nsp+id", "6+id", "6+nsp+id"]) {
      assert.ok(seen.has(expected), `no ${expected} packet generated`);
    }
  });

  it("our decoder refuses what socket.io-parser refuses (on the text frames of the malformed table)", async () => {
    const { MALFORMED } = await import("./malformed-cases.js");
    for (const c of MALFORMED) {
      const theirs = new TheirDecoder();
      let theyRefused = false;
      try {
        for (const frame of c.frames) theirs.add(frame);
      } catch {
        theyRefused = true;
      }
      if (!theyRefused) continue; // roomcast is stricter in places (namespace, ack id, nesting, placeholders)
      const ours = new Decoder();
      assert.throws(() => {
        for (const frame of c.frames) ours.add(frame);
      }, `${c.name}: socket.io-parser refuses it, so must we`);
    }
  });
});
