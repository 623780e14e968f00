/**
 * The server's layers run one way: the import graph of server/ (every import, type-only ones included) has no
 * cycle, and the object layers keep their order — Server above Namespace above Socket above the adapter and the
 * client session — so a packet is followed top-down by reading the files.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** Every .ts source file under `dir` (relative to the repo root). */
function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => join(dir, f).split("\\").join("/"))
    .sort();
}

/** file → the files of the same tree it imports (static imports, `import type`, re-exports and `import("…")` types). */
function importGraph(dir: string): Map<string, string[]> {
  const files = new Set(sources(dir));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(join(root, file), "utf8"), true, true);
    const targets: string[] = [];
    for (const ref of info.importedFiles) {
      if (!ref.fileName.startsWith(".")) continue;
      const target = relative(root, resolve(root, dirname(file), ref.fileName.replace(/\.js$/, ".ts"))).split("\\").join("/");
      if (files.has(target) && !targets.includes(target)) targets.push(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

/** The cycles of a graph, each as the list of files around it (Tarjan's strongly connected components). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indices.get(w)!));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return found;
}

/** Whether `from` reaches `to` by following imports. */
function reaches(graph: Map<string, string[]>, from: string, to: string): boolean {
  const seen = new Set<string>();
  const queue = [from];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (file === to) return true;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...(graph.get(file) ?? []));
  }
  return false;
}

describe("the import graph", () => {
  const server = importGraph("server");

  it("of server/ has no cycle, type-only imports included", () => {
    assert.ok(server.size > 40, "the scan found the server's files");
    assert.deepEqual(cycles(server), []);
  });

  it("of client/ and shared/ has no cycle either", () => {
    assert.deepEqual(cycles(importGraph("client")), []);
    assert.deepEqual(cycles(importGraph("shared")), []);
  });

  it("keeps the object layers in order: each reaches the ones below it, never one above", () => {
    const layers = ["server/server.ts", "server/namespace.ts", "server/socket.ts", "server/broadcast.ts", "server/adapter/adapter.ts"];
    for (let i = 0; i < layers.length; i++) {
      for (let j = 0; j < i; j++) {
        assert.ok(!reaches(server, layers[i]!, layers[j]!), `${layers[i]} must not import (even indirectly) ${layers[j]}`);
      }
    }
    assert.ok(reaches(server, "server/server.ts", "server/socket.ts"));
    for (const upper of ["server/server.ts", "server/namespace.ts", "server/socket.ts", "server/adapter/adapter.ts"]) {
      assert.ok(!reaches(server, "server/client.ts", upper), `the client session (server/client.ts) must not import ${upper}`);
    }
  });

  it("the transport (server/engine/) imports nothing from the layers above it", () => {
    for (const [file, targets] of server) {
      if (!file.startsWith("server/engine/")) continue;
      for (const target of targets) assert.ok(target.startsWith("server/engine/"), `${file} imports ${target}`);
    }
  });

  it("every library source file (server/, client/, shared/) is under 400 lines", () => {
    const long: string[] = [];
    for (const dir of ["server", "client", "shared"]) {
      for (const file of sources(dir)) {
        const lines = readFileSync(join(root, file), "utf8").split("\n").length - 1;
        if (lines >= 400) long.push(`${file}: ${lines} lines`);
      }
    }
    assert.deepEqual(long, []);
  });

  it("the detector finds a cycle when there is one", () => {
    const graph = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
      ["d", ["a"]],
    ]);
    assert.deepEqual(cycles(graph), [["a", "b", "c"]]);
  });
});
