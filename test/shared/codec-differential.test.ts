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
import { PacketType, type Packet } from "../../shared/packet.js";
import { Gen } from "../fuzz/generators.js";

const SEED = 0x5eed_c0de;
const COUNT = 3000;
/** The generator may nest many binaries: both decoders get the same, higher, cap. */
const MAX_ATTACHMENTS = 100;

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
      const packet = gen.packet(false);
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
