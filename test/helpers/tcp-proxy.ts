/**
 * A TCP proxy on a free loopback port, for network faults between a process and a server (e.g. one instance and
 * redis-server): `freeze()` stops forwarding in both directions but keeps every socket open, like a network partition
 * (nothing is refused or reset: the peers just hear nothing); `resume()` forwards again what was held back.
 *
 *   await using proxy = await TcpProxy.start(redis.port);
 *   createClient({ url: proxy.url });
 */
import { createServer, connect, type Server, type Socket } from "node:net";

export class TcpProxy implements AsyncDisposable {
  readonly port: number;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #frozen = false;

  private constructor(server: Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  /** A proxy to 127.0.0.1:`targetPort`. */
  static async start(targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((downstream) => proxy!.#pair(downstream, connect(targetPort, "127.0.0.1")));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    proxy = new TcpProxy(server, (server.address() as { port: number }).port);
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get frozen(): boolean {
    return this.#frozen;
  }

  /** Stops forwarding (both ways, every connection, new ones too); the sockets stay open. */
  freeze(): void {
    this.#frozen = true;
    for (const socket of this.#sockets) socket.pause();
  }

  /** Forwards again, starting with what was held back. */
  resume(): void {
    this.#frozen = false;
    for (const socket of this.#sockets) socket.resume();
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #pair(a: Socket, b: Socket): void {
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      this.#sockets.add(from);
      from.on("data", (chunk: Buffer) => to.write(chunk));
      from.on("error", () => to.destroy());
      from.on("close", () => {
        this.#sockets.delete(from);
        to.destroy();
      });
      if (this.#frozen) from.pause();
    }
  }
}
