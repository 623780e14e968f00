/**
 * Running an example as a user would: a copy of examples/<name>/ in the OS temp directory (outside the repo), the
 * packed roomcast tarball and the example's other dependencies installed into it by npm, its scripts started as
 * child processes on free ports. Every process is tracked by PID and stopped by the test that started it; every
 * wait is bounded.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cp, readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot, run, tempDir } from "../helpers/packed.js";

/** Copies examples/<name>/ (without node_modules and build output) into a fresh temp dir; returns its path. */
export async function copyExample(name: string): Promise<string> {
  const dir = await tempDir(`example-${name}`);
  const from = join(repoRoot, "examples", name);
  await cp(from, dir, {
    recursive: true,
    filter: (src) => !/[\\/](node_modules|dist)([\\/]|$)/.test(src.slice(from.length)),
  });
  return dir;
}

/**
 * Installs the example's dependencies as its package.json lists them, except roomcast, which comes from the packed
 * tarball (npm records it as a file: dependency of the temp copy).
 */
export async function installExample(dir: string, tarball: string): Promise<void> {
  const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const specs = (deps: Record<string, string> | undefined): string[] =>
    Object.entries(deps ?? {})
      .filter(([name]) => name !== "roomcast")
      .map(([name, range]) => `${name}@${range}`);
  const args = ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", tarball, ...specs(pkg.dependencies)];
  await run("npm", args, { cwd: dir, timeoutMs: 180_000 });
  const dev = specs(pkg.devDependencies);
  if (dev.length > 0) await run("npm", [...args.slice(0, 5), "--save-dev", ...dev], { cwd: dir, timeoutMs: 180_000 });
}

/** Imports a module of the installed package from the temp app (what `import "roomcast/client"` there loads). */
export function importInstalled<T>(dir: string, subpath: string): Promise<T> {
  return import(pathToFileURL(join(dir, "node_modules", "roomcast", "dist", subpath, "index.js")).href) as Promise<T>;
}

/** One running script of an example: its output, read line by line, and a bounded wait for a line. */
export class ExampleProcess {
  readonly #child: ChildProcess;
  readonly #lines: string[] = [];
  readonly #waiters = new Set<() => void>();
  #stderr = "";
  #exited: Promise<void>;

  private constructor(child: ChildProcess) {
    this.#child = child;
    let partial = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      partial += chunk;
      const lines = partial.split("\n");
      partial = lines.pop()!;
      this.#lines.push(...lines);
      for (const wake of this.#waiters) wake();
    });
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (this.#stderr += chunk));
    this.#exited = new Promise((resolve) => child.once("exit", () => resolve()));
    void this.#exited.then(() => {
      for (const wake of this.#waiters) wake();
    });
  }

  /** Starts `node <file>` in `cwd` with extra environment variables. */
  static start(cwd: string, file: string, env: Record<string, string> = {}): ExampleProcess {
    const child = spawn(process.execPath, [file], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    return new ExampleProcess(child);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Every complete line printed so far. */
  get lines(): readonly string[] {
    return this.#lines;
  }

  /** Resolves with the first line (printed so far or later) matching `pattern`; rejects after `timeoutMs` or on exit. */
  waitForLine(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const line = this.#lines.find((l) => pattern.test(l));
        if (line !== undefined) {
          finish();
          resolve(line);
          return true;
        }
        if (this.#child.exitCode !== null || this.#child.signalCode !== null) {
          finish();
          reject(new Error(`process exited (${this.#child.exitCode ?? this.#child.signalCode}) before printing ${pattern}\n${this.#describe()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms\n${this.#describe()}`));
      }, timeoutMs);
      const wake = (): void => void check();
      const finish = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
      };
      this.#waiters.add(wake);
      check();
    });
  }

  /** Resolves with the exit code once the process ends on its own (rejects after `timeoutMs`). */
  async exitCode(timeoutMs = 15_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still running after ${timeoutMs} ms\n${this.#describe()}`)), timeoutMs);
    });
    try {
      await Promise.race([this.#exited, timeout]);
      return this.#child.exitCode;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await this.#exited;
    clearTimeout(timer);
  }

  #describe(): string {
    return `--- stdout\n${this.#lines.join("\n")}\n--- stderr\n${this.#stderr}`;
  }
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port` (another process's server: no event to await). */
export async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const { connect } = await import("node:net");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on port ${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
