/**
 * Codec fuzzer. Feeds generated and mutated inputs to the shared Decoder the way each side does (server: strings
 * and Node Buffers; client: strings and ArrayBuffer / Uint8Array) and checks, for every input:
 *
 * - nothing but a ProtocolError escapes, and no ProtocolError hides an internal exception (the decoder's catch-all);
 * - both sides reach the same outcome (same packets, or the same error code);
 * - every decoded packet is well-formed (type, namespace, ack id, payload shape) and no decoded object has a
 *   prototype other than Object.prototype / Array.prototype; Object.prototype is never changed;
 * - valid inputs decode exactly like the official socket.io-parser (differential, normalised as in
 *   test/shared/codec-differential.test.ts);
 * - no input takes long (SLOW_MS) and the heap after a GC stays within `heapBoundBytes` of where it started.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { performance } from "node:perf_hooks";
import { Decoder as TheirDecoder, Encoder as TheirEncoder, type Packet as TheirPacket } from "socket.io-parser";
import { Decoder } from "../../shared/decoder.js";
import { encodePacket } from "../../shared/encoder.js";
import { ProtocolError } from "../../shared/errors.js";
import { MAX_ACK_ID, PacketType, RESERVED_EVENTS, type Packet } from "../../shared/packet.js";
import { Gen, type FuzzFrame } from "./generators.js";

export const DEFAULT_SEED = 0xf022_5eed;
/** An input slower than this is a finding (algorithmic blow-up). Inputs are at most a few hundred KB. */
export const SLOW_MS = 250;
/** Most the heap may grow (after a full GC) over a whole run. */
export const DEFAULT_HEAP_BOUND = 32 * 1024 * 1024;

export interface FuzzOptions {
  seed?: number;
  /** Inputs to run (stops earlier when `timeBudgetMs` runs out). */
  count: number;
  timeBudgetMs?: number;
  heapBoundBytes?: number;
  /** Progress lines (every ~10 % of the count). */
  log?: (line: string) => void;
}

export type FindingKind = "escaped" | "masked" | "sides" | "invariant" | "pollution" | "differential" | "refused-valid" | "slow" | "heap";

export interface Finding {
  kind: FindingKind;
  index: number;
  message: string;
  /** The input, as JSON: strings as is, binary frames as {"bin": hex}. */
  frames: string;
}

export interface FuzzResult {
  seed: number;
  count: number;
  elapsedMs: number;
  ratePerSec: number;
  heapBefore: number;
  heapAfter: number;
  heapPeak: number;
  /** Inputs by category. */
  categories: Record<string, number>;
  accepted: number;
  refusedByCode: Record<string, number>;
  /** Valid inputs also decoded by socket.io-parser and compared. */
  differentialChecked: number;
  /** Mutated inputs roomcast accepted that socket.io-parser also decoded. */
  mutatedCompared: number;
  /** Mutated inputs both decoders accepted but decoded differently (informational: roomcast is stricter). */
  divergences: number;
  divergenceSamples: string[];
  findings: Finding[];
}

/** A full GC: `global.gc` when node runs with --expose-gc, else the flag set at run time; a no-op if neither works. */
export const gc = exposeGc();

function exposeGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === "function") return g;
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  } catch {
    return () => undefined;
  }
}

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

// ---- outcome of one side -------------------------------------------------------------------------------------

interface Outcome {
  packets: Packet[];
  /** Error code of the refusal, undefined when every frame was accepted. */
  code?: string;
}

type Side = "server" | "client";

function toSide(frames: readonly FuzzFrame[], side: Side, flip: boolean): unknown[] {
  return frames.map((f) => {
    // engine.io-parser decodes an empty message ("4") to a message whose data is undefined, on both sides
    if (f === "") return undefined;
    if (typeof f === "string") return f;
    if (side === "server") return Buffer.from(f.buffer, f.byteOffset, f.byteLength);
    // engine.io-client hands ArrayBuffers (binaryType "arraybuffer"); apps may hand views
    return flip ? f.slice().buffer : new Uint8Array(f);
  });
}

// ---- normalisation (as codec-differential.test.ts, as one canonical string) ------------------------------------

function canon(value: unknown, depth = 0): string {
  if (depth > 200) return "<deep>";
  if (value === undefined) return "undefined";
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return Object.is(value, -0) ? "0" : String(value);
  if (value instanceof ArrayBuffer) return "bin:" + Buffer.from(value).toString("hex");
  if (ArrayBuffer.isView(value)) return "bin:" + Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex");
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return "[" + value.map((v) => canon(v, depth + 1)).join(",") + "]";
  if (typeof value === "object") {
    return "{" + Object.keys(value).map((k) => JSON.stringify(k) + ":" + canon((value as Record<string, unknown>)[k], depth + 1)).join(",") + "}";
  }
  return typeof value;
}

function canonPacket(p: { type: number; nsp?: string; id?: number; data?: unknown }): string {
  const type = p.type === PacketType.BINARY_EVENT ? PacketType.EVENT : p.type === PacketType.BINARY_ACK ? PacketType.ACK : p.type;
  const nsp = p.nsp === undefined || p.nsp === "" ? "/" : p.nsp;
  return `${type}|${nsp}|${p.id ?? ""}|${canon(p.data)}`;
}

function canonOutcome(o: Outcome): string {
  return o.packets.map(canonPacket).join("\n") + (o.code === undefined ? "" : `\n!${o.code}`);
}

export function describeFrames(frames: readonly FuzzFrame[]): string {
  const s = JSON.stringify(frames.map((f) => (typeof f === "string" ? (f.length > 400 ? f.slice(0, 400) + `…(${f.length})` : f) : { bin: Buffer.from(f).toString("hex").slice(0, 200) })));
  return s;
}

// ---- invariants on decoded packets -----------------------------------------------------------------------------

/** Returns what is wrong with a decoded packet, or undefined. */
function checkPacket(p: Packet): string | undefined {
  if (!(p.type >= 0 && p.type <= 4)) return `type ${p.type}`;
  if (typeof p.nsp !== "string" || !p.nsp.startsWith("/")) return `namespace ${String(p.nsp)}`;
  if (p.id !== undefined && !(Number.isInteger(p.id) && p.id >= 0 && p.id <= MAX_ACK_ID)) return `ack id ${p.id}`;
  const d = p.data;
  switch (p.type) {
    case PacketType.EVENT:
      if (!Array.isArray(d) || d.length === 0) return "event payload not a non-empty array";
      if (typeof d[0] !== "number" && (typeof d[0] !== "string" || RESERVED_EVENTS.has(d[0]))) return `event name ${canon(d[0])}`;
      break;
    case PacketType.ACK:
      if (p.id === undefined || !Array.isArray(d)) return "ack without id or array";
      break;
    case PacketType.CONNECT:
      if (d !== undefined && (d === null || typeof d !== "object" || Array.isArray(d))) return "connect payload not an object";
      break;
    case PacketType.DISCONNECT:
      if (d !== undefined) return "disconnect with payload";
  }
  return checkPrototypes(d, 0);
}

function checkPrototypes(value: unknown, depth: number): string | undefined {
  if (value === null || typeof value !== "object" || depth > 200) return undefined;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return undefined;
  const proto: unknown = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    if (proto !== Array.prototype) return "array with a foreign prototype";
    for (const v of value) {
      const bad = checkPrototypes(v, depth + 1);
      if (bad) return bad;
    }
    return undefined;
  }
  if (proto !== Object.prototype) return "object with a foreign prototype (prototype set from the wire)";
  for (const k of Object.keys(value)) {
    const bad = checkPrototypes((value as Record<string, unknown>)[k], depth + 1);
    if (bad) return bad;
  }
  return undefined;
}

const PROTO_NAMES = Object.getOwnPropertyNames(Object.prototype).join(",");
function pollution(): string | undefined {
  if (({} as Record<string, unknown>)["polluted"] !== undefined) return "({}).polluted is set";
  if (Object.getOwnPropertyNames(Object.prototype).join(",") !== PROTO_NAMES) return "Object.prototype changed";
  if (([] as unknown as Record<string, unknown>)["polluted"] !== undefined) return "Array.prototype polluted";
  return undefined;
}

// ---- the run ---------------------------------------------------------------------------------------------------

export function runFuzz(options: FuzzOptions): FuzzResult {
  const seed = (options.seed ?? DEFAULT_SEED) >>> 0;
  const budget = options.timeBudgetMs ?? Infinity;
  const heapBound = options.heapBoundBytes ?? DEFAULT_HEAP_BOUND;
  const log = options.log ?? (() => undefined);
  const gen = new Gen(seed);
  const theirEncoder = new TheirEncoder();
  // one long-lived decoder per side, as one connection has (reset after each input, as a closed connection is)
  const decoders: Record<Side, Decoder> = { server: new Decoder(), client: new Decoder() };

  const result: FuzzResult = {
    seed,
    count: 0,
    elapsedMs: 0,
    ratePerSec: 0,
    heapBefore: heapAfterGc(),
    heapAfter: 0,
    heapPeak: 0,
    categories: {},
    accepted: 0,
    refusedByCode: {},
    differentialChecked: 0,
    mutatedCompared: 0,
    divergences: 0,
    divergenceSamples: [],
    findings: [],
  };
  result.heapPeak = result.heapBefore;
  const findingsPerKind = new Map<string, number>();
  const find = (kind: FindingKind, index: number, message: string, frames: readonly FuzzFrame[]) => {
    const n = findingsPerKind.get(kind) ?? 0;
    findingsPerKind.set(kind, n + 1);
    if (n < 20) result.findings.push({ kind, index, message, frames: describeFrames(frames) });
  };

  const feed = (side: Side, frames: readonly FuzzFrame[], index: number, flip: boolean): Outcome => {
    const decoder = decoders[side];
    const out: Outcome = { packets: [] };
    try {
      for (const frame of toSide(frames, side, flip)) {
        const p = decoder.add(frame);
        if (p !== undefined) out.packets.push(p);
      }
    } catch (err) {
      if (!(err instanceof ProtocolError)) {
        find("escaped", index, `${side}: ${String((err as Error)?.stack ?? err)}`, frames);
        out.code = "<escaped>";
      } else {
        out.code = err.code;
        // the decoder turns internal exceptions into this one: each is a bug hidden by the catch-all
        if (err.message === "payload could not be decoded") find("masked", index, `${side}: internal exception masked as ${err.code}`, frames);
      }
    }
    decoder.reset();
    return out;
  };

  const start = performance.now();
  const progressEvery = Math.max(1, Math.floor(options.count / 10));
  let previous: FuzzFrame[] = ['2["e"]'];

  for (let index = 0; index < options.count; index++) {
    if ((index & 255) === 0 && performance.now() - start > budget) break;
    const t0 = performance.now();

    // ---- make one input
    let frames: FuzzFrame[];
    let category: string;
    let expectValid: "benign" | "hostile" | undefined;
    const roll = gen.float();
    if (roll < 0.3) {
      category = "valid";
      const packet = gen.packet(false);
      const useTheirs = gen.chance(0.3);
      frames = (useTheirs ? (theirEncoder.encode({ ...packet } as TheirPacket) as unknown[]) : encodePacket(packet)).map(asFuzzFrame);
      expectValid = frames.length - 1 <= 10 ? "benign" : undefined;
    } else if (roll < 0.4) {
      category = "valid-hostile";
      frames = encodePacket(gen.packet(true)).map(asFuzzFrame);
      expectValid = frames.length - 1 <= 10 && !(frames[0] as string).includes('"_placeholder"') ? "hostile" : undefined;
    } else if (roll < 0.75) {
      category = "mutated";
      const base = encodePacket(gen.packet(gen.chance(0.2))).map(asFuzzFrame);
      frames = gen.mutate(base, previous);
      previous = base;
    } else if (roll < 0.92) {
      category = "hostile";
      frames = gen.hostileFrames();
    } else {
      category = "garbage";
      frames = gen.garbage();
    }
    result.categories[category] = (result.categories[category] ?? 0) + 1;

    // ---- both sides
    const server = feed("server", frames, index, false);
    const client = feed("client", frames, index, (index & 1) === 1);
    const serverCanon = canonOutcome(server);
    if (canonOutcome(client) !== serverCanon) {
      find("sides", index, `server ${serverCanon.slice(0, 200)} / client ${canonOutcome(client).slice(0, 200)}`, frames);
    }
    if (server.code === undefined) result.accepted++;
    else result.refusedByCode[server.code] = (result.refusedByCode[server.code] ?? 0) + 1;
    for (const p of server.packets) {
      const bad = checkPacket(p);
      if (bad !== undefined) find("invariant", index, bad, frames);
    }

    // ---- differential against socket.io-parser
    if (expectValid !== undefined && (server.code !== undefined || server.packets.length !== 1)) {
      find("refused-valid", index, `refused with ${server.code}`, frames);
    } else if (expectValid === "benign" || (category === "mutated" && server.code === undefined && server.packets.length > 0)) {
      const theirs = theirDecode(frames);
      if (expectValid === "benign") {
        result.differentialChecked++;
        if (theirs.code !== undefined || canonOutcome(theirs) !== serverCanon) {
          find("differential", index, `ours ${serverCanon.slice(0, 300)} / theirs ${canonOutcome(theirs).slice(0, 300)}`, frames);
        }
      } else if (theirs.code === undefined && (result.mutatedCompared++, canonOutcome(theirs) !== serverCanon)) {
        result.divergences++;
        if (result.divergenceSamples.length < 5) result.divergenceSamples.push(`${describeFrames(frames)}: ours ${serverCanon.slice(0, 160)} / theirs ${canonOutcome(theirs).slice(0, 160)}`);
      }
    }

    const took = performance.now() - t0;
    if (took > SLOW_MS) {
      // a GC pause or a busy CPU can stall any one input: only an input that is slow again on its own is a finding
      const t1 = performance.now();
      feed("server", frames, index, false);
      const again = performance.now() - t1;
      if (again > SLOW_MS) find("slow", index, `${took.toFixed(0)} ms, then ${again.toFixed(0)} ms alone`, frames);
    }
    if ((index & 1023) === 0) {
      const bad = pollution();
      if (bad !== undefined) find("pollution", index, bad, frames);
      const heap = process.memoryUsage().heapUsed;
      if (heap > result.heapPeak) result.heapPeak = heap;
    }
    result.count = index + 1;
    if (result.count % progressEvery === 0) {
      const s = (performance.now() - start) / 1000;
      log(`  ${result.count} inputs, ${Math.round(result.count / s)}/s, heap ${mb(process.memoryUsage().heapUsed)}`);
    }
  }

  result.elapsedMs = performance.now() - start;
  result.ratePerSec = Math.round(result.count / (result.elapsedMs / 1000));
  const bad = pollution();
  if (bad !== undefined) find("pollution", result.count, bad, []);
  result.heapAfter = heapAfterGc();
  if (result.heapAfter - result.heapBefore > heapBound) {
    find("heap", result.count, `heap grew ${mb(result.heapAfter - result.heapBefore)} (bound ${mb(heapBound)})`, []);
  }
  return result;
}

function asFuzzFrame(f: unknown): FuzzFrame {
  if (typeof f === "string") return f;
  if (f instanceof ArrayBuffer) return new Uint8Array(f);
  if (ArrayBuffer.isView(f)) return new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
  throw new Error(`not a frame: ${String(f)}`);
}

/** socket.io-parser's decoder on the server-side frames (Buffers), fresh per input. */
function theirDecode(frames: readonly FuzzFrame[]): Outcome {
  const decoder = new TheirDecoder();
  const out: Outcome = { packets: [] };
  decoder.on("decoded", (p: TheirPacket) => out.packets.push(p as Packet));
  try {
    for (const f of toSide(frames, "server", false)) decoder.add(f);
  } catch (err) {
    out.code = String((err as Error)?.message ?? err);
  }
  decoder.destroy();
  return out;
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatResult(r: FuzzResult): string {
  const lines = [
    `seed ${r.seed} (0x${r.seed.toString(16)}): ${r.count} inputs in ${(r.elapsedMs / 1000).toFixed(1)} s = ${r.ratePerSec} inputs/s`,
    `categories ${JSON.stringify(r.categories)}`,
    `accepted ${r.accepted}, refused ${JSON.stringify(r.refusedByCode)}`,
    `differential vs socket.io-parser: ${r.differentialChecked} valid inputs compared; of ${r.mutatedCompared} mutated inputs both accept, ${r.divergences} decode differently`,
    ...r.divergenceSamples.map((s) => `  divergence: ${s}`),
    `heap before ${mb(r.heapBefore)}, after ${mb(r.heapAfter)} (peak sampled ${mb(r.heapPeak)})`,
    `findings: ${r.findings.length}`,
    ...r.findings.map((f) => `  [${f.kind}] #${f.index}: ${f.message}\n    input ${f.frames}`),
  ];
  return lines.join("\n");
}
