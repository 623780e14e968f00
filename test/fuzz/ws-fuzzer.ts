/**
 * WebSocket frame-reader fuzzer: roomcast's `FrameReader` (server/websocket/reader.ts) against ws 8.23's `Receiver`,
 * built as ws's server builds it (isServer, maxPayload, maxFragments 16,384, maxBufferedChunks 262,144, synchronous
 * events). Every case (./ws-generators.ts: valid, bad UTF-8, close frames, limits, runs of fragments, mutated,
 * garbage) is delivered to both in the same chunking, and for every case:
 *
 * - both report the same events, normalised: messages (data + binary flag), pings and pongs (payloads), the close
 *   frame (code + reason), or the failure's close code — in the same order, nothing after a close frame or a failure;
 * - a stream built valid (or with one known fault) gives exactly the events it was built with (the oracle);
 * - the reader throws nothing, and after every chunk `bufferedIncoming` ≤ 2 × maxPayload + 14 (reader.ts's bound);
 * - no case is slow (WS_SLOW_MS); every HEAP_EVERY cases a batch of readers left mid-frame / mid-message stays
 *   within that bound on the heap too (./ws-heap.ts).
 * A finding prints (seed, index), the stream as hex, its chunking, a minimised stream, and the command replaying it.
 *
 * How ws is read: 'message' / 'ping' / 'pong' / 'conclude' are emitted synchronously while a chunk is written;
 * a protocol error is emitted as 'error' a tick later (the Writable stream destroys itself with it), carrying
 * `.code` (WS_ERR_*) and its close code under a symbol ws does not export (`Symbol(status-code)`, which ws's
 * WebSocket passes to close()): the symbol is found by its description. Like ws's WebSocket, which stops feeding
 * the Receiver on 'conclude' and on 'error', no chunk is written after a close frame or once the stream errored.
 * An error without a status code would close with no code (null here); none is reachable with these options.
 *
 * Deliberate differences — a disagreement not listed here is a finding:
 *   1. Control frames with a 16- or 64-bit length field (RFC 6455 §5.2 wants the shortest encoding): roomcast
 *      decodes the length and fails the frame only if it is over 125 (test/websocket/cases.ts 2.6: a 125-byte ping
 *      with a 16-bit length is answered); ws fails any control frame whose 7-bit length is 126 or 127 from its
 *      first two bytes (1002). So that what follows such a frame is still compared, ws is handed the stream with
 *      every such frame whose length is ≤ 125 re-encoded with the 7-bit field (same payload; `forWs`). Left over:
 *      a stream ending inside such a frame's extended length, where ws has failed (1002) and roomcast waits for the
 *      length — excused and counted ("control length, stream ends in it").
 *   2. Error codes: roomcast's ERR_WS_* name the cause in its own checks' order (RSV, mask, opcode / FIN /
 *      fragmentation, length); ws's WS_ERR_* in ws's (RSV, opcode / FIN / control length, mask, length). A frame
 *      with two faults gets different names, the same close code (1002): close codes are compared, error codes
 *      tallied side by side (`codePairs`).
 *   3. maxBufferedChunks: ws fails a connection (1008, WS_ERR_TOO_MANY_BUFFERED_PARTS) once 262,144 chunks wait
 *      to be parsed; roomcast holds no chunk list (it copies an incomplete frame into one buffer): no such limit.
 *      Never reached here: a delivery is at most MAX_CHUNKS chunks (checked per case).
 *   4. Timing of errors: ws reports a failure a tick after the chunk (stream 'error'); roomcast during `read`.
 *      Both stop at the faulty frame, so the events before it are the same.
 *   5. Data ownership: ws's events carry views into the chunks it buffered; roomcast's `onMessage` may carry a view
 *      into the TCP chunk, pings a view valid during the call. Payloads are compared by value.
 */
import type { Writable } from "node:stream";
import { performance } from "node:perf_hooks";
import * as ws from "ws";
import { FrameReader, type WebSocketProtocolError } from "../../server/websocket/reader.js";
import { bufferedBound, calibrate, heapBatch, HEAP_MAX_PAYLOAD } from "./ws-heap.js";
import { MAX_CHUNKS, MAX_FRAGMENTS, wsCase, type WsCase, type WsEvent } from "./ws-generators.js";

interface ReceiverOptions {
  isServer: boolean;
  maxPayload: number;
  maxFragments: number;
  maxBufferedChunks: number;
  allowSynchronousEvents: boolean;
}
// ws's ESM entry exports Receiver (the default export, WebSocket, has it only under require('ws')); @types/ws does
// not declare it
const Receiver = (ws as unknown as { Receiver?: new (options: ReceiverOptions) => Writable }).Receiver;

/** ws's server default: chunks waiting to be parsed before it fails the connection. */
export const WS_MAX_BUFFERED_CHUNKS = 262_144;
/** A case slower than this (both parsers) is a finding. Streams are at most ~100 KB. */
export const WS_SLOW_MS = 1000;
export const DEFAULT_HEAP_EVERY = 2000;
export const HEAP_READERS = 64;
/** Cases run between two ticks (ws's errors arrive a tick later). */
const BATCH = 64;

export interface WsFuzzOptions {
  seed: number;
  /** Cases to run (stops earlier when `timeBudgetMs` runs out). */
  count: number;
  timeBudgetMs?: number;
  /** A heap batch every this many cases (0: none). */
  heapEvery?: number;
  /** Progress lines (every ~10 % of the count). */
  log?: (line: string) => void;
}

export type WsFindingKind = "differential" | "oracle" | "exception" | "bound" | "heap" | "slow" | "harness";

export interface WsFinding {
  kind: WsFindingKind;
  index: number;
  message: string;
  repro: string;
}

export interface WsFuzzResult {
  seed: number;
  count: number;
  elapsedMs: number;
  ratePerSec: number;
  categories: Record<string, number>;
  chunkings: Record<string, number>;
  maxChunks: number;
  /** roomcast's events over the run (ws's are the same unless there is a finding). */
  messages: number;
  /** Messages of two or more frames delivered as built (oracle-checked). */
  fragmentedMessages: number;
  pings: number;
  pongs: number;
  closeFrames: Record<string, number>;
  /** Failures by close code. */
  failures: Record<string, number>;
  ourCodes: Record<string, number>;
  theirCodes: Record<string, number>;
  /** "ERR_WS_… / WS_ERR_…" for every failed case. */
  codePairs: Record<string, number>;
  oracleChecked: number;
  /** Disagreements explained by a listed deliberate difference (and inputs adapted for one), by name. */
  deliberate: Record<string, number>;
  /** Largest bufferedIncoming / (2 × maxPayload + 14) after a chunk. */
  maxBufferedRatio: number;
  slowestMs: number;
  heap: {
    /** JS heap of one held reader (its objects), measured. */
    overheadPerReader: number;
    batches: number;
    /** 2 × maxPayload + 14 + overheadPerReader. */
    boundPerReader: number;
    /** Largest growth (JS heap + ArrayBuffers) per held reader in a batch. */
    largestPerReader: number;
    /** Largest JS-heap growth per held reader in a batch. */
    largestHeapPerReader: number;
    /** Largest ArrayBuffer growth per held reader beyond what the readers report. */
    largestUnreportedPerReader: number;
    largestBuffered: number;
  };
  findings: WsFinding[];
}

class RecordingReader extends FrameReader {
  readonly events: WsEvent[] = [];
  error: WebSocketProtocolError | undefined;
  protected override onMessage(data: Buffer, binary: boolean): void {
    this.events.push({ t: "message", binary, data: Buffer.from(data) });
  }
  protected override onPing(payload: Buffer): void {
    this.events.push({ t: "ping", data: Buffer.from(payload) });
  }
  protected override onPong(payload: Buffer): void {
    this.events.push({ t: "pong", data: Buffer.from(payload) });
  }
  protected override onCloseFrame(code: number, reason: Buffer): void {
    this.events.push({ t: "close", code, reason: Buffer.from(reason) });
  }
  protected override onProtocolError(err: WebSocketProtocolError): void {
    this.error = err;
    this.events.push({ t: "fail", closeCode: err.closeCode });
  }
  feed(chunk: Buffer): void {
    this.read(chunk);
  }
}

interface OurRun {
  events: WsEvent[];
  code: string | undefined;
  exception: unknown;
  /** Largest bufferedIncoming after a chunk, and the bound it is held to. */
  maxBuffered: number;
  bound: number;
}

interface TheirRun {
  events: WsEvent[];
  error: (Error & { code?: string }) | undefined;
  /** The stream errored (its 'error' event comes a tick later). */
  errored: boolean;
}

/** The chunks as views into a copy of the stream (each side gets its own: both readers unmask in place). */
function split(stream: Buffer, chunks: readonly number[]): Buffer[] {
  const copy = Buffer.from(stream);
  const out: Buffer[] = [];
  let o = 0;
  for (const n of chunks) {
    out.push(copy.subarray(o, o + n));
    o += n;
  }
  return out;
}

function runOurs(maxPayload: number, stream: Buffer, chunks: readonly number[]): OurRun {
  const reader = new RecordingReader(maxPayload, MAX_FRAGMENTS);
  const bound = maxPayload > 0 ? bufferedBound(maxPayload) : 4 * stream.length + 1024;
  const run: OurRun = { events: reader.events, code: undefined, exception: undefined, maxBuffered: 0, bound };
  try {
    for (const chunk of split(stream, chunks)) {
      reader.feed(chunk);
      run.maxBuffered = Math.max(run.maxBuffered, reader.bufferedIncoming);
    }
  } catch (err) {
    run.exception = err;
  }
  run.code = reader.error?.code;
  return run;
}

function runTheirs(maxPayload: number, stream: Buffer, chunks: readonly number[]): TheirRun {
  if (Receiver === undefined) throw new Error("ws does not export Receiver");
  const run: TheirRun = { events: [], error: undefined, errored: false };
  const r = new Receiver({ isServer: true, maxPayload, maxFragments: MAX_FRAGMENTS, maxBufferedChunks: WS_MAX_BUFFERED_CHUNKS, allowSynchronousEvents: true });
  let concluded = false;
  r.on("message", (data: Buffer, isBinary: boolean) => run.events.push({ t: "message", binary: isBinary, data: Buffer.from(data) }));
  r.on("ping", (data: Buffer) => run.events.push({ t: "ping", data: Buffer.from(data) }));
  r.on("pong", (data: Buffer) => run.events.push({ t: "pong", data: Buffer.from(data) }));
  r.on("conclude", (code: number, reason: Buffer) => {
    concluded = true;
    run.events.push({ t: "close", code, reason: Buffer.from(reason) });
  });
  r.on("error", (err: Error & { code?: string }) => {
    run.error ??= err;
  });
  for (const chunk of split(stream, chunks)) {
    if (concluded || r.errored !== null) break;
    r.write(chunk);
  }
  run.errored = r.errored !== null;
  return run;
}

/** ws's close code for an error: under its `Symbol(status-code)`; null when it has none. */
function statusCode(err: object): number | null {
  const sym = Object.getOwnPropertySymbols(err).find((s) => s.description === "status-code");
  const code: unknown = sym === undefined ? undefined : (err as Record<symbol, unknown>)[sym];
  return typeof code === "number" ? code : null;
}

function theirEvents(run: TheirRun): WsEvent[] {
  return run.error === undefined ? run.events : [...run.events, { t: "fail", closeCode: statusCode(run.error) }];
}

/** ws's input (deliberate difference 1): control frames with a 16/64-bit length ≤ 125 re-encoded with the 7-bit one. */
export interface WsView {
  stream: Buffer;
  chunks: number[];
  /** Control frames re-encoded. */
  rewritten: number;
  /** The stream ends inside a control frame's extended length. */
  endsInControlLength: boolean;
}

export function forWs(stream: Buffer, chunks: readonly number[]): WsView {
  // walk the frames by their headers (a fault anywhere fails both readers there: what is after it does not matter)
  const cuts: Array<{ at: number; ext: number; length: number }> = [];
  let endsInControlLength = false;
  for (let o = 0; o + 2 <= stream.length; ) {
    const control = (stream[o]! & 0x0f) >= 0x08;
    const b1 = stream[o + 1]!;
    const ext = (b1 & 0x7f) === 126 ? 2 : (b1 & 0x7f) === 127 ? 8 : 0;
    if (o + 2 + ext > stream.length) {
      endsInControlLength = control;
      break;
    }
    const length = ext === 0 ? b1 & 0x7f : ext === 2 ? stream.readUInt16BE(o + 2) : stream.readUInt32BE(o + 2) * 2 ** 32 + stream.readUInt32BE(o + 6);
    if (control && ext > 0 && length <= 125) cuts.push({ at: o, ext, length });
    o += 2 + ext + (b1 & 0x80 ? 4 : 0) + length;
  }
  if (cuts.length === 0) return { stream, chunks: [...chunks], rewritten: 0, endsInControlLength };
  const parts: Buffer[] = [];
  let from = 0;
  for (const { at, ext, length } of cuts) {
    parts.push(stream.subarray(from, at + 1), Buffer.from([(stream[at + 1]! & 0x80) | length]));
    from = at + 2 + ext;
  }
  parts.push(stream.subarray(from));
  // chunk boundaries move back by the bytes removed before them (one inside a removed field: to where it was)
  const moved = (p: number): number => {
    let removed = 0;
    for (const { at, ext } of cuts) if (p > at + 2) removed += Math.min(ext, p - (at + 2));
    return p - removed;
  };
  const out: number[] = [];
  let prev = 0;
  let end = 0;
  for (const n of chunks) {
    end += n;
    const m = moved(end);
    if (m > prev) out.push(m - prev);
    prev = m;
  }
  return { stream: Buffer.concat(parts), chunks: out, rewritten: cuts.length, endsInControlLength };
}

/** Both readers on one input (ws on `forWs`'s view of it). ws's error arrives a tick later: see `verdict`. */
interface Pair {
  ours: OurRun;
  theirs: TheirRun;
  view: WsView;
}

function runBoth(maxPayload: number, stream: Buffer, chunks: readonly number[]): Pair {
  const view = forWs(stream, chunks);
  return { ours: runOurs(maxPayload, stream, chunks), theirs: runTheirs(maxPayload, view.stream, view.chunks), view };
}

/** `message`: the first difference; `signature`: its kinds on each side (what a minimised input must keep). */
type Verdict = { agree: true; excused?: string } | { agree: false; message: string; signature: string };

const kind = (e: WsEvent | undefined): string => (e === undefined ? "none" : e.t === "fail" ? `fail ${e.closeCode}` : e.t === "close" ? `close ${e.code}` : e.t);

/** Whether the readers agree, once ws's error has arrived; `excused`: by which deliberate difference. */
function verdict({ ours, theirs, view }: Pair): Verdict {
  const their = theirEvents(theirs);
  const i = firstDifference(ours.events, their);
  if (i < 0) return { agree: true };
  const last = their[their.length - 1];
  if (
    view.endsInControlLength &&
    i === ours.events.length &&
    i === their.length - 1 &&
    last?.t === "fail" &&
    last.closeCode === 1002 &&
    theirs.error?.code === "WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH"
  ) {
    return { agree: true, excused: "control length, stream ends in it" };
  }
  return { agree: false, message: describeDifference("roomcast", ours.events, "ws", their), signature: `${kind(ours.events[i])} / ${kind(their[i])}` };
}

function sameEvent(a: WsEvent, b: WsEvent): boolean {
  switch (a.t) {
    case "message":
      return b.t === "message" && a.binary === b.binary && a.data.equals(b.data);
    case "ping":
    case "pong":
      return b.t === a.t && a.data.equals(b.data);
    case "close":
      return b.t === "close" && a.code === b.code && a.reason.equals(b.reason);
    default:
      return b.t === "fail" && a.closeCode === b.closeCode;
  }
}

/** Index of the first event that differs, -1 when the lists agree. */
export function firstDifference(a: readonly WsEvent[], b: readonly WsEvent[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (!sameEvent(a[i]!, b[i]!)) return i;
  return a.length === b.length ? -1 : n;
}

function hex(b: Buffer, max = 64): string {
  return b.length <= max ? b.toString("hex") : `${b.subarray(0, max).toString("hex")}…(${b.length} B)`;
}

export function describeEvent(e: WsEvent | undefined): string {
  if (e === undefined) return "(nothing)";
  switch (e.t) {
    case "message":
      return `message ${e.binary ? "binary" : "text"} ${e.data.length} B ${hex(e.data, 24)}`;
    case "ping":
    case "pong":
      return `${e.t} ${hex(e.data, 24)}`;
    case "close":
      return `close frame ${e.code} "${e.reason.toString("utf8")}"`;
    default:
      return `failed, close code ${e.closeCode ?? "none"}`;
  }
}

function describeDifference(label: string, a: readonly WsEvent[], otherLabel: string, b: readonly WsEvent[]): string {
  const i = firstDifference(a, b);
  return `event #${i} of ${a.length}/${b.length}: ${label} ${describeEvent(a[i])} / ${otherLabel} ${describeEvent(b[i])}`;
}

function describeChunks(chunks: readonly number[]): string {
  if (chunks.length > 1 && chunks.every((n) => n === 1)) return `${chunks.length} chunks of 1 byte`;
  return chunks.length <= 64 ? `[${chunks.join(",")}]` : `[${chunks.slice(0, 64).join(",")},…] (${chunks.length} chunks)`;
}

export function replayCommand(seed: number, index: number): string {
  return `node --expose-gc dist/test/fuzz/cli.js --target websocket --case ${index} ${seed}`;
}

function repro(seed: number, index: number, c: WsCase, minimised?: { stream: Buffer; chunks: number[] }): string {
  const lines = [
    `seed ${seed} index ${index} (${c.category}): maxPayload ${c.maxPayload}, ${c.stream.length} B in ${c.chunking} chunking ${describeChunks(c.chunks)}`,
    `stream ${hex(c.stream, 2048)}`,
  ];
  if (minimised !== undefined && minimised.stream.length < c.stream.length) {
    lines.push(`minimised: ${minimised.stream.length} B ${hex(minimised.stream, 2048)} in chunks ${describeChunks(minimised.chunks)}`);
  }
  lines.push(`replay: ${replayCommand(seed, index)}`);
  return lines.join("\n    ");
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The signature of the readers' disagreement on an input, undefined when they agree. */
async function disagreement(maxPayload: number, stream: Buffer, chunks: readonly number[]): Promise<string | undefined> {
  const pair = runBoth(maxPayload, stream, chunks);
  await tick();
  const v = verdict(pair);
  return pair.ours.exception === undefined && !v.agree ? v.signature : undefined;
}

/** A smaller input with the same disagreement: one chunk if that is enough, whole frames cut away, then bytes. */
async function minimise(c: WsCase): Promise<{ stream: Buffer; chunks: number[] }> {
  let stream = c.stream;
  const signature = await disagreement(c.maxPayload, stream, c.chunks);
  const disagrees = async (_: number, s: Buffer, chunks: readonly number[]) => signature !== undefined && (await disagreement(c.maxPayload, s, chunks)) === signature;
  if (c.chunks.length > 1 && !(await disagrees(c.maxPayload, stream, [stream.length]))) return { stream, chunks: c.chunks };
  let tries = 0;
  const starts = [...(c.boundaries ?? []), stream.length];
  for (let i = starts.length - 2; i >= 0 && tries < 600; i--, tries++) {
    const candidate = Buffer.concat([stream.subarray(0, starts[i]), stream.subarray(starts[i + 1])]);
    if (candidate.length === 0 || !(await disagrees(c.maxPayload, candidate, [candidate.length]))) continue;
    const cut = starts[i + 1]! - starts[i]!;
    stream = candidate;
    starts.splice(i + 1, 1);
    for (let j = i + 1; j < starts.length; j++) starts[j]! -= cut;
  }
  for (let size = stream.length >> 1; size >= 1 && tries < 600; size >>= 1) {
    for (let at = 0; at < stream.length && tries < 600; tries++) {
      const candidate = Buffer.concat([stream.subarray(0, at), stream.subarray(at + size)]);
      if (candidate.length > 0 && (await disagrees(c.maxPayload, candidate, [candidate.length]))) stream = candidate;
      else at += size;
    }
  }
  return { stream, chunks: [stream.length] };
}

const bump = (table: Record<string, number>, key: string, by = 1): void => {
  table[key] = (table[key] ?? 0) + by;
};

interface Pending extends Pair {
  index: number;
  c: WsCase;
}

export async function runWsFuzz(options: WsFuzzOptions): Promise<WsFuzzResult> {
  const seed = options.seed >>> 0;
  const budget = options.timeBudgetMs ?? Infinity;
  const heapEvery = options.heapEvery ?? DEFAULT_HEAP_EVERY;
  const log = options.log ?? (() => undefined);
  const r: WsFuzzResult = {
    seed,
    count: 0,
    elapsedMs: 0,
    ratePerSec: 0,
    categories: {},
    chunkings: {},
    maxChunks: 0,
    messages: 0,
    fragmentedMessages: 0,
    pings: 0,
    pongs: 0,
    closeFrames: {},
    failures: {},
    ourCodes: {},
    theirCodes: {},
    codePairs: {},
    oracleChecked: 0,
    deliberate: {},
    maxBufferedRatio: 0,
    slowestMs: 0,
    heap: { overheadPerReader: 0, batches: 0, boundPerReader: 0, largestPerReader: 0, largestHeapPerReader: 0, largestUnreportedPerReader: -Infinity, largestBuffered: 0 },
    findings: [],
  };
  const perKind = new Map<WsFindingKind, number>();
  const find = async (kind: WsFindingKind, index: number, message: string, c?: WsCase): Promise<void> => {
    const n = perKind.get(kind) ?? 0;
    perKind.set(kind, n + 1);
    if (n >= 10) return;
    const minimised = c !== undefined && kind === "differential" ? await minimise(c) : undefined;
    r.findings.push({ kind, index, message, repro: c === undefined ? `seed ${seed} index ${index}` : repro(seed, index, c, minimised) });
  };

  if (heapEvery > 0) {
    r.heap.overheadPerReader = calibrate(seed);
    r.heap.boundPerReader = bufferedBound(HEAP_MAX_PAYLOAD) + r.heap.overheadPerReader;
  }

  const check = async (p: Pending): Promise<void> => {
    const { index, c, ours, theirs, view } = p;
    if (view.rewritten > 0) bump(r.deliberate, "control length re-encoded for ws", view.rewritten);
    if (ours.exception !== undefined) await find("exception", index, `the reader threw: ${String((ours.exception as Error)?.stack ?? ours.exception)}`, c);
    if (theirs.errored && theirs.error === undefined) await find("harness", index, "ws's stream errored without an 'error' event", c);
    if (theirs.error?.message === "Too many buffered chunks") await find("harness", index, "ws's maxBufferedChunks was reached (deliberate difference 2 must never be)", c);
    if (ours.maxBuffered > ours.bound) await find("bound", index, `bufferedIncoming ${ours.maxBuffered} after a chunk, over ${ours.bound}`, c);
    if (c.maxPayload > 0) r.maxBufferedRatio = Math.max(r.maxBufferedRatio, ours.maxBuffered / ours.bound);
    const v = verdict(p);
    if (!v.agree) {
      if (ours.exception === undefined) await find("differential", index, v.message, c);
    } else if (v.excused !== undefined) bump(r.deliberate, v.excused);
    if (c.expected !== undefined) {
      r.oracleChecked++;
      if (firstDifference(ours.events, c.expected) >= 0) await find("oracle", index, describeDifference("roomcast", ours.events, "built", c.expected), c);
      else for (const e of c.expected) if (e.t === "message" && (e.fragments ?? 1) > 1) r.fragmentedMessages++;
    }
    for (const e of ours.events) {
      if (e.t === "message") r.messages++;
      else if (e.t === "ping") r.pings++;
      else if (e.t === "pong") r.pongs++;
      else if (e.t === "close") bump(r.closeFrames, String(e.code));
      else if (e.t === "fail") bump(r.failures, String(e.closeCode));
    }
    if (ours.code !== undefined) bump(r.ourCodes, ours.code);
    if (theirs.error !== undefined) bump(r.theirCodes, String(theirs.error.code));
    if (ours.code !== undefined || theirs.error !== undefined) bump(r.codePairs, `${ours.code ?? "-"} / ${theirs.error?.code ?? "-"}`);
  };

  const pending: Pending[] = [];
  const flush = async (): Promise<void> => {
    await tick();
    for (const p of pending) await check(p);
    pending.length = 0;
  };

  // every failed case builds an error on each side, and ws's stream materialises its stack: capturing none keeps
  // the run fast (an exception finding's stack: replay the case with --case)
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const start = performance.now();
  const progressEvery = Math.max(1, Math.floor(options.count / 10));
  for (let index = 0; index < options.count; index++) {
    if ((index & 255) === 0 && performance.now() - start > budget) break;
    if (heapEvery > 0 && index > 0 && index % heapEvery === 0) {
      await flush();
      const s = heapBatch(seed, index, HEAP_READERS, r.heap.overheadPerReader);
      r.heap.batches++;
      r.heap.largestPerReader = Math.max(r.heap.largestPerReader, s.perReader);
      r.heap.largestHeapPerReader = Math.max(r.heap.largestHeapPerReader, s.heapPerReader);
      r.heap.largestUnreportedPerReader = Math.max(r.heap.largestUnreportedPerReader, s.unreportedPerReader);
      r.heap.largestBuffered = Math.max(r.heap.largestBuffered, s.maxBuffered);
      for (const v of s.violations) await find("heap", index, `heap batch: ${v}`);
    }
    const c = wsCase(seed, index);
    bump(r.categories, c.category);
    bump(r.chunkings, c.chunking);
    r.maxChunks = Math.max(r.maxChunks, c.chunks.length);
    if (c.chunks.length > MAX_CHUNKS || c.chunks.length >= WS_MAX_BUFFERED_CHUNKS) await find("harness", index, `${c.chunks.length} chunks`, c);
    const t0 = performance.now();
    const pair = runBoth(c.maxPayload, c.stream, c.chunks);
    const ms = performance.now() - t0;
    r.slowestMs = Math.max(r.slowestMs, ms);
    if (ms > WS_SLOW_MS) await find("slow", index, `${ms.toFixed(0)} ms`, c);
    pending.push({ index, c, ...pair });
    if (pending.length >= BATCH) await flush();
    r.count = index + 1;
    if (r.count % progressEvery === 0) {
      const s = (performance.now() - start) / 1000;
      log(`  ${r.count} cases, ${Math.round(r.count / s)}/s, findings ${r.findings.length}`);
    }
  }
  await flush();
  Error.stackTraceLimit = stackTraceLimit;
  r.elapsedMs = performance.now() - start;
  r.ratePerSec = Math.round(r.count / (r.elapsedMs / 1000));
  return r;
}

/** Case `index` of the run seeded `seed`, replayed with both readers' events side by side. */
export async function replayWsCase(seed: number, index: number): Promise<string> {
  const c = wsCase(seed >>> 0, index);
  const pair = runBoth(c.maxPayload, c.stream, c.chunks);
  const { ours, theirs } = pair;
  await tick();
  const v = verdict(pair);
  const list = (events: readonly WsEvent[]) => (events.length === 0 ? "  (no events)" : events.map((e) => `  ${describeEvent(e)}`).join("\n"));
  const their = theirEvents(theirs);
  return [
    repro(seed >>> 0, index, c),
    `roomcast${ours.code === undefined ? "" : ` (${ours.code})`}${ours.exception === undefined ? "" : ` threw ${String(ours.exception)}`}:`,
    list(ours.events),
    `ws${theirs.error === undefined ? "" : ` (${theirs.error.code})`}:`,
    list(their),
    ...(c.expected === undefined ? [] : ["built:", list(c.expected)]),
    ...(pair.view.rewritten > 0 ? [`(ws was handed ${pair.view.rewritten} control frame(s) re-encoded with a 7-bit length: deliberate difference 1)`] : []),
    v.agree ? (v.excused === undefined ? "agree" : `agree, but for deliberate difference: ${v.excused}`) : `DISAGREE: ${v.message}`,
  ].join("\n");
}

const top = (table: Record<string, number>): string =>
  Object.entries(table)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");

export function formatWsResult(r: WsFuzzResult): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  return [
    `seed ${r.seed} (0x${r.seed.toString(16)}): ${r.count} cases in ${(r.elapsedMs / 1000).toFixed(1)} s = ${r.ratePerSec} cases/s (slowest ${r.slowestMs.toFixed(1)} ms)`,
    `categories: ${top(r.categories)}`,
    `chunkings: ${top(r.chunkings)} (most chunks in one delivery: ${r.maxChunks})`,
    `delivered (roomcast = ws): ${r.messages} messages (${r.fragmentedMessages} fragmented, oracle-checked), ${r.pings} pings, ${r.pongs} pongs; close frames by code: ${top(r.closeFrames)}`,
    `failures by close code: ${top(r.failures)}`,
    `roomcast codes: ${top(r.ourCodes)}`,
    `ws codes: ${top(r.theirCodes)}`,
    `code pairs (roomcast / ws): ${top(r.codePairs)}`,
    `deliberate differences met: ${top(r.deliberate) || "none"}`,
    `oracle: ${r.oracleChecked} built streams checked; largest bufferedIncoming after a chunk: ${(r.maxBufferedRatio * 100).toFixed(1)} % of 2 × maxPayload + 14`,
    `heap: ${r.heap.batches} batches of ${HEAP_READERS} held readers (maxPayload ${kb(HEAP_MAX_PAYLOAD)}): largest ${kb(r.heap.largestPerReader)} per reader (bound ${kb(r.heap.boundPerReader)} = 2 × maxPayload + 14 + ${Math.round(r.heap.overheadPerReader)} B measured overhead), largest bufferedIncoming ${kb(r.heap.largestBuffered)}; largest JS heap ${Math.round(r.heap.largestHeapPerReader)} B per reader, largest ArrayBuffer memory beyond bufferedIncoming ${Math.round(r.heap.largestUnreportedPerReader)} B per reader`,
    `findings: ${r.findings.length}`,
    ...r.findings.map((f) => `  [${f.kind}] #${f.index}: ${f.message}\n    ${f.repro}`),
  ].join("\n");
}
