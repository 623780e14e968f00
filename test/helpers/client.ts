/**
 * Clients of a server under test: the official socket.io-client over a chosen transport mode (for the server
 * suites), tracked so that one disposal closes them all:
 *
 *   using clients = new Clients("polling");
 *   const client = await clients.connect(srv.url, "/chat");
 *
 * and `track()` for roomcast/client sockets (or anything with `disconnect()`), closed the same way.
 */
import { io as ioc, type ManagerOptions, type Socket as ClientSocket, type SocketOptions } from "socket.io-client";
import { next } from "./events.js";

export type { ClientSocket };
export type TransportMode = "websocket" | "polling" | "upgrade";
export const MODES: readonly TransportMode[] = ["websocket", "polling", "upgrade"];
export type ClientOptions = Partial<ManagerOptions & SocketOptions>;

export function transportOptions(mode: TransportMode): ClientOptions {
  if (mode === "websocket") return { transports: ["websocket"] };
  if (mode === "polling") return { transports: ["polling"] };
  return { transports: ["polling", "websocket"] };
}

/** Anything a test opens that `disconnect()` closes for good (a roomcast/client socket, a socket.io-client one). */
export interface Closable {
  disconnect(): unknown;
}

/** Tracks every client a test opens; `closeAll()` (or leaving a `using` block) leaves nothing running. */
export class Clients implements Disposable {
  readonly #open: ClientSocket[] = [];
  readonly #tracked: Closable[] = [];

  constructor(readonly mode: TransportMode = "websocket") {}

  /** Creates a client (its own Manager, no reconnection unless asked), not awaited. */
  open(url: string, nsp = "/", opts: ClientOptions = {}): ClientSocket {
    const client = ioc(url + nsp, { forceNew: true, reconnection: false, ...transportOptions(this.mode), ...opts });
    this.#open.push(client);
    return client;
  }

  /** Opens a client and resolves once connected (and, in "upgrade" mode, once upgraded to WebSocket). */
  async connect(url: string, nsp = "/", opts: ClientOptions = {}): Promise<ClientSocket> {
    const client = this.open(url, nsp, opts);
    await connected(client);
    if (this.mode === "upgrade" && (opts.transports === undefined || opts.transports.length > 1)) await upgraded(client);
    return client;
  }

  /** Closes `client` with the others (e.g. a roomcast/client socket); returns it. */
  track<T extends Closable>(client: T): T {
    this.#tracked.push(client);
    return client;
  }

  closeAll(): void {
    for (const client of this.#open.splice(0)) {
      client.close(); // stops its manager from reconnecting
      client.io.engine?.close();
    }
    for (const client of this.#tracked.splice(0)) client.disconnect();
  }

  [Symbol.dispose](): void {
    this.closeAll();
  }
}

/** Resolves on "connect", rejects with the connect_error (or after `timeoutMs`). */
export function connected(client: ClientSocket, timeoutMs = 5000): Promise<void> {
  if (client.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no connect within ${timeoutMs} ms`));
    }, timeoutMs);
    const onConnect = () => {
      cleanup();
      resolve();
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off("connect", onConnect);
      client.off("connect_error", onError);
    };
    client.once("connect", onConnect);
    client.once("connect_error", onError);
  });
}

/** Resolves once the client's engine runs over WebSocket. */
export async function upgraded(client: ClientSocket): Promise<void> {
  const engine = client.io.engine;
  if (engine.transport.name === "websocket") return;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- engine.io-client's typed emitter
  await next(engine as any, "upgrade");
}

/** The server-side socket of a connected client. */
export function serverSocketOf<T extends { sockets: Map<string, unknown> }>(nsp: T, client: ClientSocket): NonNullable<ReturnType<T["sockets"]["get"]>> {
  const socket = nsp.sockets.get(client.id!);
  if (socket === undefined) throw new Error(`no server socket for ${client.id}`);
  return socket as NonNullable<ReturnType<T["sockets"]["get"]>>;
}
