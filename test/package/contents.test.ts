// What `npm pack` ships: compiled JS (+ source maps with their sources), ESM and CJS declarations, the client bundles,
// README, LICENSE, CHANGELOG, package.json — nothing else, and everything package.json points at.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { packTarball, packageTargets, removeDir, repoRoot, type PackageJson, type PackedTarball } from "../helpers/packed.js";

const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as PackageJson;
const LIBRARY = ["server", "client", "shared"];

/** Every path the tarball may hold. */
const ALLOWED = [
  /^(package\.json|README\.md|LICENSE|CHANGELOG\.md)$/,
  /^dist\/(server|client|shared)\/.+\.(js|js\.map|d\.ts)$/,
  /^dist\/cjs-types\/package\.json$/,
  /^dist\/cjs-types\/(server|client|shared)\/.+\.d\.ts$/,
  /^dist\/client\/bundle\/.+$/,
];

/** The library's .ts sources, as "server/socket" (no extension), bundles' own sources excepted. */
function sources(): string[] {
  const out: string[] = [];
  for (const dir of LIBRARY) {
    for (const file of readdirSync(join(repoRoot, dir), { recursive: true, encoding: "utf8" })) {
      if (file.endsWith(".ts") && !file.endsWith(".d.ts")) out.push(`${dir}/${file.slice(0, -3)}`);
    }
  }
  return out.sort();
}

describe("package: npm pack contents", { timeout: 60_000 }, () => {
  let pack: PackedTarball;
  let files: Set<string>;
  before(async () => {
    pack = await packTarball();
    files = new Set(pack.files);
  });
  after(() => (pack ? removeDir(pack.dir) : undefined));

  it("ships only compiled code, declarations, maps, bundles and the three documents", (t) => {
    t.diagnostic(`${pack.files.length} files, packed ${pack.size} B, unpacked ${pack.unpackedSize} B`);
    const stray = pack.files.filter((f) => !ALLOWED.some((re) => re.test(f)));
    assert.deepEqual(stray, [], "files outside the allowed set");
    for (const doc of ["README.md", "LICENSE", "CHANGELOG.md", "package.json"]) assert.ok(files.has(doc), doc);
    assert.ok(
      pack.files.some((f) => f.startsWith("dist/client/bundle/")),
      "the browser bundles (dist/client/bundle/)",
    );
  });

  it("README's package size (packed kB, unpacked MB, file count) is within 10% of the tarball's", () => {
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
    const said = /about (\d+) kB packed, ([\d.]+) MB unpacked \(about (\d+) files/.exec(readme);
    assert.ok(said, "README states the package size");
    const near = (stated: number, measured: number, what: string) =>
      assert.ok(Math.abs(measured - stated) <= stated * 0.1, `README says ${what} ${stated}, the tarball has ${measured}: update README`);
    near(Number(said[1]), pack.size / 1000, "packed kB");
    near(Number(said[2]), pack.unpackedSize / 1e6, "unpacked MB");
    near(Number(said[3]), pack.files.length, "files");
  });

  it("ships every file package.json's exports and typesVersions name", () => {
    const targets = packageTargets(pkg);
    assert.ok(targets.length >= 12, `exports/typesVersions targets: ${targets.join(", ")}`);
    assert.deepEqual(targets.filter((target) => !files.has(target)), []);
    for (const target of targets) assert.doesNotMatch(target, /(^|\/)(server|client|shared)\/.*(?<!\.d)\.ts$/, "a .ts source");
  });

  it("ships, for each library source, its .js, .js.map, .d.ts and CJS .d.ts — and no stale file without a source", () => {
    const expected = new Set<string>();
    for (const src of sources()) {
      for (const f of [`dist/${src}.js`, `dist/${src}.js.map`, `dist/${src}.d.ts`, `dist/cjs-types/${src}.d.ts`]) expected.add(f);
    }
    const built = pack.files.filter((f) => /^dist\/(cjs-types\/)?(server|client|shared)\/.+\.(js|js\.map|d\.ts)$/.test(f));
    const compiled = built.filter((f) => !f.startsWith("dist/client/bundle/"));
    assert.deepEqual([...expected].filter((f) => !files.has(f)), [], "missing");
    assert.deepEqual(compiled.filter((f) => !expected.has(f)), [], "stale: built from no current source");
  });

  it("source maps embed their sources (the .ts files are not shipped); no declaration maps", () => {
    const maps = pack.files.filter((f) => /^dist\/(server|client|shared)\/.+\.js\.map$/.test(f) && !f.includes("/bundle/"));
    assert.ok(maps.length > 10);
    for (const map of maps) {
      const json = JSON.parse(readFileSync(join(repoRoot, map), "utf8")) as { sources: string[]; sourcesContent?: string[] };
      assert.equal(json.sourcesContent?.length, json.sources.length, `${map}: sourcesContent`);
    }
    assert.deepEqual(pack.files.filter((f) => f.endsWith(".d.ts.map")), []);
  });

  it("CJS declarations are CommonJS-format; ESM ones are ESM-format", () => {
    const cjs = JSON.parse(readFileSync(join(repoRoot, "dist/cjs-types/package.json"), "utf8")) as { type?: string };
    assert.equal(cjs.type, "commonjs");
    assert.equal((JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { type?: string }).type, "module");
    assert.ok(!existsSync(join(repoRoot, "dist/server/package.json")) && !existsSync(join(repoRoot, "dist/package.json")));
  });

  it("package.json: Node floor where require(esm) is unflagged, redis and @socket.io/admin-ui optional peer dependencies", () => {
    assert.equal(pkg.engines?.node, "^20.19.0 || >=22.12.0");
    assert.equal(pkg.dependencies?.redis, undefined, "redis is not a dependency");
    assert.ok(pkg.peerDependencies?.redis, "redis is a peer dependency");
    assert.equal(pkg.peerDependenciesMeta?.redis?.optional, true);
    assert.equal(pkg.dependencies?.["@socket.io/admin-ui"], undefined, "admin-ui is not a dependency");
    assert.equal(pkg.peerDependenciesMeta?.["@socket.io/admin-ui"]?.optional, true);
    for (const sub of ["./server", "./client", "./shared", "./redis", "./admin-ui"]) assert.ok(sub in pkg.exports, sub);
    assert.deepEqual(Object.keys(pkg.typesVersions?.["*"] ?? {}).sort(), ["admin-ui", "client", "redis", "server", "shared"]);
  });
});
