/**
 * The per-side type checks (shared/, client/, server/ tsconfig.json, run by `npm run build` through
 * scripts/check-sides.mjs): each side compiles against its own platform only — shared/ against ES2022 and the few
 * globals of shared/platform.d.ts, client/ against ES2022 + DOM, server/ against ES2022 + @types/node — and may import
 * only itself and shared/. Proven with the compiler on a one-file probe per side (the side's own options, the probe
 * placed in the side's folder in memory) holding a forbidden use, and on the real sides, which must be clean.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
type Side = "shared" | "client" | "server";

function sideConfig(side: Side): ts.ParsedCommandLine {
  const host: ts.ParseConfigFileHost = {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, "\n")),
  };
  const config = ts.getParsedCommandLineOfConfigFile(join(root, side, "tsconfig.json"), {}, host);
  assert.ok(config, `${side}/tsconfig.json`);
  assert.deepEqual(config.errors, []);
  return config;
}

function describeAll(diagnostics: readonly ts.Diagnostic[]): string[] {
  return diagnostics.map((d) => {
    const where = d.file ? `${d.file.fileName.slice(root.length + 1)}: ` : "";
    return `${where}TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
}

/**
 * Diagnostics of a program of `side`'s options holding `code` as `<side>/sides-probe.ts` (in memory) and shared/'s
 * files (which every side may import).
 */
function probe(side: Side, code: string): string[] {
  const config = sideConfig(side);
  const probeFile = join(root, side, "sides-probe.ts");
  const host = ts.createCompilerHost(config.options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (fileName, version, ...rest) =>
    fileName === probeFile ? ts.createSourceFile(fileName, code, version) : getSourceFile.call(host, fileName, version, ...rest);
  host.fileExists = (fileName) => fileName === probeFile || fileExists.call(host, fileName);
  host.readFile = (fileName) => (fileName === probeFile ? code : readFile.call(host, fileName));
  const shared = config.fileNames.filter((f) => resolve(f).startsWith(join(root, "shared") + sep));
  const program = ts.createProgram({ rootNames: [probeFile, ...shared], options: config.options, host });
  return describeAll(ts.getPreEmitDiagnostics(program));
}

function assertFails(errors: string[], expected: RegExp): void {
  assert.ok(errors.some((e) => expected.test(e)), `expected ${expected}, got:\n${errors.join("\n")}`);
}

describe("types: each side compiles against its own platform", { timeout: 120_000 }, () => {
  it("shared/: ES2022 and platform.d.ts's globals (timers, queueMicrotask, Blob), no Node, no DOM, no other side", () => {
    assert.deepEqual(
      probe("shared", `import { isBinary } from "./binary.js";
        const timer = setTimeout(() => queueMicrotask(() => {}), 1); clearTimeout(timer);
        export const ok = isBinary(new Uint8Array(1)) && new Blob(["x"]) instanceof Blob;`),
      [],
    );
    // a global both runtimes have, but shared/ does not use yet: declared in platform.d.ts on purpose first
    assertFails(probe("shared", `export const d = new TextDecoder();`), /sides-probe\.ts: TS2304 Cannot find name 'TextDecoder'/);
    assertFails(probe("shared", `export const env = process.env;`), /sides-probe\.ts: TS\d+ Cannot find name 'process'/);
    assertFails(probe("shared", `export const b = Buffer.from("x");`), /sides-probe\.ts: TS\d+ Cannot find name 'Buffer'/);
    assertFails(probe("shared", `export const t = document.title;`), /sides-probe\.ts: TS\d+ Cannot find name 'document'/);
    assertFails(probe("shared", `export { io } from "../client/index.js";`), /TS6307 File '.*\/client\/index\.ts' is not listed/);
    assertFails(probe("shared", `export { Server } from "../server/index.js";`), /TS6307 File '.*\/server\/index\.ts' is not listed/);
  });

  it("client/: DOM and shared/, no Node, no server/", () => {
    assert.deepEqual(probe("client", `import { isBinary } from "../shared/binary.js"; export const t = isBinary(document.title);`), []);
    assertFails(probe("client", `export const env = process.env;`), /sides-probe\.ts: TS\d+ Cannot find name 'process'/);
    assertFails(probe("client", `import { readFileSync } from "node:fs"; export const r = readFileSync;`), /sides-probe\.ts: TS2307 Cannot find module 'node:fs'/);
    assertFails(probe("client", `export { Server } from "../server/index.js";`), /TS6307 File '.*\/server\/index\.ts' is not listed/);
  });

  it("server/: Node and shared/, no DOM, no client/", () => {
    assert.deepEqual(
      probe("server", `import { isBinary } from "../shared/binary.js"; export const b = isBinary(Buffer.from(process.argv[0] ?? ""));`),
      [],
    );
    assertFails(probe("server", `export const t = document.title;`), /sides-probe\.ts: TS\d+ Cannot find name 'document'/);
    assertFails(probe("server", `export const w = window.location;`), /sides-probe\.ts: TS\d+ Cannot find name 'window'/);
    assertFails(probe("server", `export { io } from "../client/index.js";`), /TS6307 File '.*\/client\/index\.ts' is not listed/);
  });

  for (const side of ["shared", "client", "server"] as const) {
    it(`the real ${side}/ compiles clean under ${side}/tsconfig.json`, () => {
      const config = sideConfig(side);
      const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
      assert.deepEqual(describeAll(ts.getPreEmitDiagnostics(program)), []);
    });
  }
});
