/**
 * Real redis-server processes for tests, on free loopback ports. Stop, kill and restart them to inject faults.
 * Each process is tracked by PID; nothing is ever killed by name. `await using redis = await RedisProcess.start()`
 * stops it at the end of the block.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export class RedisProcess implements AsyncDisposable {
  readonly port: number;
  readonly #args: readonly string[];
  #child: ChildProcess | undefined;

  private constructor(port: number, args: readonly string[]) {
    this.port = port;
    this.#args = args;
  }

  /** Starts redis-server on `port` (a free one by default) with `args` appended to its command line. */
  static async start(port?: number, args: readonly string[] = []): Promise<RedisProcess> {
    const redis = new RedisProcess(port ?? (await freePort()), args);
    await redis.#spawn();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Stops the server (SIGTERM by default, SIGKILL to simulate a crash) and waits for it to exit. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill(signal);
    });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  kill(): Promise<void> {
    return this.stop("SIGKILL");
  }

  /** Starts it again on the same port (data is not kept). */
  async restart(): Promise<void> {
    await this.stop();
    await this.#spawn();
  }

  #spawn(): Promise<void> {
    const child = spawn(
      "redis-server",
      ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no", ...this.#args],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    this.#child = child;
    return new Promise<void>((resolve, reject) => {
      let output = "";
      const timer = setTimeout(() => reject(new Error(`redis-server did not start on ${this.port}:\n${output}`)), 10_000);
      child.stdout!.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        if (this.#child === child) this.#child = undefined;
        reject(new Error(`redis-server exited with ${code}:\n${output}`));
      });
      child.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }
}
