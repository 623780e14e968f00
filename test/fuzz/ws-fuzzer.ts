/**
 * WebSocket frame-reader fuzzer: roomcast's `FrameReader` (server/engine/websocket/reader.ts) against ws 8.23's `Receiver`,
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
 *   1. Error codes: roomcast's ERR_WS_* name the cause in its own checks' order (RSV, mask, opcode / FIN /
 *      fragmentation, length); ws's WS_ERR_* in ws's (RSV, opcode / FIN / control length, mask, length). A frame
 *      with two faults gets different names, the same close code (1002): close codes are compared, error codes
 *      tallied side by side (`codePairs`).
 *   2. maxBufferedChunks: ws fails a connection (1008, WS_ERR_TOO_MANY_BUFFERED_PARTS) once 262,144 chunks wait
 *      to be parsed; roomcast holds no chunk list (it copies an incomplete frame into one buffer): no such limit.
 *      Never reached here: a delivery is at most MAX_CHUNKS chunks (checked per case).
 *   3. Timing of errors: ws reports a failure a tick after the chunk (stream 'error'); roomcast during `read`.
 *      Both stop at the faulty frame, so the events before it are the same.
 *   4. Data ownership: ws's events carry views into the chunks it buffered; roomcast's `onMessage` may carry a view
 *      into the TCP chunk, pings a view valid during the call. Payloads are compared by value.
 * Not a difference: a control frame whose 7-bit length is 126 or 127 (a 16- or 64-bit length, even one ≤ 125: RFC
 * 6455 §5.2 wants the minimal encoding, §5.5 at most 125 bytes) fails in both from its first two bytes with 1002
 * (test/websocket/cases.ts 2.6); both get the same bytes in the same chunks, and such frames are generated
 * (oracle-checked) and mutated in (`longEncodedControl` counts the cases both failed on one).
 */
import { performance } from "node:perf_hooks";
import { bufferedBound, calibrate, heapBatch, HEAP_MAX_PAYLOAD } from "./ws-heap.js";
import { MAX_CHUNKS, wsCase, type WsCase, type WsEvent } from "./ws-generators.js";
import { WebSocketErrorCode } from "../../server/engine/websocket/reader.js";
import { describeDifference, describeEvent, firstDifference, hasLongEncodedControl, hex, runBoth, theirEvents, tick, verdict, WS_MAX_BUFFERED_CHUNKS, type Pair } from "./ws-compare.js";

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
  /** Cases failed by both on a control frame with a 16- or 64-bit length field of ≤ 125 (or cut inside it). */
  longEncodedControl: number;
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
  const disagrees = async (s: Buffer, chunks: readonly number[]) => signature !== undefined && (await disagreement(c.maxPayload, s, chunks)) === signature;
  if (c.chunks.length > 1 && !(await disagrees(stream, [stream.length]))) return { stream, chunks: c.chunks };
  let tries = 0;
  const starts = [...(c.boundaries ?? []), stream.length];
  for (let i = starts.length - 2; i >= 0 && tries < 600; i--, tries++) {
    const candidate = Buffer.concat([stream.subarray(0, starts[i]), stream.subarray(starts[i + 1])]);
    if (candidate.length === 0 || !(await disagrees(candidate, [candidate.length]))) continue;
    const cut = starts[i + 1]! - starts[i]!;
    stream = candidate;
    starts.splice(i + 1, 1);
    for (let j = i + 1; j < starts.length; j++) starts[j]! -= cut;
  }
  for (let size = stream.length >> 1; size >= 1 && tries < 600; size >>= 1) {
    for (let at = 0; at < stream.length && tries < 600; tries++) {
      const candidate = Buffer.concat([stream.subarray(0, at), stream.subarray(at + size)]);
      if (candidate.length > 0 && (await disagrees(candidate, [candidate.length]))) stream = candidate;
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
    longEncodedControl: 0,
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
    r.heap.overheadPerReader = await calibrate(seed);
    r.heap.boundPerReader = bufferedBound(HEAP_MAX_PAYLOAD) + r.heap.overheadPerReader;
  }

  const check = async (p: Pending): Promise<void> => {
    const { index, c, ours, theirs } = p;
    if (ours.exception !== undefined) await find("exception", index, `the reader threw: ${String((ours.exception as Error)?.stack ?? ours.exception)}`, c);
    if (theirs.errored && theirs.error === undefined) await find("harness", index, "ws's stream errored without an 'error' event", c);
    if (theirs.error?.message === "Too many buffered chunks") await find("harness", index, "ws's maxBufferedChunks was reached (deliberate difference 2 must never be)", c);
    if (ours.maxBuffered > ours.bound) await find("bound", index, `bufferedIncoming ${ours.maxBuffered} after a chunk, over ${ours.bound}`, c);
    if (c.maxPayload > 0) r.maxBufferedRatio = Math.max(r.maxBufferedRatio, ours.maxBuffered / ours.bound);
    const v = verdict(p);
    if (!v.agree && ours.exception === undefined) await find("differential", index, v.message, c);
    if (ours.code === WebSocketErrorCode.WS_BAD_CONTROL_FRAME && theirs.error?.code === "WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH" && hasLongEncodedControl(c.stream)) {
      r.longEncodedControl++;
    }
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
      const s = await heapBatch(seed, index, HEAP_READERS, r.heap.overheadPerReader);
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
    v.agree ? "agree" : `DISAGREE: ${v.message}`,
  ].join("\n");
}

/** A table's entries, largest first (the first `limit`, then how many more). */
const top = (table: Record<string, number>, limit = 24): string => {
  const entries = Object.entries(table).sort((a, b) => b[1] - a[1]);
  const shown = entries.slice(0, limit).map(([k, v]) => `${k} ${v}`);
  return entries.length > limit ? `${shown.join(", ")}, and ${entries.length - limit} more` : shown.join(", ");
};

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
    `control frames with a 16- or 64-bit length ≤ 125 (or cut inside it), failed by both: ${r.longEncodedControl} cases`,
    `oracle: ${r.oracleChecked} built streams checked; largest bufferedIncoming after a chunk: ${(r.maxBufferedRatio * 100).toFixed(1)} % of 2 × maxPayload + 14`,
    `heap: ${r.heap.batches} batches of ${HEAP_READERS} held readers (maxPayload ${kb(HEAP_MAX_PAYLOAD)}): largest ${kb(r.heap.largestPerReader)} per reader (bound ${kb(r.heap.boundPerReader)} = 2 × maxPayload + 14 + ${Math.round(r.heap.overheadPerReader)} B measured overhead), largest bufferedIncoming ${kb(r.heap.largestBuffered)}; largest JS heap ${Math.round(r.heap.largestHeapPerReader)} B per reader, largest ArrayBuffer memory beyond bufferedIncoming ${Math.round(r.heap.largestUnreportedPerReader)} B per reader`,
    `findings: ${r.findings.length}`,
    ...r.findings.map((f) => `  [${f.kind}] #${f.index}: ${f.message}\n    ${f.repro}`),
  ].join("\n");
}
