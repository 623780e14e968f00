/**
 * Export-name parity: every name a socket.io v4 app imports from "socket.io" exists in "roomcast/server", and every
 * name from "socket.io-client" in "roomcast/client" — the values an ESM import sees at run time, and the names
 * (values and types) the packages' declarations export, read with the TypeScript compiler from the official
 * packages' .d.ts and from roomcast's emitted .d.ts. Intentional differences are listed, each with its reason.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const require = createRequire(join(root, "package.json"));
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

/** Names socket.io exports that roomcast does not, and why (none today: an entry here must say why it cannot exist). */
const SERVER_ALLOWED_MISSING: Record<string, string> = {};

/** Names socket.io-client exports that roomcast does not, and why. */
const CLIENT_ALLOWED_MISSING: Record<string, string> = {};

/** The names a declaration file exports (values and types), as the compiler resolves them. */
function declaredExports(file: string): string[] {
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: ["node"],
    typeRoots: [join(root, "node_modules/@types")],
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  assert.ok(source, `${file} is in the program`);
  const symbol = checker.getSymbolAtLocation(source);
  assert.ok(symbol, `${file} is a module`);
  return checker.getExportsOfModule(symbol).map((s) => s.name).sort();
}

function missing(official: string[], ours: string[], allowed: Record<string, string>): string[] {
  const have = new Set(ours);
  return official.filter((name) => !have.has(name) && !(name in allowed));
}

describe("types: export names match socket.io's and socket.io-client's", () => {
  it("roomcast/server has every run-time export of socket.io (ESM)", async () => {
    const official = Object.keys(await import("socket.io")).sort();
    assert.ok(official.includes("Server"), `socket.io exports ${official.join(", ")}`);
    const ours = Object.keys(await import(pathToFileURL(join(root, "dist/server/index.js")).href));
    assert.deepEqual(missing(official, ours, SERVER_ALLOWED_MISSING), []);
  });

  it("roomcast/client has every run-time export of socket.io-client (ESM)", async () => {
    const official = Object.keys(await import("socket.io-client")).sort();
    assert.ok(official.includes("io") && official.includes("default"), `socket.io-client exports ${official.join(", ")}`);
    const ours = Object.keys(await import(pathToFileURL(join(root, "dist/client/index.js")).href));
    assert.deepEqual(missing(official, ours, CLIENT_ALLOWED_MISSING), []);
  });

  it("roomcast/server's declarations export every name socket.io's do (values and types)", () => {
    const official = declaredExports(join(packageDir("socket.io"), "dist/index.d.ts"));
    for (const name of ["Server", "Namespace", "Socket", "RemoteSocket", "BroadcastOperator", "ServerOptions", "Event"]) {
      assert.ok(official.includes(name), `socket.io declares ${name}`);
    }
    const ours = declaredExports(join(root, "dist/server/index.d.ts"));
    assert.deepEqual(missing(official, ours, SERVER_ALLOWED_MISSING), []);
  });

  it("roomcast/client's declarations export every name socket.io-client's do (values and types)", () => {
    const official = declaredExports(join(packageDir("socket.io-client"), "build/esm/index.d.ts"));
    for (const name of ["io", "connect", "default", "Manager", "Socket", "ManagerOptions", "SocketOptions", "protocol"]) {
      assert.ok(official.includes(name), `socket.io-client declares ${name}`);
    }
    const ours = declaredExports(join(root, "dist/client/index.d.ts"));
    assert.deepEqual(missing(official, ours, CLIENT_ALLOWED_MISSING), []);
  });

  it("every allowed difference is still a difference (no stale entry)", () => {
    const server = declaredExports(join(root, "dist/server/index.d.ts"));
    const client = declaredExports(join(root, "dist/client/index.d.ts"));
    for (const name of Object.keys(SERVER_ALLOWED_MISSING)) assert.ok(!server.includes(name), `roomcast/server now exports ${name}`);
    for (const name of Object.keys(CLIENT_ALLOWED_MISSING)) assert.ok(!client.includes(name), `roomcast/client now exports ${name}`);
  });
});
