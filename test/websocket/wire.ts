/**
 * The conformance suite's vocabulary: client frames built byte by byte (masked unless told otherwise, with any
 * header a client could send, right or wrong), and the events a frame reader reports written as one line each, so
 * that an expected event list and a recorded one compare with `deepEqual` and print readably when they differ.
 */
import { createHash } from "node:crypto";
import { clientFrame, type ClientFrameOptions } from "../helpers/raw-websocket.js";

const EMPTY = Buffer.alloc(0);

export const OP = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/**
 * The shared `clientFrame`'s options, with the MASK bit named `masked` (default true: every client frame must be
 * masked, §5.3) and `key` defaulting to the next of a deterministic sequence, so every frame has a different one.
 */
export type FrameOptions = Omit<ClientFrameOptions, "mask"> & { masked?: boolean };

let keyCount = 0;
/** Masking keys that differ in every byte from one frame to the next (deterministic: the table is the same each run). */
function nextKey(): [number, number, number, number] {
  const k = keyCount++;
  return [(k * 73 + 0x5a) & 255, (k * 151 + 0x3c) & 255, (k * 199 + 0xe1) & 255, (k * 37 + 0x07) & 255];
}

/** One client frame: header, masking key and masked payload (the helpers' `clientFrame`, with a fresh key each). */
export function frame(opcode: number, payload: Buffer | string = EMPTY, o: FrameOptions = {}): Buffer {
  const { masked, key, ...rest } = o;
  return clientFrame(opcode, payload, { ...rest, mask: masked !== false, key: masked === false ? undefined : (key ?? nextKey()) });
}

/** A close frame's payload: nothing without a code, else the code and the reason's bytes. */
export function closePayload(code?: number, reason: Buffer | string = EMPTY): Buffer {
  if (code === undefined) return EMPTY;
  const head = Buffer.alloc(2);
  head.writeUInt16BE(code);
  return Buffer.concat([head, typeof reason === "string" ? Buffer.from(reason, "utf8") : reason]);
}

/** Client frames by kind. */
export const F = {
  text: (p: Buffer | string, o?: FrameOptions) => frame(OP.text, p, o),
  binary: (p: Buffer, o?: FrameOptions) => frame(OP.binary, p, o),
  cont: (p: Buffer | string, o?: FrameOptions) => frame(OP.continuation, p, o),
  ping: (p: Buffer | string = EMPTY, o?: FrameOptions) => frame(OP.ping, p, o),
  pong: (p: Buffer | string = EMPTY, o?: FrameOptions) => frame(OP.pong, p, o),
  close: (code?: number, reason?: Buffer | string, o?: FrameOptions) => frame(OP.close, closePayload(code, reason), o),
};

/** Messages longer than this are written as their length and a digest, not their bytes. */
const SHOWN = 256;

/** One delivered message as a line: `text "…"` or `binary <hex>`, or its size and SHA-256 when it is long. */
export function messageEvent(data: Buffer, binary: boolean): string {
  const kind = binary ? "binary" : "text";
  if (data.length > SHOWN) return `${kind} ${data.length} bytes sha256:${createHash("sha256").update(data).digest("hex").slice(0, 24)}`;
  return binary ? `binary ${data.toString("hex")}` : `text ${JSON.stringify(data.toString("utf8"))}`;
}

const bytes = (p: Buffer | string): Buffer => (typeof p === "string" ? Buffer.from(p, "utf8") : p);

/** Expected events, one line each (what the recording reader writes for what it is told). */
export const E = {
  text: (data: Buffer | string) => messageEvent(bytes(data), false),
  binary: (data: Buffer) => messageEvent(data, true),
  ping: (payload: Buffer | string = EMPTY) => `ping ${bytes(payload).toString("hex")}`,
  pong: (payload: Buffer | string = EMPTY) => `pong ${bytes(payload).toString("hex")}`,
  /** The peer's close frame: its code (1005 when it had none) and reason. */
  close: (code: number, reason: Buffer | string = EMPTY) => `close ${code} ${JSON.stringify(bytes(reason).toString("utf8"))}`,
  /** The connection failed: the close code sent and the error's `code`. */
  fail: (closeCode: number, code: string) => `fail ${closeCode} ${code}`,
};

export const isMessage = (event: string): boolean => event.startsWith("text ") || event.startsWith("binary ");

/** `n` bytes of valid UTF-8 mixing 1-, 2-, 3- and 4-byte code points ("aé€😀" repeated, then ASCII). */
export function utf8Text(n: number): Buffer {
  const unit = "aé€😀"; // 1 + 2 + 3 + 4 = 10 bytes
  return Buffer.from(unit.repeat(Math.floor(n / 10)) + "x".repeat(n % 10), "utf8");
}

/** `n` bytes of binary, every byte value occurring (`seed` shifts the pattern). */
export function binaryData(n: number, seed = 0): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 167 + seed) & 255;
  return b;
}
