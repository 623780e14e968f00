/**
 * The two readers side by side, for the fuzzer (./ws-fuzzer.ts, whose header lists the deliberate differences):
 * roomcast's `FrameReader` and ws's `Receiver` built as ws's server builds it, each fed its own copy of a stream in
 * a chunking (the same bytes, the same cuts), their events normalised (`WsEvent`), and the verdict: agree, or the
 * first difference.
 */
import type { Writable } from "node:stream";
import * as ws from "ws";
import { FrameReader, readerLimits, type WebSocketProtocolError } from "../../server/engine/websocket/reader.js";
import { bufferedBound } from "./ws-heap.js";
import { MAX_FRAGMENTS, type WsEvent } from "./ws-generators.js";

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

export interface OurRun {
  events: WsEvent[];
  code: string | undefined;
  exception: unknown;
  /** Largest bufferedIncoming after a chunk, and the bound it is held to. */
  maxBuffered: number;
  bound: number;
}

export interface TheirRun {
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

export function runOurs(maxPayload: number, stream: Buffer, chunks: readonly number[]): OurRun {
  const reader = new RecordingReader(readerLimits(maxPayload, MAX_FRAGMENTS));
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

export function runTheirs(maxPayload: number, stream: Buffer, chunks: readonly number[]): TheirRun {
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

export function theirEvents(run: TheirRun): WsEvent[] {
  return run.error === undefined ? run.events : [...run.events, { t: "fail", closeCode: statusCode(run.error) }];
}

/** Both readers on one input. ws's error arrives a tick later: see `verdict`. */
export interface Pair {
  ours: OurRun;
  theirs: TheirRun;
}

export function runBoth(maxPayload: number, stream: Buffer, chunks: readonly number[]): Pair {
  return { ours: runOurs(maxPayload, stream, chunks), theirs: runTheirs(maxPayload, stream, chunks) };
}

/** `message`: the first difference; `signature`: its kinds on each side (what a minimised input must keep). */
export type Verdict = { agree: true } | { agree: false; message: string; signature: string };

const kind = (e: WsEvent | undefined): string => (e === undefined ? "none" : e.t === "fail" ? `fail ${e.closeCode}` : e.t === "close" ? `close ${e.code}` : e.t);

/** Whether the readers agree, once ws's error has arrived. */
export function verdict({ ours, theirs }: Pair): Verdict {
  const their = theirEvents(theirs);
  const i = firstDifference(ours.events, their);
  if (i < 0) return { agree: true };
  return { agree: false, message: describeDifference("roomcast", ours.events, "ws", their), signature: `${kind(ours.events[i])} / ${kind(their[i])}` };
}

/**
 * Whether the stream holds a control frame whose 7-bit length is 126 or 127 while the extended length is ≤ 125 or
 * not all there: the case RFC 6455 §5.2's minimal encoding decides (both readers fail it from its first two bytes,
 * 1002). Frames are walked by their headers up to the first such one; a fault before it may keep either reader
 * from getting there (the fuzzer counts a case only when both failed on a control frame).
 */
export function hasLongEncodedControl(stream: Buffer): boolean {
  for (let o = 0; o + 2 <= stream.length; ) {
    const opcode = stream[o]! & 0x0f;
    const control = opcode >= 0x08 && opcode <= 0x0a; // close, ping, pong (the others fail as unknown opcodes)
    const b1 = stream[o + 1]!;
    const ext = (b1 & 0x7f) === 126 ? 2 : (b1 & 0x7f) === 127 ? 8 : 0;
    if (o + 2 + ext > stream.length) return control && ext > 0;
    const length = ext === 0 ? b1 & 0x7f : ext === 2 ? stream.readUInt16BE(o + 2) : stream.readUInt32BE(o + 2) * 2 ** 32 + stream.readUInt32BE(o + 6);
    if (control && ext > 0) return length <= 125;
    o += 2 + ext + (b1 & 0x80 ? 4 : 0) + length;
  }
  return false;
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

export function hex(b: Buffer, max = 64): string {
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

export function describeDifference(label: string, a: readonly WsEvent[], otherLabel: string, b: readonly WsEvent[]): string {
  const i = firstDifference(a, b);
  return `event #${i} of ${a.length}/${b.length}: ${label} ${describeEvent(a[i])} / ${otherLabel} ${describeEvent(b[i])}`;
}

export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
