/** Helpers for the server interop suites: official socket.io-client sockets over a chosen transport, closed together. */
import { io as ioc, type ManagerOptions, type Socket as ClientSocket, type SocketOptions } from "socket.io-client";
import { after, afterEach, before } from "node:test";
import type { Server, ServerOptions } from "../../server/index.js";
import { next } from "../helpers/events.js";
import { startServer, type TestServer } from "../helpers/server.js";

export type { ClientSocket };
export type TransportMode = "websocket" | "polling" | "upgrade";
export const MODES: readonly TransportMode[] = ["websocket", "polling", "upgrade"];
export type ClientOptions = Partial<ManagerOptions & SocketOptions>;

export function transportOptions(mode: TransportMode): ClientOptions {
  if (mode === "websocket") return { transports: ["websocket"] };
  if (mode === "polling") return { transports: ["polling"] };
  return { transports: ["polling", "websocket"] };
}

/** Tracks every client a test opens so that `closeAll()` (in afterEach/after) leaves nothing running. */
export class Clients {
  readonly #open: ClientSocket[] = [];

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

  closeAll(): void {
    for (const client of this.#open.splice(0)) {
      client.close(); // stops its manager from reconnecting
      client.io.engine?.close();
    }
  }
}

/** Resolves on "connect", rejects with the connect_error. */
export function connected(client: ClientSocket, timeoutMs = 5000): Promise<void> {
  if (client.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error("timed out waiting for connect"));
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
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  await next(engine as any, "upgrade");
}

/** The server-side socket of a connected client. */
export function serverSocketOf<T extends { sockets: Map<string, unknown> }>(nsp: T, client: ClientSocket): NonNullable<ReturnType<T["sockets"]["get"]>> {
  const socket = nsp.sockets.get(client.id!);
  if (socket === undefined) throw new Error(`no server socket for ${client.id}`);
  return socket as NonNullable<ReturnType<T["sockets"]["get"]>>;
}

/**
 * The usual suite set-up: one server for the suite (started in `before`, closed in `after`) and `clients` closed
 * after each test. The returned object reads the running server; use it inside tests and hooks.
 */
export function serverForSuite(clients: Clients, opts: Partial<ServerOptions> = {}): TestServer<Server> {
  let current: TestServer<Server> | undefined;
  before(async () => {
    current = await startServer(opts);
  });
  afterEach(() => clients.closeAll());
  after(() => current?.close());
  const running = (): TestServer<Server> => {
    if (current === undefined) throw new Error("the suite's server runs only inside its tests and hooks");
    return current;
  };
  return {
    get io() {
      return running().io;
    },
    get port() {
      return running().port;
    },
    get url() {
      return running().url;
    },
    close: () => running().close(),
  };
}
