/**
 * Wiring the engine.io server: its options (`cors` as the origin gate wants it), the request middlewares (403 on a
 * foreign origin, 429 on a busy address, oversized bodies) and the per-address admission of new sessions.
 */
import type { Server as HttpServer } from "node:http";
import type { Server as EngineServer, Socket as EngineSocket } from "engine.io";
import type { AnyHttpServer, ServerOptions } from "./options.js";
import type { ProxyTrust } from "./client-address.js";
import { refuseForeignOrigins, type OriginGate } from "./origins.js";
import { closeSessionOnOversizedBody } from "./engine/oversized-body.js";
import { acquireSession, refuseBusyAddresses, releaseSession, refuseBusyHttpConnections, type AddressCounter } from "./rate-limit.js";
import { WebSocketEngine } from "./engine/websocket/engine.js";
import { preparseQuery } from "./engine/query.js";

/** One Engine.IO session, as engine.io's "connection" event gives it. */
export type EngineConnection = EngineSocket;

/**
 * The options engine.io gets: roomcast's own are passed through; `cors` as the origin gate wants it (an app's
 * origin function is then called once per request, for the CORS headers and the gate alike).
 */
export function engineOptions(opts: Partial<ServerOptions>, path: string, origins: OriginGate): Partial<ServerOptions> {
  const { allowedOrigins: _checkedByTheGate, cors, ...rest } = opts;
  const engineOpts: Partial<ServerOptions> = { ...rest, path };
  const engineCors = origins.engineCors(cors);
  if (engineCors !== undefined) engineOpts.cors = engineCors;
  // roomcast's own WebSocket server unless compression is wanted (then ws, which implements permessage-deflate)
  if (engineOpts.wsEngine === undefined && !engineOpts.perMessageDeflate) {
    // the server's outgoing bounds also hold for what the WebSocket writes on its own (pongs, engine.io's probes)
    engineOpts.wsEngine = WebSocketEngine.withLimits({ maxBufferedBytes: opts.maxBufferedBytes, maxBufferedPackets: opts.maxBufferedPackets });
  }
  return engineOpts;
}

/** Installs the request middlewares on `engine` and attaches it to `srv`. */
export function attachEngine(
  engine: EngineServer,
  srv: AnyHttpServer,
  engineOpts: Partial<ServerOptions>,
  origins: OriginGate,
  addresses: AddressCounter | undefined,
  trust: ProxyTrust,
): void {
  // every request of a session (polls, WebSocket upgrades included) is checked, with a 403 on refusal
  engine.use(refuseForeignOrigins(origins));
  if (addresses !== undefined) engine.use(refuseBusyAddresses(addresses, trust));
  engine.use(refuseBusyHttpConnections);
  engine.use(closeSessionOnOversizedBody(engine));
  engine.attach(srv as HttpServer, engineOpts);
  // engine.io's own request path (its `_computePath`): the query of its requests is parsed ahead of it
  let path = (engineOpts.path ?? "/engine.io").replace(/\/$/, "");
  if (engineOpts.addTrailingSlash !== false) path += "/";
  const preparse = preparseQuery(path);
  (srv as HttpServer).prependListener("request", preparse);
  (srv as HttpServer).prependListener("upgrade", preparse);
}

/**
 * Counts a new session on its HTTP connection (`MAX_SESSIONS_PER_HTTP_CONNECTION`) and against
 * `maxConnectionsPerAddress` (released when it closes). False when either is full: sessions that raced past the 429
 * middlewares together (their handshakes overlapped, or were pipelined in one read) are refused here.
 */
export function admitConnection(conn: EngineConnection, addresses: AddressCounter | undefined, trust: ProxyTrust): boolean {
  if (!acquireSession(conn.request, conn.transport.name)) return false; // released by the Connection when it closes
  if (addresses === undefined) return true;
  const address = trust.clientAddress(conn.request, conn.remoteAddress);
  if (!addresses.acquire(address)) {
    releaseSession(conn.request);
    return false;
  }
  conn.once("close", () => addresses.release(address));
  return true;
}
