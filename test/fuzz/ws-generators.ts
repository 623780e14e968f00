/**
 * Inputs for the WebSocket frame-reader fuzzer (./ws-fuzzer.ts): client byte streams — valid ones with the events
 * any correct reader reports, the same with one known fault (bad UTF-8, bad close frame, a limit crossed), mutated
 * ones, pure garbage — each with the chunking it is delivered in. One case is a pure function of (seed, index):
 * `wsCase(seed, index)` rebuilds any finding's input without replaying the cases before it.
 */
import { Gen } from "./generators.js";

export const OP = { CONT: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

/** Most frames per message in both readers (ws's default and roomcast's). */
export const MAX_FRAGMENTS = 16_384;

/** One frame as a client builds it; `width` and `declared` let mutations write what a correct client never would. */
export interface WsFrame {
  fin: boolean;
  /** RSV1..3 as a 3-bit number (0: none). */
  rsv: number;
  opcode: number;
  masked: boolean;
  mask: Uint8Array;
  /** Unmasked payload. */
  payload: Uint8Array;
  /** Length encoding: 7-bit, 16-bit or 64-bit (default: the smallest that fits). */
  width?: 7 | 16 | 64;
  /** Length written in the header when it is not the payload's (a corrupted length field). */
  declared?: number;
}

/** What a reader reports, normalised: both readers' events and the generator's expectations use this shape. */
export type WsEvent =
  | { t: "message"; binary: boolean; data: Buffer; fragments?: number }
  | { t: "ping" | "pong"; data: Buffer }
  | { t: "close"; code: number; reason: Buffer }
  /** The connection is failed; `closeCode` null: failed without a close code. */
  | { t: "fail"; closeCode: number | null };

export type WsCategory = "valid" | "utf8" | "close" | "limits" | "fragments" | "mutated" | "garbage";
export type Chunking = "one" | "random" | "bytes" | "frames";

export interface WsCase {
  category: WsCategory;
  /** maxPayload both readers get (0: no limit). */
  maxPayload: number;
  stream: Buffer;
  chunking: Chunking;
  /** Chunk lengths, in order, summing to `stream.length` (none is empty). */
  chunks: number[];
  /** What every correct reader reports, for streams built valid or with one known fault. */
  expected?: WsEvent[];
  /** Where each frame starts, while the stream is whole frames (used to minimise a finding frame by frame). */
  boundaries?: number[];
}

const BAD_UTF8 = [[0x80], [0xbf], [0xc0, 0x80], [0xc1, 0xbf], [0xc2], [0xe0, 0x80, 0x80], [0xe0, 0x9f, 0xbf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xe2, 0x82], [0xe2, 0x28, 0xa1], [0xf0, 0x80, 0x80, 0x80], [0xf0, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf0, 0x9f, 0x98], [0xf5, 0x80, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xfe], [0xff]];
const CHARS = ["a", "z", "0", " ", "~", "\u0000", "\u007f", "\u0080", "é", "ß", "ж", "\u07ff", "\u0800", "€", "日", "한", "\ud7ff", "\ue000", "\uffff", "🎉", "𝄞", "\u{10ffff}"];
const VALID_CLOSE = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
const INVALID_CLOSE = [0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];
/** 64-bit lengths around the limits: 2^32, 2^53 - 1 (the largest either reader takes), 2^53, 2^63, 2^64 - 1. */
const HUGE_LENGTHS = [2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 63, 2 ** 64 - 1, 2 ** 40 + 7];
const EMPTY_CONTINUATION: WsFrame = { fin: false, rsv: 0, opcode: OP.CONT, masked: true, mask: new Uint8Array(4), payload: new Uint8Array(0) };
const RUNS = [MAX_FRAGMENTS - 3, MAX_FRAGMENTS - 2, MAX_FRAGMENTS - 1, MAX_FRAGMENTS, MAX_FRAGMENTS + 1, MAX_FRAGMENTS + 5];

/** Streams up to this size may be delivered one byte per chunk. */
export const BYTEWISE_MAX = 1024;
/** Most chunks any delivery uses (far below ws's maxBufferedChunks, 262,144: a deliberate difference never reached). */
export const MAX_CHUNKS = 4096;

/** The seed of case `index` of a run seeded `seed` (a 32-bit mix of both). */
export function caseSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export function encodeFrame(f: WsFrame): Buffer {
  const len = f.declared ?? f.payload.length;
  const width = f.width ?? (len < 126 ? 7 : len < 65536 ? 16 : 64);
  const ext = width === 7 ? 0 : width === 16 ? 2 : 8;
  const head = 2 + ext + (f.masked ? 4 : 0);
  const out = Buffer.allocUnsafe(head + f.payload.length);
  out[0] = (f.fin ? 0x80 : 0) | ((f.rsv & 7) << 4) | (f.opcode & 0x0f);
  out[1] = (f.masked ? 0x80 : 0) | (width === 7 ? len & 0x7f : width === 16 ? 126 : 127);
  if (width === 16) out.writeUInt16BE(len & 0xffff, 2);
  if (width === 64) {
    out.writeUInt32BE(Math.min(Math.floor(len / 2 ** 32), 0xffffffff), 2);
    out.writeUInt32BE(len % 2 ** 32, 6);
  }
  out.set(f.payload, head);
  if (f.masked) {
    out.set(f.mask, 2 + ext);
    const [m0, m1, m2, m3] = f.mask as unknown as [number, number, number, number];
    const end = out.length;
    let i = head;
    for (; i + 3 < end; i += 4) {
      out[i] = out[i]! ^ m0;
      out[i + 1] = out[i + 1]! ^ m1;
      out[i + 2] = out[i + 2]! ^ m2;
      out[i + 3] = out[i + 3]! ^ m3;
    }
    for (let k = 0; i < end; i++, k++) out[i] = out[i]! ^ f.mask[k]!;
  }
  return out;
}

/** A control frame whose length field is 16 or 64 bits (7-bit length 126 or 127): failed from its first two bytes. */
function longEncoded(f: WsFrame): boolean {
  const len = f.declared ?? f.payload.length;
  return f.opcode >= OP.CLOSE && (f.width ?? (len < 126 ? 7 : 16)) !== 7;
}

/** Frames encoded back to back, with the offset where each one starts (for chunkings cut at frame boundaries). */
function encodeAll(frames: readonly WsFrame[]): { stream: Buffer; boundaries: number[] } {
  const parts = frames.map((f) => (f === EMPTY_CONTINUATION ? undefined : encodeFrame(f)));
  const boundaries: number[] = [];
  let o = 0;
  for (const p of parts) {
    boundaries.push(o);
    o += p?.length ?? 6;
  }
  const stream = Buffer.alloc(o); // an empty masked continuation (mask 0) is 00 80 00 00 00 00
  parts.forEach((p, i) => (p === undefined ? (stream[boundaries[i]! + 1] = 0x80) : p.copy(stream, boundaries[i])));
  return { stream, boundaries };
}

/** A stream being built: its frames and, while the build is exact, what a reader must report. */
interface Build {
  frames: WsFrame[];
  expected: WsEvent[] | undefined;
  /** A failure or close frame ended the expected events: later frames are not read. */
  ended: boolean;
}

export class WsGen extends Gen {
  /** `n` random bytes (beyond 256, a random block repeated: large payloads cost little to make). */
  data(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    const m = Math.min(n, 256);
    for (let i = 0; i < m; i++) out[i] = this.int(256);
    for (let have = m; have < n; have *= 2) out.copy(out, have, 0, Math.min(have, n - have));
    return out;
  }

  mask(): Uint8Array {
    return this.chance(0.05) ? new Uint8Array(4) : this.data(4);
  }

  frame(opcode: number, payload: Uint8Array, fin = true): WsFrame {
    const f: WsFrame = { fin, rsv: 0, opcode, masked: true, mask: this.mask(), payload };
    // all three length encodings: the smallest, and sometimes a longer one for a data frame (RFC 6455 §5.2 says MUST
    // be minimal; neither reader checks it on data frames; on control frames see `longControl`)
    if (opcode < OP.CLOSE && this.chance(0.08)) f.width = payload.length < 65536 && this.chance(0.6) ? 16 : 64;
    if (f.width === 16 && payload.length < 126 && this.chance(0.5)) delete f.width;
    return f;
  }

  /**
   * Sometimes a 16- or 64-bit length field on a control frame, whatever its length (≤ 125 too: not the minimal
   * encoding): both readers fail it from its first two bytes with 1002 (`longEncoded`), the builders expect that.
   */
  longControl(f: WsFrame): WsFrame {
    if (this.chance(0.02)) f.width = this.chance(0.6) ? 16 : 64;
    return f;
  }

  /** A size, mostly small, sometimes at the length-encoding boundaries, at most `max`. */
  size(max: number): number {
    const r = this.float();
    const n = r < 0.15 ? 0 : r < 0.6 ? 1 + this.int(40) : r < 0.8 ? this.int(126) : r < 0.9 ? this.pick([125, 126, 127, 200, 1000]) : r < 0.995 ? this.int(4000) : this.pick([65535, 65536, 70_000, this.int(max + 1)]);
    return Math.min(n, max);
  }

  /** Valid UTF-8 of exactly `n` bytes, multi-byte characters included (beyond 256 bytes, a block repeated). */
  text(n: number): Buffer {
    let s = "";
    let bytes = 0;
    while (bytes < Math.min(n, 256)) {
      let c = this.chance(0.7) ? "abcdefghij"[this.int(10)]! : this.pick(CHARS);
      if (bytes + Buffer.byteLength(c) > n) c = "a";
      s += c;
      bytes += Buffer.byteLength(c);
    }
    if (bytes === n) return Buffer.from(s, "utf8");
    const block = Buffer.from(s, "utf8");
    const out = Buffer.alloc(n, 0x61); // the tail after the last whole block: ASCII
    for (let i = 0; i + block.length <= n; i += block.length) block.copy(out, i);
    return out;
  }

  /** Splits `data` into `pieces` parts at random cuts (empty parts allowed; cuts may split a UTF-8 character). */
  split(data: Uint8Array, pieces: number): Uint8Array[] {
    const cuts = Array.from({ length: pieces - 1 }, () => this.int(data.length + 1)).sort((a, b) => a - b);
    const out: Uint8Array[] = [];
    let prev = 0;
    for (const c of [...cuts, data.length]) {
      out.push(data.subarray(prev, c));
      prev = c;
    }
    return out;
  }

  control(): WsFrame {
    return this.longControl(this.frame(this.chance(0.6) ? OP.PING : OP.PONG, this.data(this.int(this.chance(0.9) ? 20 : 126))));
  }

  /** Appends a message in `pieces` frames (control frames may come between them). */
  message(b: Build, binary: boolean, data: Buffer, pieces: number): void {
    const parts = this.split(data, pieces);
    parts.forEach((part, i) => {
      if (i > 0 && this.chance(0.15)) this.add(b, this.control());
      this.add(b, this.frame(i === 0 ? (binary ? OP.BINARY : OP.TEXT) : OP.CONT, part, i === parts.length - 1));
    });
    this.expect(b, { t: "message", binary, data, fragments: pieces });
  }

  add(b: Build, f: WsFrame): void {
    b.frames.push(f);
    if (f.opcode === OP.PING || f.opcode === OP.PONG) {
      this.expect(b, longEncoded(f) ? { t: "fail", closeCode: 1002 } : { t: f.opcode === OP.PING ? "ping" : "pong", data: Buffer.from(f.payload) });
    }
  }

  expect(b: Build, e: WsEvent): void {
    if (b.expected !== undefined && !b.ended) b.expected.push(e);
    if (e.t === "close" || e.t === "fail") b.ended = true;
  }

  pieces(): number {
    return this.chance(0.6) ? 1 : this.chance(0.8) ? 2 + this.int(4) : 2 + this.int(40);
  }

  /** Valid messages and control frames, with data up to `max` bytes per message. */
  valid(b: Build, max: number): void {
    const n = 1 + this.int(this.chance(0.8) ? 4 : 12);
    for (let i = 0; i < n; i++) {
      if (this.chance(0.2)) this.add(b, this.control());
      else if (this.chance(0.5)) this.message(b, true, this.data(this.size(max)), this.pieces());
      else this.message(b, false, this.text(this.size(max)), this.pieces());
    }
  }

  closeFrame(b: Build): void {
    const r = this.float();
    let payload: Buffer;
    let expect: WsEvent;
    if (r < 0.2) {
      payload = Buffer.alloc(0);
      expect = { t: "close", code: 1005, reason: payload };
    } else if (r < 0.3) {
      payload = Buffer.from([this.int(256)]);
      expect = { t: "fail", closeCode: 1002 };
    } else {
      const valid = r < 0.75;
      const code = valid ? this.pick(VALID_CLOSE) : this.pick(INVALID_CLOSE);
      const badReason = valid && this.chance(0.2);
      let reason = this.text(this.chance(0.1) ? 123 : this.int(30));
      if (badReason) reason = Buffer.concat([reason.subarray(0, this.int(reason.length + 1)), Buffer.from(this.pick(BAD_UTF8))]).subarray(0, 123);
      payload = Buffer.alloc(2 + reason.length);
      payload.writeUInt16BE(code, 0);
      reason.copy(payload, 2);
      const utf8Ok = Buffer.from(reason.toString("utf8")).equals(reason);
      expect = !valid ? { t: "fail", closeCode: 1002 } : utf8Ok ? { t: "close", code, reason: Buffer.from(reason) } : { t: "fail", closeCode: 1007 };
    }
    if (this.chance(0.05)) {
      // over 125 bytes: a bad control frame whatever it holds
      payload = Buffer.concat([payload, Buffer.alloc(126 - Math.min(payload.length, 126), 0x61)]);
      expect = { t: "fail", closeCode: 1002 };
    }
    const f = this.longControl(this.frame(OP.CLOSE, payload));
    b.frames.push(f);
    // a 16- or 64-bit length (over 125, or not minimal) fails it before its payload: code, reason, 1 byte alike
    this.expect(b, longEncoded(f) ? { t: "fail", closeCode: 1002 } : expect);
  }

  /** A text message with an invalid UTF-8 sequence somewhere (1007), or split at awkward places but valid. */
  utf8(b: Build, max: number): void {
    const text = this.text(this.size(Math.min(max, 4000) - 5)); // room for the bad sequence: not over maxPayload
    if (this.chance(0.3)) return this.message(b, this.chance(0.2), text, 2 + this.int(8));
    const at = this.int(text.length + 1);
    const data = Buffer.concat([text.subarray(0, at), Buffer.from(this.pick(BAD_UTF8)), this.chance(0.5) ? text.subarray(at) : Buffer.alloc(0)]);
    // a cut inside a character can make the text before it invalid too: either way the reader must refuse it
    const binary = this.chance(0.15);
    this.message(b, binary, data, this.pieces());
    // only when the message itself was expected (a control frame before it or between its frames may have failed)
    const last = b.expected?.at(-1);
    if (!binary && last?.t === "message" && last.data === data && !Buffer.from(data.toString("utf8")).equals(data)) {
      b.expected!.pop();
      this.expect(b, { t: "fail", closeCode: 1007 });
    }
  }

  /** Messages at and over maxPayload, and 64-bit lengths no reader can take. */
  limits(b: Build, max: number): void {
    const r = this.float();
    if (r < 0.6 && max > 0 && max <= 65_536) {
      const over = this.chance(0.5) ? 1 + this.int(3) : 0;
      const binary = this.chance(0.5);
      const data = binary ? Buffer.alloc(max + over, this.int(256)) : this.text(max + over);
      const pieces = this.chance(0.5) ? 1 : 2 + this.int(6);
      if (over === 0) return this.message(b, binary, data, pieces);
      // the frame that crosses maxPayload fails from its header: what comes before it is still reported
      const parts = this.split(data, pieces);
      let total = 0;
      parts.forEach((part, i) => {
        total += part.length;
        this.add(b, this.frame(i === 0 ? (binary ? OP.BINARY : OP.TEXT) : OP.CONT, part, i === parts.length - 1));
        if (total > max) this.expect(b, { t: "fail", closeCode: 1009 });
      });
      return;
    }
    // a header announcing a huge payload that never comes
    const opcode = this.pick([OP.TEXT, OP.BINARY, OP.BINARY, OP.CONT, OP.PING, OP.CLOSE, 0x3, 0xb]);
    const declared = this.pick(HUGE_LENGTHS);
    if (opcode === OP.CONT) this.add(b, this.frame(OP.BINARY, this.data(10), false));
    b.frames.push({ ...this.frame(opcode, new Uint8Array(0), this.chance(0.8)), width: 64, declared });
    b.expected = undefined;
  }

  /** A message in a long run of (mostly empty) frames, around maxFragments. */
  fragments(b: Build): void {
    const run = this.chance(0.7) ? this.pick(RUNS) : 1 + this.int(MAX_FRAGMENTS + 100);
    const binary = this.chance(0.5);
    const first = binary ? this.data(this.int(20)) : this.text(this.int(20));
    b.frames.push(this.frame(binary ? OP.BINARY : OP.TEXT, first, false));
    const filler = this.chance(0.3);
    const parts: Buffer[] = [first];
    const x = Buffer.from("x");
    for (let i = 1; i < run; i++) {
      if (i < run / 2 && this.chance(0.001)) this.add(b, this.control());
      if (filler && this.chance(0.01)) {
        parts.push(x);
        b.frames.push({ ...EMPTY_CONTINUATION, payload: x });
      } else b.frames.push(EMPTY_CONTINUATION);
    }
    const finished = this.chance(0.9);
    if (finished) b.frames.push(this.frame(OP.CONT, Buffer.alloc(0), true));
    const frames = run + (finished ? 1 : 0);
    if (frames > MAX_FRAGMENTS) this.expect(b, { t: "fail", closeCode: 1008 });
    else if (finished) this.expect(b, { t: "message", binary, data: Buffer.concat(parts), fragments: frames });
  }

  /** Mutates frames (opcode, RSV, mask bit, FIN, length field, duplicates, drops, empty-continuation runs). */
  mutateFrames(frames: WsFrame[]): void {
    const rounds = 1 + this.int(3);
    for (let r = 0; r < rounds && frames.length > 0; r++) {
      const i = this.int(frames.length);
      const f = { ...frames[i]! };
      switch (this.int(12)) {
        case 0:
          f.opcode = this.int(16);
          break;
        case 1:
          f.rsv = 1 + this.int(7);
          break;
        case 2:
          f.masked = false;
          break;
        case 3:
          f.fin = !f.fin;
          break;
        case 4:
          f.width = this.pick([16, 64] as const);
          break;
        case 5: // a wrong length: near the real one, any 16-bit value, or a huge 64-bit one
          f.declared = this.pick([Math.max(0, f.payload.length + this.int(7) - 3), this.int(65536), this.pick(HUGE_LENGTHS), 125, 126, 127]);
          if (f.declared > 65535) f.width = 64;
          break;
        case 6:
          frames.splice(i, 0, f);
          continue;
        case 7:
          frames.splice(i, 1);
          continue;
        case 8: {
          const j = this.int(frames.length);
          frames[i] = frames[j]!;
          frames[j] = f;
          continue;
        }
        case 9: { // a run of empty continuations, sometimes past maxFragments
          const n = this.chance(0.01) ? this.pick(RUNS) : this.int(50);
          frames.splice(i, 0, ...new Array<WsFrame>(n).fill(EMPTY_CONTINUATION));
          continue;
        }
        case 10: // a control frame at or over 125 bytes, or a close frame with 0-3 bytes
          frames.splice(i, 0, this.chance(0.5) ? this.frame(this.pick([OP.PING, OP.PONG, OP.CLOSE]), this.data(120 + this.int(11))) : this.frame(OP.CLOSE, this.data(this.int(4))));
          continue;
        default: // a new message where a continuation belongs, or the reverse
          f.opcode = f.opcode === OP.CONT ? this.pick([OP.TEXT, OP.BINARY]) : f.opcode < 8 ? OP.CONT : f.opcode;
      }
      frames[i] = f;
    }
  }

  /** Mutates encoded bytes: bit flips, insertions, deletions, truncation, duplicated ranges, special bytes. */
  mutateBytes(stream: Buffer): Buffer {
    let s = stream;
    const rounds = this.int(3);
    for (let r = 0; r < rounds; r++) {
      const at = this.int(s.length + 1);
      switch (this.int(6)) {
        case 0:
          if (at < s.length) {
            s = Buffer.from(s);
            s[at] = s[at]! ^ (1 << this.int(8));
          }
          break;
        case 1:
          s = Buffer.concat([s.subarray(0, at), this.data(1 + this.int(4)), s.subarray(at)]);
          break;
        case 2:
          s = Buffer.concat([s.subarray(0, at), s.subarray(at + 1 + this.int(8))]);
          break;
        case 3:
          s = s.subarray(0, at);
          break;
        case 4: {
          const end = Math.min(s.length, at + 1 + this.int(30));
          s = Buffer.concat([s.subarray(0, end), s.subarray(at, end), s.subarray(end)]);
          break;
        }
        default:
          if (at < s.length) {
            s = Buffer.from(s);
            s[at] = this.pick([0x00, 0x7e, 0x7f, 0x80, 0x81, 0xfe, 0xff, 0x88, 0x89, 0x8a, 0x0a]);
          }
      }
    }
    return s;
  }

  /** Random bytes, or frame-shaped garbage (plausible headers, random lengths and opcodes). */
  garbageStream(): Buffer {
    if (this.chance(0.4)) return this.data(this.int(300));
    const parts: Buffer[] = [];
    const n = 1 + this.int(6);
    for (let i = 0; i < n; i++) {
      const b0 = this.chance(0.7) ? (this.chance(0.7) ? 0x80 : 0) | this.int(16) : this.int(256);
      const b1 = (this.chance(0.9) ? 0x80 : 0) | this.pick([this.int(126), 126, 127, this.int(128)]);
      const ext = (b1 & 0x7f) === 126 ? 2 : (b1 & 0x7f) === 127 ? 8 : 0;
      parts.push(Buffer.from([b0, b1]), this.data(ext), this.data(this.int(5 + this.int(40))));
    }
    return Buffer.concat(parts);
  }

  chunking(length: number, boundaries: readonly number[] | undefined): { chunking: Chunking; chunks: number[] } {
    if (length === 0) return { chunking: "one", chunks: [] };
    const r = this.float();
    if (r < 0.25) return { chunking: "one", chunks: [length] };
    if (r < 0.42 && length <= BYTEWISE_MAX) return { chunking: "bytes", chunks: new Array<number>(length).fill(1) };
    let cuts: number[];
    let chunking: Chunking = "random";
    if (r < 0.6 && boundaries !== undefined && boundaries.length <= MAX_CHUNKS) {
      chunking = "frames";
      cuts = boundaries.map((o) => o + this.int(5) - 2);
    } else {
      cuts = Array.from({ length: 1 + this.int(Math.min(length - 1, 63)) }, () => this.int(length));
    }
    const sorted = [...new Set(cuts.filter((c) => c > 0 && c < length))].sort((a, b) => a - b);
    const chunks: number[] = [];
    let prev = 0;
    for (const c of [...sorted, length]) {
      chunks.push(c - prev);
      prev = c;
    }
    return { chunking, chunks };
  }
}

/** maxPayload of a case: mostly 64 KiB; the limits category mostly 1,000 bytes (a smaller message to cross). */
function pickMaxPayload(g: WsGen, category: WsCategory): number {
  const r = g.float();
  if (category === "limits") return r < 0.7 ? 1000 : r < 0.95 ? 65_536 : 0;
  return r < 0.7 ? 65_536 : r < 0.85 ? 1000 : r < 0.95 ? 0 : 200_000;
}

function pickCategory(r: number): WsCategory {
  return r < 0.25 ? "valid" : r < 0.33 ? "utf8" : r < 0.4 ? "close" : r < 0.45 ? "limits" : r < 0.451 ? "fragments" : r < 0.855 ? "mutated" : "garbage";
}

/** Case `index` of the run seeded `seed`. */
export function wsCase(seed: number, index: number): WsCase {
  const g = new WsGen(caseSeed(seed, index));
  const category = pickCategory(g.float());
  const maxPayload = pickMaxPayload(g, category);
  // the per-message size budget: a message over maxPayload is the limits category's business
  const max = maxPayload > 0 ? maxPayload : 200_000;
  const b: Build = { frames: [], expected: [], ended: false };
  let stream: Buffer;
  let boundaries: number[] | undefined;
  switch (category) {
    case "valid":
      g.valid(b, max);
      if (g.chance(0.4)) g.closeFrame(b);
      break;
    case "utf8":
      if (g.chance(0.3)) g.valid(b, max);
      g.utf8(b, max);
      break;
    case "close":
      if (g.chance(0.5)) g.valid(b, max);
      g.closeFrame(b);
      break;
    case "limits":
      g.limits(b, maxPayload);
      break;
    case "fragments":
      g.fragments(b);
      break;
    case "mutated":
      g.valid(b, Math.min(max, 4000));
      if (g.chance(0.3)) g.closeFrame(b);
      g.mutateFrames(b.frames);
      b.expected = undefined;
      break;
    default:
      b.expected = undefined;
  }
  if (category === "garbage") stream = g.garbageStream();
  else {
    // bytes after a close frame or a failure are never read: add some
    if (b.ended && g.chance(0.3)) b.frames.push(g.frame(g.int(16), g.data(g.int(20))));
    ({ stream, boundaries } = encodeAll(b.frames));
    if (category === "mutated") {
      const mutated = g.mutateBytes(stream);
      if (mutated.length !== stream.length) boundaries = undefined;
      stream = mutated;
    }
  }
  const { chunking, chunks } = g.chunking(stream.length, boundaries);
  const c: WsCase = { category, maxPayload, stream, chunking, chunks };
  if (b.expected !== undefined) c.expected = b.expected;
  if (boundaries !== undefined) c.boundaries = boundaries;
  return c;
}
