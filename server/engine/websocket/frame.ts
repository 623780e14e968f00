/**
 * RFC 6455 framing, server side: frame headers for what we send (unmasked, final, no extension bits) and the
 * close codes and limits the reader enforces.
 */

export const OPCODE_CONTINUATION = 0x0;
export const OPCODE_TEXT = 0x1;
export const OPCODE_BINARY = 0x2;
export const OPCODE_CLOSE = 0x8;
export const OPCODE_PING = 0x9;
export const OPCODE_PONG = 0xa;

/** Close codes (RFC 6455 §7.4.1) the reader sends when it fails a connection. */
export const CLOSE_NORMAL = 1000;
export const CLOSE_PROTOCOL_ERROR = 1002;
export const CLOSE_INVALID_PAYLOAD = 1007;
export const CLOSE_POLICY_VIOLATION = 1008;
export const CLOSE_TOO_BIG = 1009;

/** Largest payload of a control frame (close, ping, pong). */
export const MAX_CONTROL_PAYLOAD = 125;

/** Whether a close code received from a peer may appear on the wire (RFC 6455 §7.4, IANA registry). */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

function headerLength(payloadLength: number): number {
  return payloadLength < 126 ? 2 : payloadLength < 65536 ? 4 : 10;
}

/** Writes a final, unmasked frame header for `opcode` and `payloadLength` at the start of `into`. */
function writeHeader(into: Buffer, opcode: number, payloadLength: number): void {
  into[0] = 0x80 | opcode;
  if (payloadLength < 126) {
    into[1] = payloadLength;
  } else if (payloadLength < 65536) {
    into[1] = 126;
    into.writeUInt16BE(payloadLength, 2);
  } else {
    into[1] = 127;
    into.writeUInt32BE(Math.floor(payloadLength / 2 ** 32), 2);
    into.writeUInt32BE(payloadLength >>> 0, 6);
  }
}

/** One buffer holding a whole text frame: header and UTF-8 payload, written with a single `write`. */
export function textFrameBuffer(text: string): Buffer {
  const length = Buffer.byteLength(text, "utf8");
  const offset = headerLength(length);
  const frame = Buffer.allocUnsafe(offset + length);
  writeHeader(frame, OPCODE_TEXT, length);
  frame.write(text, offset, "utf8");
  return frame;
}

/** Payloads up to this size are copied behind their header (one write); larger ones go as header + payload. */
const COPY_LIMIT = 16 * 1024;

/** A frame carrying `payload` as one or two buffers (header and payload, to avoid copying a large payload). */
export function binaryFrame(opcode: number, payload: Uint8Array): Buffer[] {
  const length = payload.byteLength;
  const offset = headerLength(length);
  if (length <= COPY_LIMIT) {
    const frame = Buffer.allocUnsafe(offset + length);
    writeHeader(frame, opcode, length);
    frame.set(payload, offset);
    return [frame];
  }
  const header = Buffer.allocUnsafe(offset);
  writeHeader(header, opcode, length);
  return [header, Buffer.from(payload.buffer, payload.byteOffset, length)];
}

/** A close frame: empty when `code` is undefined, else the code and an optional UTF-8 reason (≤ 123 bytes). */
export function closeFrame(code: number | undefined, reason = ""): Buffer {
  if (code === undefined) return Buffer.from([0x80 | OPCODE_CLOSE, 0]);
  const reasonBytes = Buffer.from(reason, "utf8").subarray(0, MAX_CONTROL_PAYLOAD - 2);
  const frame = Buffer.allocUnsafe(4 + reasonBytes.length);
  writeHeader(frame, OPCODE_CLOSE, 2 + reasonBytes.length);
  frame.writeUInt16BE(code, 2);
  reasonBytes.copy(frame, 4);
  return frame;
}

/** XORs `data` in place with the 4-byte `mask` found at `maskOffset` of `source`. */
export function unmask(data: Buffer, source: Buffer, maskOffset: number): void {
  const m0 = source[maskOffset]!;
  const m1 = source[maskOffset + 1]!;
  const m2 = source[maskOffset + 2]!;
  const m3 = source[maskOffset + 3]!;
  const n = data.length;
  const whole = n & ~3;
  let i = 0;
  for (; i < whole; i += 4) {
    data[i] = data[i]! ^ m0;
    data[i + 1] = data[i + 1]! ^ m1;
    data[i + 2] = data[i + 2]! ^ m2;
    data[i + 3] = data[i + 3]! ^ m3;
  }
  // at most 3 bytes left, starting at a multiple of 4
  if (i < n) data[i] = data[i]! ^ m0;
  if (i + 1 < n) data[i + 1] = data[i + 1]! ^ m1;
  if (i + 2 < n) data[i + 2] = data[i + 2]! ^ m2;
}
