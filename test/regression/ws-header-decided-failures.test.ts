/**
 * Regression: the frame reader checked a header only once its extended length had arrived (2 or 8 bytes after the
 * first two). A reserved opcode, a continuation with no message to continue, a new message inside a fragmented one
 * or a fragmented control frame, with the length marker 126 or 127, left the connection open when the peer sent
 * those two bytes and stopped (ws fails it at once); with a 64-bit length over 2^53 - 1 such a frame, or a ping or
 * close frame, was failed with 1009 (ERR_WS_TOO_BIG) instead of 1002. A close frame announcing a 1-byte payload
 * waited for that byte before failing. Found by the differential fuzzer against ws's Receiver (test/fuzz/ws-fuzzer.ts).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FrameReader, readerLimits, WebSocketErrorCode as Err, type WebSocketProtocolError } from "../../server/engine/websocket/reader.js";

class Reader extends FrameReader {
  readonly events: string[] = [];
  feed(bytes: number[]): this {
    this.read(Buffer.from(bytes));
    return this;
  }
  protected override onMessage(data: Buffer, binary: boolean): void {
    this.events.push(`${binary ? "binary" : "text"} ${data.toString("hex")}`);
  }
  protected override onPing(payload: Buffer): void {
    this.events.push(`ping ${payload.toString("hex")}`);
  }
  protected override onPong(payload: Buffer): void {
    this.events.push(`pong ${payload.toString("hex")}`);
  }
  protected override onCloseFrame(code: number): void {
    this.events.push(`close ${code}`);
  }
  protected override onProtocolError(err: WebSocketProtocolError): void {
    this.events.push(`fail ${err.closeCode} ${err.code}`);
  }
}

const MASK = [0x00, 0x00, 0x00, 0x00];
/** A 64-bit length field holding 2^64 - 1. */
const HUGE = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

describe("regression: what a header's first two bytes decide fails before its extended length arrives", () => {
  const twoBytes: Array<[string, number[], string]> = [
    ["reserved opcode 3, 16-bit length marker", [0x83, 0xfe], `fail 1002 ${Err.WS_UNKNOWN_OPCODE}`],
    ["reserved opcode 11, 64-bit length marker", [0x8b, 0xff], `fail 1002 ${Err.WS_UNKNOWN_OPCODE}`],
    ["continuation with no message to continue, 16-bit length marker", [0x80, 0xfe], `fail 1002 ${Err.WS_BAD_CONTINUATION}`],
    ["ping with FIN clear, 64-bit length marker", [0x09, 0xff], `fail 1002 ${Err.WS_BAD_CONTROL_FRAME}`],
    ["close frame announcing a 1-byte payload", [0x88, 0x81], `fail 1002 ${Err.WS_BAD_CLOSE_FRAME}`],
  ];
  for (const [what, bytes, expected] of twoBytes) {
    it(`${what}: failed from ${Buffer.from(bytes).toString("hex")} alone`, () => {
      assert.deepEqual(new Reader(readerLimits(1000)).feed(bytes).events, [expected]);
    });
  }

  it("a new message inside a fragmented one, 16-bit length marker: failed from its first two bytes", () => {
    const reader = new Reader(readerLimits(1000)).feed([0x01, 0x81, ...MASK, 0x61]).feed([0x82, 0xfe]);
    assert.deepEqual(reader.events, [`fail 1002 ${Err.WS_BAD_CONTINUATION}`]);
  });
});

describe("regression: a 64-bit length over 2^53 - 1 fails a control frame or a reserved opcode with 1002", () => {
  it("a ping: 1002 (not 1009)", () => {
    assert.deepEqual(new Reader(readerLimits(0)).feed([0x89, 0xff, ...HUGE]).events, [`fail 1002 ${Err.WS_BAD_CONTROL_FRAME}`]);
  });
  it("a close frame: 1002 (not 1009)", () => {
    assert.deepEqual(new Reader(readerLimits(0)).feed([0x88, 0xff, ...HUGE]).events, [`fail 1002 ${Err.WS_BAD_CONTROL_FRAME}`]);
  });
  it("reserved opcode 7: 1002 (not 1009)", () => {
    assert.deepEqual(new Reader(readerLimits(0)).feed([0x87, 0xff, ...HUGE]).events, [`fail 1002 ${Err.WS_UNKNOWN_OPCODE}`]);
  });
  it("unchanged: a binary frame stays 1009, with no maxPayload too", () => {
    assert.deepEqual(new Reader(readerLimits(0)).feed([0x82, 0xff, ...HUGE]).events, [`fail 1009 ${Err.WS_TOO_BIG}`]);
  });
  it("a ping whose 16-bit length field holds 3: 1002 from its first two bytes (not the minimal encoding, as ws)", () => {
    assert.deepEqual(new Reader(readerLimits(1000)).feed([0x89, 0xfe]).events, [`fail 1002 ${Err.WS_BAD_CONTROL_FRAME}`]);
    assert.deepEqual(new Reader(readerLimits(1000)).feed([0x89, 0xfe, 0x00, 0x03, ...MASK, 0x61, 0x62, 0x63]).events, [`fail 1002 ${Err.WS_BAD_CONTROL_FRAME}`]);
  });
});
