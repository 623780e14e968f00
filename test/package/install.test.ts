// The packed tarball installed into a fresh app outside the repo (with redis, @types/node and the official
// socket.io-client from the registry/cache): a strict TypeScript app (test/package/fixtures/main.ts, typed events,
// every entry point) compiles against it under node16 and nodenext (as ESM and as CommonJS), bundler and node10, then
// runs as ESM and as CommonJS: a real multi-room server, roomcast clients and socket.io-client.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFile, lstat, mkdir, readFile, realpath, writeFile } from "node:fs/promises";
import { existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import {
  installApp,
  packTarball,
  removeDir,
  repoRoot,
  runNode,
  tempDir,
  tsc,
  type PackedTarball,
  type RunResult,
} from "../helpers/packed.js";

const devDependencies = (JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8")) as { devDependencies: Record<string, string> })
  .devDependencies;
const EXTRA = [`redis@${devDependencies.redis}`, `@socket.io/admin-ui@${devDependencies["@socket.io/admin-ui"]}`, "@types/node@20", `socket.io-client@${devDependencies["socket.io-client"]}`];
const CORPUS = join(repoRoot, "test", "types", "socketio-corpus");

/** The compiler settings every app uses; `emit` only for the node16 build, which runs. */
function tsconfig(module: string, moduleResolution: string, files: string[], extra: Record<string, unknown> = {}): string {
  const compilerOptions = { strict: true, target: "ES2022", module, moduleResolution, lib: ["ES2022"], types: ["node"], noEmit: true, ...extra };
  return `${JSON.stringify({ compilerOptions, files }, null, 2)}\n`;
}

const MODES = {
  // lib check on for one mode: our declarations (and what they import) type-check under strict without the DOM lib
  node16: tsconfig("node16", "node16", ["esm/main.ts", "cjs/main.ts"], { noEmit: false, skipLibCheck: false, rootDir: "." }),
  nodenext: tsconfig("nodenext", "nodenext", ["esm/main.ts", "cjs/main.ts"], { skipLibCheck: true }),
  bundler: tsconfig("esnext", "bundler", ["esm/main.ts"], { skipLibCheck: true }),
  node10: tsconfig("commonjs", "node10", ["esm/main.ts"], { skipLibCheck: true }),
} as const;
type Mode = keyof typeof MODES;

/** What main.js prints: each client's news, proof that broadcasts stayed in their room. */
const EXPECTED = {
  members: [1, 2, 1],
  seen: { a: ["red:hello red"], b: ["red:hello red"], c: ["blue:hello blue"] },
  doubled: [2, 4, 6],
  rooms: ["blue", "red"],
  probe: '2["news","x","red"]',
  refusal: "ERR_BAD_JSON",
};

/** At most two compilers at once (CI machines have two cores). */
function limiter(slots: number): <T>(job: () => Promise<T>) => Promise<T> {
  const waiting: Array<() => void> = [];
  return async (job) => {
    if (slots === 0) await new Promise<void>((resolve) => waiting.push(resolve));
    else slots--;
    try {
      return await job();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else slots++;
    }
  };
}

/** The roomcast files a compilation read (from tsc --listFiles), relative to the installed package. */
function roomcastFiles(app: string, result: RunResult): string[] {
  const root = join(app, "node_modules", "roomcast");
  return result.stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith(root))
    .map((line) => relative(root, line));
}

describe("package: the tarball installed into a fresh app", { timeout: 300_000 }, () => {
  let pack: PackedTarball | undefined;
  let app = "";
  const compiled = new Map<Mode | "corpus", Promise<RunResult>>();

  before(async () => {
    pack = await packTarball();
    app = await tempDir("app");
    await installApp(app, { tarball: pack.tarball, extraPackages: EXTRA });
    for (const [dir, type] of [["esm", "module"], ["cjs", "commonjs"]] as const) {
      await mkdir(join(app, dir));
      await writeFile(join(app, dir, "package.json"), `${JSON.stringify({ type })}\n`);
      await copyFile(join(repoRoot, "test", "package", "fixtures", "main.ts"), join(app, dir, "main.ts"));
    }
    const slot = limiter(2);
    for (const [mode, config] of Object.entries(MODES) as Array<[Mode, string]>) {
      await writeFile(join(app, `tsconfig.${mode}.json`), config);
      compiled.set(mode, slot(() => tsc(join(app, `tsconfig.${mode}.json`), 180_000, ["--listFiles"])));
    }
    if (existsSync(CORPUS)) {
      const files = readdirSync(CORPUS).filter((f) => f.endsWith(".ts"));
      await mkdir(join(app, "corpus"));
      await writeFile(join(app, "corpus", "package.json"), `${JSON.stringify({ type: "module" })}\n`);
      for (const f of files) await copyFile(join(CORPUS, f), join(app, "corpus", f));
      // as the corpus is written: a server and a browser client in one program (DOM lib), indexed access checked
      const config = tsconfig("node16", "node16", files.map((f) => `corpus/${f}`), {
        lib: ["ES2022", "DOM"],
        noUncheckedIndexedAccess: true,
        skipLibCheck: true,
      });
      await writeFile(join(app, "tsconfig.corpus.json"), config);
      compiled.set("corpus", slot(() => tsc(join(app, "tsconfig.corpus.json"), 180_000, ["--listFiles"])));
    }
    for (const p of compiled.values()) p.catch(() => undefined); // awaited (and reported) by the tests below
  });

  after(async () => {
    await Promise.allSettled(compiled.values());
    if (app) await removeDir(app);
    if (pack) await removeDir(pack.dir);
  });

  it("installs the tarball itself: a real folder in node_modules, nothing linked to the repo", async () => {
    const installed = join(app, "node_modules", "roomcast");
    assert.ok((await lstat(installed)).isDirectory(), "node_modules/roomcast is a directory, not a link");
    assert.ok(!(await realpath(installed)).startsWith(repoRoot), "installed outside the repo");
    const spec = (JSON.parse(await readFile(join(app, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies.roomcast;
    assert.match(spec ?? "", /\.tgz$/, "depends on the tarball");
    assert.ok(existsSync(join(app, "node_modules", "redis")) && existsSync(join(app, "node_modules", "socket.io-client")));
  });

  it("compiles strict under node16, ESM and CommonJS, lib check on: ESM types for import, CJS types for require", async () => {
    const files = roomcastFiles(app, await compiled.get("node16")!);
    assert.ok(files.includes("dist/server/index.d.ts") && files.includes("dist/cjs-types/server/index.d.ts"), files.join("\n"));
    assert.ok(files.includes("dist/server/adapter/redis/index.d.ts") && files.includes("dist/cjs-types/client/index.d.ts"));
    assert.deepEqual(files.filter((f) => !f.endsWith(".d.ts")), []);
  });

  it("type-checks under nodenext, ESM and CommonJS", async () => {
    const files = roomcastFiles(app, await compiled.get("nodenext")!);
    assert.ok(files.includes("dist/shared/index.d.ts") && files.includes("dist/cjs-types/shared/index.d.ts"), files.join("\n"));
  });

  for (const mode of ["bundler", "node10"] as const) {
    it(`type-checks under ${mode}: the ESM declarations, never a .ts source`, async () => {
      const files = roomcastFiles(app, await compiled.get(mode)!);
      for (const entry of ["server/index", "client/index", "shared/index", "server/adapter/redis/index"]) {
        assert.ok(files.includes(`dist/${entry}.d.ts`), `${entry}: ${files.join("\n")}`);
      }
      assert.deepEqual(files.filter((f) => f.startsWith("dist/cjs-types/") || !f.endsWith(".d.ts")), []);
    });
  }

  for (const format of ["esm", "cjs"] as const) {
    it(`runs the ${format === "esm" ? "ESM" : "CommonJS"} build: two rooms, broadcasts reach only members, acks, socket.io-client`, async () => {
      await compiled.get("node16");
      const { stdout, stderr } = await runNode(join(app, format, "main.js"), { cwd: app, timeoutMs: 30_000 });
      assert.equal(stderr, "");
      assert.deepEqual(JSON.parse(stdout) as unknown, EXPECTED);
    });
  }

  it("require()s and import()s every entry point, with no warning (require(esm), no top-level await)", async () => {
    const entries = ["roomcast/server", "roomcast/client", "roomcast/shared", "roomcast/redis", "roomcast/admin-ui", "roomcast/package.json"];
    const list = JSON.stringify(entries);
    await writeFile(join(app, "require-all.cjs"), `for (const e of ${list}) console.log(e, Object.keys(require(e)).length);\n`);
    await writeFile(
      join(app, "import-all.mjs"),
      `for (const e of ${list}) console.log(e, Object.keys(await import(e, e.endsWith(".json") ? { with: { type: "json" } } : undefined)).length);\n`,
    );
    for (const script of ["require-all.cjs", "import-all.mjs"]) {
      const { stdout, stderr } = await runNode(join(app, script), { cwd: app, timeoutMs: 30_000 });
      assert.equal(stderr, "", `${script} printed to stderr`);
      const lines = stdout.trim().split("\n");
      assert.deepEqual(lines.map((l) => l.split(" ")[0]), entries);
      for (const line of lines) assert.ok(Number(line.split(" ")[1]) > 0, line);
    }
  });

  it("compiles the socket.io typing corpus (test/types/socketio-corpus) against the package, strict node16 ESM", async (t) => {
    const corpus = compiled.get("corpus");
    if (corpus === undefined) return t.skip("no test/types/socketio-corpus in this checkout");
    const files = roomcastFiles(app, await corpus);
    assert.ok(files.includes("dist/server/index.d.ts") && files.includes("dist/client/index.d.ts"), files.join("\n"));
  });
});
