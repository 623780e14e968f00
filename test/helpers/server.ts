/**
 * Servers under test, as disposable fixtures: a roomcast Server (or, for the client and compat suites, the official
 * socket.io 4.8 Server) listening on a free loopback port. A test owns its server:
 *
 *   await using srv = await startServer({ maxHttpBufferSize: 1000 });
 *   const client = await clients.connect(srv.url);
 *
 * Leaving the block closes it at once: every HTTP connection on its port is dropped (no shutdown grace period to
 * sit out for a connection a test left half-way), then `io.close()` (sockets, engine, adapters, the HTTP server).
 * `close()` is the graceful `io.close()` alone, for tests of a shutdown or a restart; disposing afterwards is harmless.
 */
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server as SocketIOServer } from "socket.io";
import { Server, type ServerOptions } from "../../server/index.js";

export interface TestServer<S = Server> extends AsyncDisposable {
  io: S;
  http: HttpServer;
  port: number;
  url: string;
  /** Closes the server gracefully (idempotent). */
  close(): Promise<void>;
}

/** Listens on `port` (default 0: a free one) of 127.0.0.1; resolves with the port. */
export async function listen(http: HttpServer, port = 0, host = "127.0.0.1"): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(port, host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  return (http.address() as AddressInfo).port;
}

/** Wraps a listening server as a fixture; `close` runs at most once. */
export function fixture<S>(io: S, http: HttpServer, close: () => Promise<void>): TestServer<S> {
  const port = (http.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const closeOnce = (): Promise<void> => (closing ??= close());
  const dispose = (): Promise<void> => {
    http.closeAllConnections();
    return closeOnce();
  };
  return { io, http, port, url: `http://127.0.0.1:${port}`, close: closeOnce, [Symbol.asyncDispose]: dispose };
}

export interface StartOptions {
  /** Listen on this port instead of a free one (e.g. to restart a server on the port a client reconnects to). */
  port?: number;
}

/** A roomcast Server on a free loopback port. */
export async function startServer(opts: Partial<ServerOptions> = {}, start: StartOptions = {}): Promise<TestServer<Server>> {
  const http = createServer();
  const io = new Server(http, opts);
  await listen(http, start.port);
  return fixture(io, http, () => io.close());
}

/** The two servers the client (and the compat suites) are tested against. */
export type Kind = "roomcast" | "socket.io";
export const KINDS: readonly Kind[] = ["roomcast", "socket.io"];

// Both servers expose the same socket.io API; the tests that run against either use it untyped.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyServer = any;

export interface KindOptions extends StartOptions {
  /** connectionStateRecovery with a 60 s window. */
  recovery?: boolean;
}

/** A roomcast or socket.io Server on a free loopback port; `close()` too drops the connections left open first. */
export async function startKind(kind: Kind, opts: KindOptions = {}): Promise<TestServer<AnyServer>> {
  const http = createServer();
  const serverOpts = opts.recovery ? { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } } : {};
  const io: AnyServer = kind === "roomcast" ? new Server(http, serverOpts) : new SocketIOServer(http, serverOpts);
  await listen(http, opts.port);
  return fixture(io, http, async () => {
    http.closeAllConnections();
    await io.close();
  });
}
