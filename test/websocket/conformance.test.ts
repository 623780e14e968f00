/**
 * The conformance table (cases.ts) against the pure frame reader: every case is fed to a FrameReader that records
 * what it reports, in one chunk, split in two at every byte boundary, and one byte at a time (long cases: at
 * sampled boundaries, chunkings.ts), and must report exactly the case's events every time. Then two sweeps the
 * table cannot hold: every close code, and every 1- and 2-byte sequence plus the 3- and 4-byte lead/second-byte
 * plane as text, against an RFC 3629 validator written here.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { FrameReader, readerLimits, WebSocketErrorCode as Err, WebSocketProtocolError } from "../../server/engine/websocket/reader.js";
import { cases, type Category, type Limits } from "./cases.js";
import { chunks, pureChunkings } from "./chunkings.js";
import { E, OP, messageEvent } from "./wire.js";

/** A FrameReader that writes down what it reports, one line per event (wire.ts's format). */
class RecordingReader extends FrameReader {
  readonly events: string[] = [];
  feed(chunk: Buffer): void {
    this.read(chunk);
  }
  get isReading(): boolean {
    return this.reading;
  }
  protected override onMessage(data: Buffer, binary: boolean): void {
    this.events.push(messageEvent(data, binary));
  }
  protected override onPing(payload: Buffer): void {
    this.events.push(E.ping(Buffer.from(payload)));
  }
  protected override onPong(payload: Buffer): void {
    this.events.push(E.pong(Buffer.from(payload)));
  }
  protected override onCloseFrame(code: number, reason: Buffer): void {
    this.events.push(E.close(code, reason));
  }
  protected override onProtocolError(err: WebSocketProtocolError): void {
    assert.ok(err instanceof WebSocketProtocolError);
    this.events.push(E.fail(err.closeCode, err.code));
  }
}

function feed(bytes: Buffer, cuts: readonly number[], limits: Limits): RecordingReader {
  const reader = new RecordingReader(readerLimits(limits.maxPayload, limits.maxFragments));
  for (const chunk of chunks(bytes, cuts)) reader.feed(chunk);
  return reader;
}

/** `deepEqual`, with a cheap first look (it runs a few hundred thousand times). */
function sameEvents(got: string[], expected: string[], where: string): void {
  if (got.length !== expected.length || got.some((e, i) => e !== expected[i])) assert.deepEqual(got, expected, where);
}

const categories = [...new Set(cases.map((c) => c.category))] as Category[];

for (const category of categories) {
  describe(`conformance, pure reader, every chunking: ${category}`, () => {
    for (const c of cases.filter((k) => k.category === category)) {
      const how = c.sampled ? " [long: split around every sampled header and at sampled payload offsets]" : "";
      test(`${c.id} ${c.name}${how}`, () => {
        let chunkings = 0;
        for (const chunking of pureChunkings(c)) {
          const reader = feed(c.bytes, chunking.cuts, c.limits);
          const where = `case ${c.id}, ${chunking.name}`;
          sameEvents(reader.events, c.events, where);
          // open: still reading, and nothing held unless the stream stopped inside a message; closed or failed:
          // reading stopped and every buffer let go
          assert.equal(reader.isReading, c.end === "open", where);
          if (c.unfinished) assert.ok(reader.bufferedIncoming > 0, where);
          else assert.equal(reader.bufferedIncoming, 0, where);
          chunkings++;
        }
        const n = c.bytes.length;
        assert.ok(c.sampled || n < 2 || chunkings === n + 1, `case ${c.id}: ${chunkings} chunkings of ${n} bytes`);
      });
    }
  });
}

describe("conformance, pure reader: sweeps", () => {
  const KEY = [0x9e, 0x01, 0x5c, 0xa7] as const;

  /** Masked final frames of one opcode each, written straight into one buffer (the sweeps build a few hundred thousand). */
  function framesOf(parts: Array<[opcode: number, payload: Buffer]>): Buffer {
    const out = Buffer.allocUnsafe(parts.reduce((n, [, p]) => n + 6 + p.length, 0));
    let o = 0;
    for (const [i, [opcode, payload]] of parts.entries()) {
      out[o++] = (i === parts.length - 1 ? 0x80 : 0) | opcode;
      out[o++] = 0x80 | payload.length;
      for (const k of KEY) out[o++] = k;
      for (let j = 0; j < payload.length; j++) out[o++] = payload[j]! ^ KEY[j & 3]!;
    }
    return out;
  }

  test("close codes 0-65535 (one chunk each; the table's codes in every chunking): 1000-1003, 1007-1014 and 3000-4999 are accepted, every other fails with 1002", () => {
    const valid = (code: number): boolean => (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
    const payload = Buffer.from([0, 0, 0x6f, 0x6b]); // code, "ok"
    const failed = [E.fail(1002, Err.WS_BAD_CLOSE_FRAME)];
    let accepted = 0;
    for (let code = 0; code <= 0xffff; code++) {
      payload.writeUInt16BE(code);
      const expected = valid(code) ? [`close ${code} "ok"`] : failed;
      sameEvents(feed(framesOf([[OP.close, payload]]), [], { maxPayload: 0 }).events, expected, `close code ${code}`);
      if (valid(code)) accepted++;
    }
    assert.equal(accepted, 4 + 8 + 2000);
  });

  /** RFC 3629 §4's UTF8-octets syntax, written out: the oracle the reader's verdicts are checked against. */
  function isUtf8Rfc3629(b: Uint8Array): boolean {
    for (let i = 0; i < b.length; ) {
      const c = b[i]!;
      if (c < 0x80) {
        i++;
        continue;
      }
      let tail: number;
      let lo = 0x80;
      let hi = 0xbf;
      if (c >= 0xc2 && c <= 0xdf) tail = 1;
      else if (c >= 0xe0 && c <= 0xef) {
        tail = 2;
        if (c === 0xe0) lo = 0xa0; // no overlong 3-byte forms
        if (c === 0xed) hi = 0x9f; // no surrogates
      } else if (c >= 0xf0 && c <= 0xf4) {
        tail = 3;
        if (c === 0xf0) lo = 0x90; // no overlong 4-byte forms
        if (c === 0xf4) hi = 0x8f; // nothing over U+10FFFF
      } else return false;
      if (i + tail >= b.length) return false;
      if (b[i + 1]! < lo || b[i + 1]! > hi) return false;
      for (let k = 2; k <= tail; k++) if ((b[i + k]! & 0xc0) !== 0x80) return false;
      i += tail + 1;
    }
    return true;
  }

  /**
   * Checks one byte sequence as a text message, in one frame and in one-byte fragments (each fed in one chunk: the
   * table's sequences are fed in every chunking).
   */
  function checkText(seq: Buffer): boolean {
    const valid = isUtf8Rfc3629(seq);
    const expected = [valid ? E.text(seq) : E.fail(1007, Err.WS_INVALID_UTF8)];
    sameEvents(feed(framesOf([[OP.text, seq]]), [], { maxPayload: 0 }).events, expected, `${seq.toString("hex")} in one frame`);
    const fragments: Array<[number, Buffer]> = [...seq].map((b, i) => [i === 0 ? OP.text : OP.continuation, Buffer.from([b])]);
    if (seq.length === 1) fragments.push([OP.continuation, Buffer.alloc(0)]);
    sameEvents(feed(framesOf(fragments), [], { maxPayload: 0 }).events, expected, `${seq.toString("hex")} one byte per fragment`);
    return valid;
  }

  test("every 1- and 2-byte sequence as text (65,792 messages, whole and one byte per fragment) agrees with RFC 3629", () => {
    let valid = 0;
    for (let a = 0; a < 256; a++) {
      if (checkText(Buffer.from([a]))) valid++;
      for (let b = 0; b < 256; b++) if (checkText(Buffer.from([a, b]))) valid++;
    }
    // 1 byte: 00-7F; 2 bytes: ASCII pairs (128 × 128) and C2-DF + 80-BF (30 × 64)
    assert.equal(valid, 128 + 128 * 128 + 30 * 64);
  });

  test("3- and 4-byte sequences: every lead E0-F7 with every second byte and sampled later bytes agrees with RFC 3629", () => {
    const later = [0x7f, 0x80, 0xbf, 0xc0];
    let valid = 0;
    let checked = 0;
    for (let lead = 0xe0; lead <= 0xf7; lead++) {
      for (let second = 0; second < 256; second++) {
        for (const third of later) {
          checked++;
          if (checkText(Buffer.from([lead, second, third]))) valid++;
          if (lead < 0xf0) continue;
          if (third !== 0x80 && third !== 0xbf) continue;
          for (const fourth of [0x7f, 0x80, 0xbf, 0xc0]) {
            checked++;
            if (checkText(Buffer.from([lead, second, third, fourth]))) valid++;
          }
        }
      }
    }
    assert.ok(valid > 0 && valid < checked, `${valid} of ${checked} valid`);
  });
});
