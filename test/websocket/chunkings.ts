/**
 * How a case's byte stream is cut into chunks: in one piece, split in two at every byte boundary, one byte at a
 * time; for long (`sampled`) streams, split at every boundary in and around sampled frame headers (all of them when
 * there are at most 8 frames), at the first and last bytes and at evenly spaced payload offsets, then cut at all of
 * those at once and into 997-byte chunks (Autobahn's "chopped" size).
 */
import type { Case } from "./cases.js";

export interface Chunking {
  name: string;
  /** Ascending offsets strictly inside the stream where one chunk ends and the next begins. */
  cuts: number[];
}

/** Streams up to this size are also fed one byte at a time when sampled. */
const BYTE_AT_A_TIME_LIMIT = 128 * 1024;

interface Sample {
  /** Every boundary within this many bytes of the stream's start and end. */
  edge: number;
  /** At most this many frames (evenly picked, first and last included), split at every boundary from the byte
   * before each one's header to the first byte of its payload. */
  frames: number;
  /** This many evenly spaced offsets besides (payload boundaries, mostly). */
  spaced: number;
}

const PURE_SAMPLE: Sample = { edge: 8, frames: 8, spaced: 8 };
const TCP_SAMPLE: Sample = { edge: 8, frames: 4, spaced: 4 };
/** Streams up to this size are written one byte per TCP write; longer ones at the TCP sample's offsets. */
const TCP_EVERY_BYTE_LIMIT = 300;

const between = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/** The length of the header of the frame at `bytes[at]` (2 to 14 bytes). */
function headerLength(bytes: Buffer, at: number): number {
  const b1 = bytes[at + 1] ?? 0;
  const field = b1 & 0x7f;
  return 2 + (field === 126 ? 2 : field === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
}

/** The offsets of a sample of `c`'s stream, ascending. */
function sampleCuts(c: Case, o: Sample): number[] {
  const n = c.bytes.length;
  const cuts = new Set<number>([...between(1, o.edge), ...between(n - o.edge, n - 1)]);
  const starts = c.starts;
  const picked =
    starts.length <= o.frames ? starts : Array.from({ length: o.frames }, (_, k) => starts[Math.round((k * (starts.length - 1)) / (o.frames - 1))]!);
  for (const s of picked) for (const i of between(s - 1, s + headerLength(c.bytes, s) + 1)) cuts.add(i);
  for (let k = 1; k <= o.spaced; k++) cuts.add(Math.floor((k * n) / (o.spaced + 1)) + (k % 4)); // not all on one alignment
  return [...cuts].filter((i) => i > 0 && i < n).sort((a, b) => a - b);
}

/** Every chunking the pure runner feeds `c` in. */
export function* pureChunkings(c: Case): Generator<Chunking> {
  const n = c.bytes.length;
  yield { name: "one chunk", cuts: [] };
  const splits = c.sampled ? sampleCuts(c, PURE_SAMPLE) : between(1, n - 1);
  for (const i of splits) yield { name: `split at ${i}`, cuts: [i] };
  if (n <= BYTE_AT_A_TIME_LIMIT) yield { name: "one byte at a time", cuts: between(1, n - 1) };
  if (c.sampled) {
    yield { name: `cut at all ${splits.length} sampled offsets`, cuts: splits };
    yield { name: "997-byte chunks", cuts: between(1, Math.floor((n - 1) / 997)).map((k) => k * 997) };
  }
}

/** Where the TCP runner's "one byte per write" mode cuts `c` (every byte of a short stream, a sample of a long one). */
export function tcpCuts(c: Case): number[] {
  return c.bytes.length <= TCP_EVERY_BYTE_LIMIT ? between(1, c.bytes.length - 1) : sampleCuts(c, TCP_SAMPLE);
}

/** A fresh copy of the stream (the reader unmasks in place) cut at `cuts`. */
export function chunks(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const copy = Buffer.from(bytes);
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of cuts) {
    out.push(copy.subarray(from, cut));
    from = cut;
  }
  out.push(copy.subarray(from));
  return out;
}
