/**
 * The generated API reference (typedoc.json → docs/api/, `npm run docs`) is complete: TypeDoc runs with every
 * validation on (notExported, invalidLink, notDocumented) and warnings treated as errors, into a temp dir. A public
 * export or member without JSDoc, a type a public signature uses but the package does not export, or a broken
 * {@link} fails this test with TypeDoc's list of problems.
 */
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(import.meta.url), "../../../..");

interface Run {
  code: number | null;
  output: string;
}

function typedoc(args: string[], timeoutMs: number): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(root, "node_modules/typedoc/bin/typedoc"), ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`typedoc did not finish in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      fail(err);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

interface JsonReflection {
  name: string;
  kind: number;
  children?: JsonReflection[];
}

describe("API reference (TypeDoc)", { timeout: 180_000 }, async () => {
  const out = await mkdtemp(join(tmpdir(), "roomcast-api-"));
  after(() => rm(out, { recursive: true, force: true }));

  it("documents every public export and member, with no unexported type and no broken link", async () => {
    const json = join(out, "api.json");
    const run = await typedoc(
      [
        "--options", "typedoc.json",
        "--out", join(out, "html"),
        "--json", json,
        "--validation.notExported", "--validation.invalidLink", "--validation.notDocumented",
        "--treatWarningsAsErrors",
      ],
      150_000,
    );
    // strip colours in case the terminal forced them anyway
    const problems = run.output
      .replace(/\x1b\[[0-9;]*m/g, "")
      .split("\n")
      .filter((line) => /^\[(warning|error)\]/.test(line) && !/Found \d+ errors/.test(line));
    assert.deepEqual(problems, [], `TypeDoc reported ${problems.length} problem(s):\n${problems.join("\n")}`);
    assert.equal(run.code, 0, run.output);

    // one module per package subpath (package.json "exports", so a new subpath cannot be left out), each with exports
    const project = JSON.parse(await readFile(json, "utf8")) as JsonReflection;
    const modules = new Map((project.children ?? []).map((m) => [m.name, m.children?.length ?? 0]));
    const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { exports: Record<string, unknown> };
    const subpaths = Object.keys(pkg.exports).filter((key) => key !== "./package.json");
    assert.ok(subpaths.length >= 4, `package.json exports: ${subpaths.join(", ")}`);
    for (const name of subpaths.map((key) => `roomcast/${key.slice(2)}`)) {
      assert.ok((modules.get(name) ?? 0) > 0, `module ${name} missing or empty: ${[...modules.keys()].join(", ")}`);
    }
  });
});
