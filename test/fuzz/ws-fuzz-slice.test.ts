import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { WebSocketErrorCode } from "../../server/engine/websocket/reader.js";
import { DEFAULT_SEED } from "./fuzzer.js";
import { formatWsResult, runWsFuzz } from "./ws-fuzzer.js";

const COUNT = 40_000;

/** ws's protocol errors a server-side Receiver can raise (WS_ERR_UNEXPECTED_MASK is client-side only). */
const WS_CODES = [
  "WS_ERR_UNEXPECTED_RSV_1",
  "WS_ERR_UNEXPECTED_RSV_2_3",
  "WS_ERR_INVALID_OPCODE",
  "WS_ERR_EXPECTED_FIN",
  "WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH",
  "WS_ERR_EXPECTED_MASK",
  "WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH",
  "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH",
  "WS_ERR_TOO_MANY_BUFFERED_PARTS",
  "WS_ERR_INVALID_CLOSE_CODE",
  "WS_ERR_INVALID_UTF8",
];

describe("WebSocket frame-reader fuzzer (CI slice)", () => {
  it(`${COUNT} cases, seed 0x${DEFAULT_SEED.toString(16)}: roomcast's reader and ws's Receiver agree, built streams give their events, buffers and heap bounded`, { timeout: 60_000 }, async () => {
    const result = await runWsFuzz({ seed: DEFAULT_SEED, count: COUNT, timeBudgetMs: 45_000 });
    const report = formatWsResult(result);
    assert.equal(result.count, COUNT, `time budget ran out:\n${report}`);
    assert.deepEqual(result.findings, [], report);
    // every refusing path, on both sides: each error code, each close code a failure sends
    for (const code of Object.values(WebSocketErrorCode)) {
      if (code !== WebSocketErrorCode.WS_OUTGOING_BUFFER_FULL) assert.ok((result.ourCodes[code] ?? 0) > 0, `${code} never reached\n${report}`);
    }
    for (const code of WS_CODES) assert.ok((result.theirCodes[code] ?? 0) > 0, `${code} never reached\n${report}`);
    for (const close of ["1002", "1007", "1008", "1009"]) assert.ok((result.failures[close] ?? 0) > 0, `no failure with ${close}\n${report}`);
    // accepting paths: messages (fragmented ones completed), pings, pongs, close frames with and without a code
    assert.ok(result.messages > COUNT / 2 && result.fragmentedMessages > COUNT / 20, report);
    assert.ok(result.pings > 0 && result.pongs > 0, report);
    assert.ok((result.closeFrames["1005"] ?? 0) > 0 && Object.keys(result.closeFrames).length >= 16, report);
    assert.ok(result.oracleChecked > COUNT / 4, report);
    // control frames with a 16- or 64-bit length ≤ 125 are failed by both (RFC 6455 §5.2), and the heap batches ran
    assert.ok(result.longEncodedControl > 0, report);
    assert.ok(result.heap.batches >= 10 && result.heap.largestPerReader > 0, report);
  });
});
