/**
 * The README's quick start is examples/quick-start, line for line: each README code block that starts with
 * `// <file>` naming a file of that example (server.mjs, client.mjs, server.cjs, client.cjs) equals the file, so the
 * example's smoke test (test/examples/quick-start.test.ts) runs exactly the code the README shows.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(import.meta.url), "../../../..");
const example = join(root, "examples", "quick-start");

/** The fenced code blocks of a Markdown text, without their fences. */
function codeBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```[^\n]*\n([\s\S]*?)^```\s*$/gm)].map((m) => m[1]!);
}

describe("README quick start = examples/quick-start", () => {
  it("every quick-start file the README shows is the example's file, and the README shows the ESM pair", () => {
    const shown = new Set<string>();
    for (const block of codeBlocks(readFileSync(join(root, "README.md"), "utf8"))) {
      const file = /^\/\/ ((?:server|client)\.(?:mjs|cjs))\n/.exec(block)?.[1];
      if (file === undefined || !existsSync(join(example, file))) continue;
      shown.add(file);
      assert.equal(block, readFileSync(join(example, file), "utf8"), `README's ${file} differs from examples/quick-start/${file}`);
    }
    assert.deepEqual([...shown].sort(), ["client.mjs", "server.mjs"]);
  });

  it("server.cjs is server.mjs with require instead of import", () => {
    const esm = readFileSync(join(example, "server.mjs"), "utf8");
    const asCommonJs = esm
      .replace("// server.mjs", "// server.cjs")
      .replace(/^import (\{[^}]*\}) from ("[^"]+");$/gm, "const $1 = require($2);");
    assert.equal(readFileSync(join(example, "server.cjs"), "utf8"), asCommonJs);
  });
});
