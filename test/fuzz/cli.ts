/**
 * `npm run fuzz` — node dist/test/fuzz/cli.js [seed] [count] [timeBudgetMs]
 * Env: FUZZ_SEED, FUZZ_COUNT (default 1 000 000), FUZZ_TIME_MS (default 300 000). Exit code 1 on any finding.
 */
import { DEFAULT_SEED, formatResult, runFuzz } from "./fuzzer.js";

const [argSeed, argCount, argTime] = process.argv.slice(2);
const seed = Number(argSeed ?? process.env["FUZZ_SEED"] ?? DEFAULT_SEED);
const count = Number(argCount ?? process.env["FUZZ_COUNT"] ?? 1_000_000);
const timeBudgetMs = Number(argTime ?? process.env["FUZZ_TIME_MS"] ?? 300_000);
if (!Number.isFinite(seed) || !Number.isFinite(count) || !Number.isFinite(timeBudgetMs)) {
  console.error("usage: node dist/test/fuzz/cli.js [seed] [count] [timeBudgetMs]");
  process.exit(2);
}

console.log(`fuzzing the shared Decoder (server and client sides) — seed ${seed >>> 0}, ${count} inputs, budget ${timeBudgetMs} ms`);
const result = runFuzz({ seed, count, timeBudgetMs, log: (line) => console.log(line) });
console.log(formatResult(result));
if (result.count < count) console.log(`time budget reached after ${result.count} of ${count} inputs`);
process.exit(result.findings.length === 0 ? 0 : 1);
