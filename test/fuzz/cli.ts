/**
 * `npm run fuzz` — node --expose-gc dist/test/fuzz/cli.js [--target codec|websocket|all] [seed] [count] [timeBudgetMs]
 *   codec: the shared Decoder (./fuzzer.ts); websocket: the frame reader against ws's Receiver (./ws-fuzzer.ts);
 *   all (default): both, each with `count` inputs and its own time budget.
 *   --case N (websocket): replays case N of the run seeded `seed`, both readers' events side by side.
 * Env: FUZZ_TARGET, FUZZ_SEED, FUZZ_COUNT (default 1 000 000), FUZZ_TIME_MS (default 300 000 per target).
 * Exit code 1 on any finding.
 */
import { DEFAULT_SEED, formatResult, runFuzz } from "./fuzzer.js";
import { formatWsResult, replayWsCase, runWsFuzz } from "./ws-fuzzer.js";

const TARGETS = ["codec", "websocket", "all"] as const;
type Target = (typeof TARGETS)[number];

const usage = (): never => {
  console.error("usage: node --expose-gc dist/test/fuzz/cli.js [--target codec|websocket|all] [--case N] [seed] [count] [timeBudgetMs]");
  process.exit(2);
};

const positional: string[] = [];
let target: string = process.env["FUZZ_TARGET"] ?? "all";
let replay: number | undefined;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  const [flag, inline] = arg.startsWith("--") ? (arg.split("=", 2) as [string, string | undefined]) : [arg, undefined];
  if (flag === "--target" || flag === "--case") {
    const value = inline ?? args[++i] ?? usage();
    if (flag === "--target") target = value;
    else replay = Number(value);
  } else if (arg.startsWith("--")) usage();
  else positional.push(arg);
}
const [argSeed, argCount, argTime] = positional;
const seed = Number(argSeed ?? process.env["FUZZ_SEED"] ?? DEFAULT_SEED);
const count = Number(argCount ?? process.env["FUZZ_COUNT"] ?? 1_000_000);
const timeBudgetMs = Number(argTime ?? process.env["FUZZ_TIME_MS"] ?? 300_000);
if (!TARGETS.includes(target as Target) || !Number.isFinite(seed) || !Number.isFinite(count) || !Number.isFinite(timeBudgetMs)) usage();
if (replay !== undefined && !Number.isInteger(replay)) usage();

if (replay !== undefined) {
  console.log(await replayWsCase(seed, replay));
  process.exit(0);
}

let findings = 0;
if (target === "codec" || target === "all") {
  console.log(`fuzzing the shared Decoder (server and client sides) — seed ${seed >>> 0}, ${count} inputs, budget ${timeBudgetMs} ms`);
  const result = runFuzz({ seed, count, timeBudgetMs, log: (line) => console.log(line) });
  console.log(formatResult(result));
  if (result.count < count) console.log(`time budget reached after ${result.count} of ${count} inputs`);
  findings += result.findings.length;
}
if (target === "websocket" || target === "all") {
  console.log(`fuzzing the WebSocket frame reader against ws's Receiver — seed ${seed >>> 0}, ${count} cases, budget ${timeBudgetMs} ms`);
  const result = await runWsFuzz({ seed, count, timeBudgetMs, log: (line) => console.log(line) });
  console.log(formatWsResult(result));
  if (result.count < count) console.log(`time budget reached after ${result.count} of ${count} cases`);
  findings += result.findings.length;
}
process.exit(findings === 0 ? 0 : 1);
