// Type checks each side against its own platform (run by `npm run build`, beside the emitting tsc): shared/ with
// ES2022 only (+ shared/platform.d.ts), client/ with ES2022 + DOM, server/ with ES2022 + @types/node — each side's
// tsconfig.json. A shared file using `process` or `document`, a server file using `document` or importing from
// client/ fails here (the emitting build, which sees DOM and Node together, would accept them).
import { fileURLToPath } from "node:url";
import ts from "typescript";

export const SIDES = ["shared", "client", "server"];
const root = fileURLToPath(new URL("../", import.meta.url));

/** Diagnostics of one side's program (none when it is clean). */
export function checkSide(configPath) {
  const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (config === undefined) throw new Error(`cannot read ${configPath}`);
  if (config.errors.length > 0) return config.errors;
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options, projectReferences: config.projectReferences });
  return ts.getPreEmitDiagnostics(program);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let failed = 0;
  for (const side of SIDES) {
    const diagnostics = checkSide(`${root}${side}/tsconfig.json`);
    failed += diagnostics.length;
    if (diagnostics.length > 0) {
      console.error(`${side}/tsconfig.json:`);
      const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => "\n" };
      const format = process.stderr.isTTY ? ts.formatDiagnosticsWithColorAndContext : ts.formatDiagnostics;
      console.error(format(diagnostics, host));
    }
  }
  if (failed > 0) process.exitCode = 1;
}
