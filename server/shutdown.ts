/**
 * Graceful shutdown (`io.close()`): refuse new sessions, let acks in flight settle, disconnect every socket, then
 * close engine.io, the adapters and the HTTP server.
 */
import type { Server as EngineServer } from "engine.io";
import { toError } from "../shared/errors.js";
import type { InflightAcks } from "./inflight.js";
import type { NamespaceRegistry } from "./namespace-registry.js";
import type { AnyHttpServer } from "./options.js";
import { refuseWhile } from "./rate-limit.js";
import { DisconnectReason } from "./reasons.js";

/** What of the Server a shutdown needs (its engine and HTTP server are those of when the shutdown starts: a
 * `listen()` after `close()` starts new ones, which this shutdown leaves alone). */
export interface ShutdownTarget {
  readonly engine: EngineServer | undefined;
  readonly httpServer: AnyHttpServer | undefined;
  readonly inflight: InflightAcks;
  reportError(err: Error, context: string): void;
}

/** How often idle keep-alive connections are closed while the HTTP server closes. */
const IDLE_SWEEP_MS = 100;

/** Runs the whole shutdown; resolves with the HTTP server's close error, if any. */
export async function shutdown(server: ShutdownTarget, registry: NamespaceRegistry, gracePeriod: number): Promise<Error | undefined> {
  const engine = server.engine;
  const http = server.httpServer;
  engine?.use(refuseWhile(() => true));
  await server.inflight.settled(gracePeriod);
  for (const nsp of registry.byName.values()) {
    for (const socket of [...nsp.sockets.values()]) socket.onclose(DisconnectReason.SERVER_SHUTTING_DOWN);
  }
  engine?.close();
  await Promise.all(
    [...registry.byName.values(), ...registry.parents()].map((nsp) =>
      nsp.adapter.close().catch((err: unknown) => server.reportError(toError(err), "adapter.close")),
    ),
  );
  let error: Error | undefined;
  if (http !== undefined && !http.listening) {
    error = await closeHttpServer(http);
  } else if (http !== undefined) {
    // close() waits for every connection: keep-alive ones that go idle later are closed as they do, and whatever
    // is still open after the grace period (a request the app never answers) is closed then
    const h = http as { closeIdleConnections?: () => void; closeAllConnections?: () => void };
    const sweep = setInterval(() => h.closeIdleConnections?.(), IDLE_SWEEP_MS);
    const force = setTimeout(() => h.closeAllConnections?.(), gracePeriod);
    await new Promise<void>((resolve) =>
      http.close((err?: Error) => {
        clearInterval(sweep);
        clearTimeout(force);
        error = err;
        resolve();
      }),
    );
  }
  return error;
}

/**
 * `close()` of an HTTP server that is not listening: Node's own error (`ERR_SERVER_NOT_RUNNING`), which socket.io's
 * `io.close(cb)` passes to `cb` as it is.
 */
export function closeHttpServer(http: AnyHttpServer): Promise<Error | undefined> {
  return new Promise((resolve) => http.close((err?: Error) => resolve(err)));
}
