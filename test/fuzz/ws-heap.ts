/**
 * Heap probe for the frame-reader fuzzer: a batch of fresh readers is fed streams that stop mid-frame or
 * mid-message (the connection still open, the reader kept alive), each chunk delivered as TCP delivers it — a view
 * into a 64 KiB read buffer, so a reader that kept a view would keep the whole 64 KiB alive — and memory after full
 * GCs is compared before and after, in two parts:
 *   - ArrayBuffers (where every byte a reader buffers lives): exact — their growth must be what the readers report
 *     holding (`bufferedIncoming`, ≤ 2 × maxPayload + 14 each), so a kept chunk or a chunk list is a finding;
 *   - the JS heap: the readers' own objects, `overhead` each (measured by `calibrate` over 2,000 readers), within
 *     HEAP_SLACK for the heap's own noise; some readers hold a run of thousands of empty continuations, so that a
 *     structure grown per frame would show;
 *   - and per reader, both together within reader.ts's promise: 2 × maxPayload + 14 + overhead.
 */
import { setFlagsFromString } from "node:v8";
import { FrameReader, readerLimits } from "../../server/engine/websocket/reader.js";
import { gc } from "./fuzzer.js";
import { caseSeed, encodeFrame, OP, WsGen } from "./ws-generators.js";

/** Most bytes of buffers a reader may hold between reads (reader.ts: an incomplete frame + an unfinished message). */
export function bufferedBound(maxPayload: number): number {
  return 2 * maxPayload + 14;
}

/** maxPayload of the held readers: small, so that a buffer of that size stands out. */
export const HEAP_MAX_PAYLOAD = 64 * 1024;
/** Net's read buffer: each chunk is a view into one of these. */
const TCP_READ = 64 * 1024;
/**
 * ArrayBuffer growth allowed per batch beyond what the readers report: Buffer's 8 KiB pool slab, and what a
 * process that has run the fuzz for a while sometimes still counts after its GCs (up to ~80 KB seen in 1 batch out
 * of 50; 0.3 KB standalone). A kept 64 KiB read buffer per reader would be 4 MiB.
 */
const ARRAY_BUFFER_SLACK = 128 * 1024;
/**
 * JS heap noise allowed per batch beyond the readers' measured overhead: after full GCs the heap still moves by
 * ±250 KB between two measurements in a process that has run the fuzz (V8's own tables and code), even with
 * bytecode flushing off.
 */
const HEAP_SLACK = 512 * 1024;

/**
 * JS heap in use and ArrayBuffer memory (the readers' buffers live outside the JS heap), after full GCs, each
 * followed by a turn of the event loop (backing stores are freed by V8's sweeper), until ArrayBuffers stop moving.
 */
export async function memory(): Promise<{ heap: number; arrayBuffers: number }> {
  let m = process.memoryUsage();
  for (let round = 0; round < 3; round++) {
    const last = m.arrayBuffers;
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    m = process.memoryUsage();
    if (round > 0 && m.arrayBuffers === last) break;
  }
  return { heap: m.heapUsed, arrayBuffers: m.arrayBuffers };
}

/** A reader whose connection stays open: it drops what it reports, notes a failure. */
class HeldReader extends FrameReader {
  failed = false;
  protected override onMessage(): void {}
  protected override onPing(): void {}
  protected override onPong(): void {}
  protected override onCloseFrame(): void {
    this.failed = true;
  }
  protected override onProtocolError(): void {
    this.failed = true;
  }
  feed(chunk: Buffer): void {
    this.read(chunk);
  }
}

/**
 * A stream that leaves a reader mid-frame or mid-message: an unfinished fragmented message (sometimes just over
 * maxPayload / 2, where the message buffer reaches maxPayload), then part of a frame (a continuation taking up the
 * rest of maxPayload, a new message, a ping), or only part of a header.
 */
function heldStream(g: WsGen, maxPayload: number): Buffer {
  const parts: Buffer[] = [];
  const kind = g.int(5);
  if (g.chance(0.125)) {
    // a message in a run of thousands of empty continuations (under maxFragments), unfinished
    const n = 1000 + g.int(15_000);
    const run = Buffer.alloc(6 * n); // an empty masked continuation with mask 0: 00 80 00 00 00 00
    for (let o = 1; o < run.length; o += 6) run[o] = 0x80;
    return Buffer.concat([encodeFrame(g.frame(OP.BINARY, g.data(g.int(100)), false)), run, run.subarray(0, g.int(6))]);
  }
  let inMessage = -1;
  if (kind <= 2) {
    const target = kind === 2 ? (maxPayload >> 1) + 1 + g.int(8) : g.int(maxPayload + 1);
    const pieces = g.split(g.data(target), 1 + g.int(kind === 2 ? 3 : 8));
    pieces.forEach((piece, i) => {
      if (i > 0 && g.chance(0.2)) parts.push(encodeFrame(g.frame(OP.PING, g.data(g.int(126)))));
      parts.push(encodeFrame(g.frame(i === 0 ? g.pick([OP.BINARY, OP.TEXT]) : OP.CONT, piece, false)));
    });
    inMessage = target;
  }
  if (kind === 3) {
    // only part of a header
    const width = g.pick([7, 16, 64] as const);
    const declared = width === 7 ? g.int(126) : width === 16 ? 126 + g.int(Math.min(65_536, maxPayload + 1) - 126) : g.int(maxPayload + 1);
    const opcode = width === 7 ? g.pick([OP.BINARY, OP.TEXT, OP.PING]) : g.pick([OP.BINARY, OP.TEXT]);
    const header = encodeFrame({ ...g.frame(opcode, new Uint8Array(0)), width, declared });
    parts.push(header.subarray(0, 1 + g.int(header.length - 1)));
    return Buffer.concat(parts);
  }
  if (inMessage >= 0 && g.chance(0.1)) return Buffer.concat(parts); // ends at a frame boundary, mid-message
  let frame: Buffer;
  if (g.chance(0.15)) frame = encodeFrame(g.frame(OP.PING, g.data(g.int(126))));
  else {
    const room = maxPayload - Math.max(inMessage, 0);
    const length = kind === 2 || g.chance(0.3) ? room : g.int(room + 1);
    frame = encodeFrame(g.frame(inMessage >= 0 ? OP.CONT : g.pick([OP.BINARY, OP.TEXT]), g.data(length), g.chance(0.5)));
  }
  parts.push(frame.subarray(0, 1 + g.int(frame.length - 1)));
  return Buffer.concat(parts);
}

/** The stream in chunks of random sizes, each a view into a 64 KiB read buffer (a new one when it is full). */
function* tcpChunks(g: WsGen, stream: Buffer): Generator<Buffer> {
  let read = Buffer.allocUnsafeSlow(TCP_READ);
  let used = 0;
  for (let o = 0; o < stream.length; ) {
    const n = Math.min(stream.length - o, g.chance(0.3) ? 1 + g.int(64) : 1 + g.int(TCP_READ));
    if (used + n > TCP_READ) {
      read = Buffer.allocUnsafeSlow(TCP_READ);
      used = 0;
    }
    stream.copy(read, used, o, o + n);
    yield read.subarray(used, used + n);
    used += n;
    o += n;
  }
}

export interface HeapSample {
  readers: number;
  /** Growth of JS heap + ArrayBuffers with the readers alive, per reader. */
  perReader: number;
  /** Growth of the JS heap alone, per reader. */
  heapPerReader: number;
  /** ArrayBuffer growth beyond what the readers report holding, per reader. */
  unreportedPerReader: number;
  /** What the readers report holding (`bufferedIncoming`), per reader. */
  bufferedPerReader: number;
  /** Largest `bufferedIncoming` of one reader. */
  maxBuffered: number;
  /** What is wrong, if anything. */
  violations: string[];
}

/** Readers fed their streams (in a function of its own: no stale local of the measuring frame keeps a chunk alive). */
function feedReaders(readers: number, maxPayload: number, stream: (g: WsGen) => Buffer, g: WsGen, violations: string[]): HeldReader[] {
  const bound = bufferedBound(maxPayload);
  const held: HeldReader[] = [];
  for (let i = 0; i < readers; i++) {
    const reader = new HeldReader(readerLimits(maxPayload));
    for (const chunk of tcpChunks(g, stream(g))) {
      reader.feed(chunk);
      if (reader.bufferedIncoming > bound && violations.length < 5) violations.push(`bufferedIncoming ${reader.bufferedIncoming} > ${bound}`);
    }
    if (reader.failed && violations.length < 5) violations.push("a held stream closed or failed the reader (generator bug)");
    held.push(reader);
  }
  return held;
}

/** `overhead`: the JS heap one reader may take (NaN: calibrating, no checks). */
async function sample(readers: number, maxPayload: number, overhead: number, stream: (g: WsGen) => Buffer, g: WsGen): Promise<HeapSample> {
  const bound = bufferedBound(maxPayload);
  const violations: string[] = [];
  const before = await memory();
  const held = feedReaders(readers, maxPayload, stream, g, violations);
  const after = await memory();
  let buffered = 0;
  let maxBuffered = 0;
  for (const reader of held) {
    buffered += reader.bufferedIncoming;
    maxBuffered = Math.max(maxBuffered, reader.bufferedIncoming);
  }
  const heap = after.heap - before.heap;
  const arrayBuffers = after.arrayBuffers - before.arrayBuffers;
  const s: HeapSample = {
    readers,
    perReader: (heap + arrayBuffers) / readers,
    heapPerReader: heap / readers,
    unreportedPerReader: (arrayBuffers - buffered) / readers,
    bufferedPerReader: buffered / readers,
    maxBuffered,
    violations,
  };
  if (Number.isFinite(overhead)) {
    if (arrayBuffers > buffered + ARRAY_BUFFER_SLACK) {
      violations.push(`ArrayBuffers grew ${arrayBuffers} B for ${readers} held readers reporting ${buffered} B buffered: ${Math.round(s.unreportedPerReader)} B per reader held beyond bufferedIncoming`);
    }
    if (heap > readers * overhead + HEAP_SLACK) {
      violations.push(`JS heap grew ${heap} B for ${readers} held readers: ${Math.round(s.heapPerReader)} B per reader (measured overhead ${Math.round(overhead)} B)`);
    }
    if (s.perReader > bound + overhead + (ARRAY_BUFFER_SLACK + HEAP_SLACK) / readers) {
      violations.push(`memory grew ${Math.round(s.perReader)} B per held reader: over 2 × maxPayload + 14 + overhead = ${bound + Math.round(overhead)} B`);
    }
  }
  return s;
}

/**
 * One held reader's own JS heap: the object, its two Buffer objects (readers holding one byte of an unfinished
 * message and one of the next header, 2,000 at a time, the largest of three rounds). Also turns V8's bytecode
 * flushing off for the rest of the process: flushed and recompiled functions move the heap by hundreds of KB.
 */
export async function calibrate(seed: number, maxPayload = HEAP_MAX_PAYLOAD): Promise<number> {
  setFlagsFromString("--no-flush-bytecode");
  const g = new WsGen(caseSeed(seed ^ 0x0ca1, 0));
  const small = () => Buffer.concat([encodeFrame(g.frame(OP.BINARY, g.data(1), false)), Buffer.from([0x00])]);
  let overhead = 0;
  for (let round = 0; round < 3; round++) overhead = Math.max(overhead, (await sample(2000, maxPayload, NaN, small, g)).heapPerReader);
  return overhead;
}

/** A batch of `readers` held readers fed streams of case `index`'s heap seed. */
export async function heapBatch(seed: number, index: number, readers: number, overhead: number, maxPayload = HEAP_MAX_PAYLOAD): Promise<HeapSample> {
  const g = new WsGen(caseSeed(seed ^ 0x4ea9, index));
  return sample(readers, maxPayload, overhead, (gen) => heldStream(gen, maxPayload), g);
}
