/**
 * The Socket.IO typing corpus (test/types/socketio-corpus/*.ts) is socket.io v4's documented TypeScript usage, written
 * as an app that only changed its imports to "roomcast/server" and "roomcast/client". The normal build compiles it
 * against roomcast's sources (tsconfig.json `paths`); this test proves it is genuine socket.io code by compiling the
 * same files with those two specifiers mapped to the official socket.io and socket.io-client typings, and compiles it
 * once more against roomcast's emitted declarations (dist/**.d.ts, what a user installs). Both must give zero errors:
 * every `@ts-expect-error` in the corpus must then be an error in both worlds.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const corpusDir = join(root, "test/types/socketio-corpus");
const require = createRequire(join(root, "package.json"));

/** The corpus files, sorted (each is self-contained: it imports only roomcast/server, roomcast/client, roomcast/admin-ui and node:*). */
function corpusFiles(): string[] {
  return readdirSync(corpusDir)
    .filter((f) => f.endsWith(".ts"))
    .sort()
    .map((f) => join(corpusDir, f));
}

/** Type-checks the corpus with "roomcast/server" and "roomcast/client" resolved to the given declaration files. */
function check(server: string, client: string, adminUi: string): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    types: ["node"],
    typeRoots: [join(root, "node_modules/@types")],
    strict: true,
    noUncheckedIndexedAccess: true,
    noEmit: true,
    skipLibCheck: true,
    baseUrl: root,
    paths: { "roomcast/server": [server], "roomcast/client": [client], "roomcast/admin-ui": [adminUi] },
  };
  const program = ts.createProgram(corpusFiles(), options);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (d.file === undefined || d.start === undefined) return `TS${d.code}: ${text}`;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${d.file.fileName.slice(root.length + 1)}:${line + 1}:${character + 1} TS${d.code}: ${text}`;
  });
}

/** The `types` entry a package resolves to for an ESM import (socket.io-client's exports map, socket.io's `types`). */
function officialTypes(pkg: string, types: string): string {
  const file = join(dirname(require.resolve(`${pkg}/package.json`)), types);
  assert.ok(existsSync(file), `${file} exists`);
  return file;
}

describe("types: the Socket.IO typing corpus", { timeout: 120_000 }, () => {
  it("has files, each importing only roomcast/server, roomcast/client, roomcast/admin-ui or node: modules", () => {
    const files = corpusFiles();
    assert.ok(files.length >= 8, `${files.length} corpus files`);
    for (const file of files) {
      const source = ts.createSourceFile(file, ts.sys.readFile(file) ?? "", ts.ScriptTarget.ES2022);
      for (const statement of source.statements) {
        if (!ts.isImportDeclaration(statement) && !ts.isExportDeclaration(statement)) continue;
        const spec = statement.moduleSpecifier;
        if (spec === undefined || !ts.isStringLiteral(spec)) continue;
        assert.match(spec.text, /^(roomcast\/(server|client|admin-ui)|node:\w+)$/, `${file}: import of ${spec.text}`);
      }
    }
  });

  it("type-checks against socket.io and socket.io-client (it is socket.io code)", () => {
    const errors = check(
      officialTypes("socket.io", "dist/index.d.ts"),
      officialTypes("socket.io-client", "build/esm/index.d.ts"),
      officialTypes("@socket.io/admin-ui", "dist/index.d.ts"),
    );
    assert.deepEqual(errors, []);
  });

  it("type-checks against roomcast's emitted declarations", () => {
    const server = join(root, "dist/server/index.d.ts");
    const client = join(root, "dist/client/index.d.ts");
    assert.ok(existsSync(server) && existsSync(client), "built (npx tsc -p tsconfig.json)");
    const adminUi = join(root, "dist/server/admin-ui.d.ts");
    assert.deepEqual(check(server, client, adminUi), []);
  });
});
