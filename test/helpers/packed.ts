/**
 * The package as a user gets it: `npm pack` of the built repo, installed from the tarball into a fresh app in the OS
 * temp directory (outside the repo: no links, no `file:` dependency on the repo, nothing resolved from the repo's
 * node_modules). Used by test/package/ and by the examples' smoke tests.
 *
 *   const pack = await packTarball();                       // once per test file; needs `npm run build` first
 *   const app = await tempDir("app");
 *   await installApp(app, { tarball: pack.tarball, extraPackages: ["redis@6", "@types/node@20"] });
 *   await tsc(app);                                         // the repo's own TypeScript, on <app>/tsconfig.json
 *   const { stdout } = await runNode(`${app}/main.js`, { cwd: app });
 *   …
 *   await removeDir(app); await removeDir(pack.dir);
 *
 * Every command runs with a time bound (it is killed past it) and its output is in the error when it fails.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file runs from dist/test/helpers/). */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** The repo's own TypeScript compiler, run with the current node. */
export const tscBin = join(repoRoot, "node_modules", "typescript", "bin", "tsc");

export interface PackedTarball {
  /** Absolute path of the .tgz. */
  tarball: string;
  /** The temp directory holding it (remove it with removeDir when done). */
  dir: string;
  /** Every path in the tarball, relative to the package root ("package.json", "dist/server/index.js", …), sorted. */
  files: string[];
  /** Size of the .tgz, bytes. */
  size: number;
  /** Sum of the unpacked files' sizes, bytes. */
  unpackedSize: number;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  /** Killed (SIGKILL) past this. Default 60 s. */
  timeoutMs?: number;
  /** Added to the (npm_*-cleaned) environment. */
  env?: Record<string, string>;
  /** Resolve with the result instead of rejecting when the exit code is not 0. */
  allowFailure?: boolean;
}

/**
 * The environment for child commands: `npm test` exports npm_config_local_prefix, npm_package_* and the like, which
 * would make a nested npm act on the repo instead of the temp app. Only the settings that say where packages come
 * from (cache, registry, proxies, user config) are kept.
 */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = /^npm_config_(cache|registry|userconfig|globalconfig|proxy|https_proxy|http_proxy|noproxy|no_proxy|strict_ssl|cafile|offline|prefer_offline)$/i;
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) || keep.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** Runs a command; rejects (with its output) on a non-zero exit, a signal or the time bound. */
export function run(cmd: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: childEnv(opts.env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const result = { code, signal, stdout, stderr };
      if (!timedOut && (code === 0 || opts.allowFailure)) return resolve(result);
      const why = timedOut ? `timed out after ${timeoutMs} ms` : `exited with ${code ?? signal}`;
      reject(new Error(`${cmd} ${args.join(" ")} (in ${opts.cwd}) ${why}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`));
    });
  });
}

/** A fresh directory in the OS temp directory (outside the repo). */
export function tempDir(name: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `roomcast-${name}-`));
}

export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** Throws, saying what to run, unless every file package.json's exports and typesVersions name has been built. */
export function assertBuilt(): void {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as PackageJson;
  const missing = packageTargets(pkg).filter((target) => !existsSync(join(repoRoot, target)));
  if (!existsSync(join(repoRoot, "dist", "client", "bundle"))) missing.push("dist/client/bundle/");
  if (missing.length > 0) {
    throw new Error(
      `the package is not built (missing ${missing.join(", ")}): run \`npm run build\` first ` +
        "(packTarball packs with --ignore-scripts, so npm's prepack build does not run)",
    );
  }
}

/** The parts of package.json these helpers read. */
export interface PackageJson {
  name: string;
  version: string;
  engines?: Record<string, string>;
  exports: Record<string, unknown>;
  typesVersions?: Record<string, Record<string, string[]>>;
  files?: string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** Every file path exports and typesVersions point at (conditions flattened), without the leading "./". */
export function packageTargets(pkg: PackageJson): string[] {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === "string") out.add(v.replace(/^\.\//, ""));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === "object" && v !== null) Object.values(v).forEach(walk);
  };
  walk(pkg.exports);
  walk(pkg.typesVersions);
  return [...out].sort();
}

interface PackJson {
  filename: string;
  size: number;
  unpackedSize: number;
  files: Array<{ path: string }>;
}

/**
 * `npm pack --ignore-scripts` of the repo into a fresh temp directory. The repo must be built (`npm run build`, as
 * test/run.sh does): this asserts it first instead of building (a build takes longer than every package test).
 */
export async function packTarball(): Promise<PackedTarball> {
  assertBuilt();
  const dir = await tempDir("pack");
  try {
    const { stdout } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: repoRoot });
    const [info] = JSON.parse(stdout) as PackJson[];
    if (info === undefined) throw new Error(`npm pack printed no package: ${stdout}`);
    return {
      tarball: join(dir, info.filename),
      dir,
      files: info.files.map((f) => f.path).sort(),
      size: info.size,
      unpackedSize: info.unpackedSize,
    };
  } catch (err) {
    await removeDir(dir);
    throw err;
  }
}

export interface InstallOptions {
  /** From packTarball. */
  tarball: string;
  /** More packages to install with it (registry specs, e.g. "redis@6", "@types/node@20", "socket.io-client@4"). */
  extraPackages?: readonly string[];
  /** package.json "type" of the app. Default "module". */
  type?: "module" | "commonjs";
  /** Time bound of the install. Default 120 s. */
  timeoutMs?: number;
}

/**
 * Makes `dir` an app (its own package.json, so npm cannot pick a parent project) and installs the tarball and the
 * extra packages into its node_modules, from npm's cache when it has them (--prefer-offline), else from the registry.
 */
export async function installApp(dir: string, opts: InstallOptions): Promise<void> {
  const pkg = { name: "roomcast-packed-app", version: "0.0.0", private: true, type: opts.type ?? "module" };
  await writeFile(join(dir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  const args = ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", opts.tarball, ...(opts.extraPackages ?? [])];
  await run("npm", args, { cwd: dir, timeoutMs: opts.timeoutMs ?? 120_000 });
}

/**
 * Type-checks (and emits, unless the config says noEmit) a project with the repo's TypeScript: `tsc -p <project>
 * ...args`, where project is a directory or a tsconfig file; rejects with tsc's output on an error.
 */
export function tsc(project: string, timeoutMs = 90_000, args: readonly string[] = []): Promise<RunResult> {
  const cwd = project.endsWith(".json") ? dirname(project) : project;
  return run(process.execPath, [tscBin, "-p", project, ...args], { cwd, timeoutMs });
}

/** Runs a script with the current node. */
export function runNode(file: string, opts: RunOptions & { args?: readonly string[] }): Promise<RunResult> {
  return run(process.execPath, [file, ...(opts.args ?? [])], opts);
}
