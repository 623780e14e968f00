/**
 * CI slice of the codec fuzzer (`npm run fuzz` runs 1 000 000 inputs): 20 000 inputs with a fixed seed, both
 * sides' decoders, differential against socket.io-parser on the valid ones. Any finding fails with its input.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_SEED, formatResult, runFuzz } from "./fuzzer.js";

const COUNT = 20_000;

describe("codec fuzzer (CI slice)", () => {
  it(`${COUNT} inputs, seed 0x${DEFAULT_SEED.toString(16)}: only ProtocolErrors, same outcome on both sides, same packets as socket.io-parser, bounded heap`, { timeout: 30_000 }, () => {
    const result = runFuzz({ seed: DEFAULT_SEED, count: COUNT, timeBudgetMs: 20_000 });
    const report = formatResult(result);
    assert.equal(result.count, COUNT, `time budget ran out:\n${report}`);
    assert.deepEqual(result.findings, [], report);
    // the generator really reaches both accepting and refusing paths, and the differential really ran
    assert.ok(result.differentialChecked > COUNT / 5, report);
    assert.ok(result.accepted > COUNT / 4 && Object.keys(result.refusedByCode).length >= 10, report);
  });
});
