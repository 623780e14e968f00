/**
 * The Server's options: their types, their defaults, and how the nested ones are resolved.
 */
import type { Server as HttpServer } from "node:http";
import type { Http2SecureServer, Http2Server } from "node:http2";
import type { AttachOptions, ServerOptions as EngineOptions } from "engine.io";
import type { AdapterConstructor } from "./adapter/adapter.js";
import type { AllowedOrigins } from "./origins.js";
import type { TrustProxy } from "./client-address.js";
import type { EventRateLimitOptions } from "./rate-limit.js";

/** An HTTP server the Server can attach to: node:http, or node:http2 (plain or secure). */
export type AnyHttpServer = HttpServer | Http2Server | Http2SecureServer;

/**
 * The `connectionStateRecovery` option: a client that lost its connection gets back its id, rooms and data, and the
 * packets it missed, if it reconnects in time.
 */
export interface ConnectionStateRecoveryOptions {
  /**
   * How long a disconnected session can be recovered, in ms.
   *
   * @defaultValue 120_000 (2 min)
   */
  maxDisconnectionDuration?: number;
  /**
   * Skip connection middlewares for a recovered session.
   *
   * @defaultValue true
   */
  skipMiddlewares?: boolean;
  /**
   * Most packets kept for replay per namespace (older ones are dropped first).
   *
   * @defaultValue 10_000
   */
  maxPackets?: number;
}

/**
 * The Server's options: socket.io's (`path`, `adapter`, `connectTimeout`, `connectionStateRecovery`, `serveClient`…),
 * engine.io's (`pingInterval`, `pingTimeout`, `maxHttpBufferSize`, `cors`, `transports`…) and roomcast's own limits.
 * All are optional.
 */
export interface ServerOptions extends EngineOptions, AttachOptions {
  /**
   * URL path the server answers on.
   *
   * @defaultValue "/socket.io"
   */
  path: string;
  /**
   * Adapter class or factory (e.g. `createAdapter(pub, sub)` from roomcast/redis).
   *
   * @defaultValue the in-memory {@link Adapter}
   */
  adapter: AdapterConstructor;
  /**
   * Close a connection that has not joined any namespace within this many ms.
   *
   * @defaultValue 45_000
   */
  connectTimeout: number;
  /**
   * Enables connection state recovery (socket.io's feature).
   *
   * @defaultValue `undefined` (off)
   */
  connectionStateRecovery: ConnectionStateRecoveryOptions;
  /**
   * Remove a dynamic child namespace when its last socket leaves.
   *
   * @defaultValue false
   */
  cleanupEmptyChildNamespaces: boolean;
  /**
   * Browser origins allowed to open and use a session, over long-polling and WebSocket alike: a list (`"*"` for
   * all; compared case-insensitively) or a predicate. Exactly this list: the page's own origin is not added, and
   * when set `cors.origin` no longer gates (engine.io's `cors` still writes the CORS headers). Requests whose
   * `Origin` is refused get HTTP 403 `{"code":4,"message":"Forbidden"}`; requests without one (non-browser
   * clients) are allowed.
   *
   * Default (neither this nor `cors.origin`): same-origin only. The Origin's host and port must be the request's
   * `Host` (or the `X-Forwarded-Host` of a trusted proxy, see `trustProxy`); a missing port is 80 / 443 by the
   * Origin's scheme on both sides; schemes are not compared. With `cors.origin` (socket.io's option: a string,
   * RegExp, array of them, `true` / `"*"`, or `(origin, callback)`), the page's own origin plus what it allows, for
   * WebSocket upgrades too. Open it to every site with `allowedOrigins: ["*"]` or `cors: { origin: "*" }`.
   *
   * @defaultValue `undefined` (same-origin only, or what `cors.origin` allows)
   */
  allowedOrigins: AllowedOrigins;
  /**
   * Which proxies in front of the server are trusted. The client address (`handshake.address`, the key of
   * `maxConnectionsPerAddress`) is then the address the last trusted proxy saw, found by walking `X-Forwarded-For`
   * from the right (entries to its left come from the client and are never read), and a trusted proxy's
   * `X-Forwarded-Host` stands for `Host` in the same-origin check.
   * - `false` (default): no proxy; the TCP peer is the client.
   * - `true`: exactly one trusted hop, the TCP peer: the right-most entry (unlike Express's `true`, which takes the
   *   left-most one, chosen by the client).
   * - a number `n`: `n` trusted hops counted from the TCP peer.
   * - addresses, CIDR subnets (IPv4 / IPv6; IPv4-mapped IPv6 matches IPv4) and `"loopback"`, `"linklocal"`,
   *   `"uniquelocal"`, as an array or a comma-separated string: every hop from the TCP peer leftwards that is one
   *   of them is a trusted proxy.
   * - `(address, hop) => boolean`: your own test (`hop` 0 is the TCP peer).
   * A malformed entry stops the walk (the last address stands). An invalid option throws from the constructor.
   *
   * @defaultValue false
   */
  trustProxy: TrustProxy;
  /**
   * Most binary attachments in one packet.
   *
   * @defaultValue 10
   */
  maxAttachments: number;
  /**
   * Most namespaces one connection may join; one more closes it ("parse error").
   *
   * @defaultValue 100
   */
  maxNamespacesPerConnection: number;
  /**
   * Serve the browser client at `<path>/socket.io.js`, `socket.io.min.js`, `socket.io.esm.min.js` and their maps,
   * as socket.io does (see also `Server#serveClient`).
   *
   * @defaultValue true
   */
  serveClient: boolean;
  /**
   * Called with every error roomcast catches from app code (handlers, ack callbacks, adapters), and where it was
   * caught.
   *
   * @defaultValue `console.error`, at most 20 lines per 10 s
   */
  onError: (err: Error, context: string) => void;
  /**
   * Per-socket limit on incoming events (token bucket). An event over it is not dispatched; its ack, if any, gets
   * `{ error: { code: "rate_limited", … } }`; `maxViolations` refusals within `violationWindowMs` disconnect the
   * socket ("rate limited").
   *
   * @defaultValue `undefined` (off)
   */
  eventRateLimit: EventRateLimitOptions | false;
  /**
   * Most concurrent Engine.IO sessions per client address (the TCP peer, or behind `trustProxy` the address the
   * trusted proxy saw: a client cannot pick its own by sending X-Forwarded-For); more get HTTP 429.
   *
   * @defaultValue `undefined` (off)
   */
  maxConnectionsPerAddress: number;
  /**
   * How long `close()` lets acks in flight settle before disconnecting everyone, in ms.
   *
   * @defaultValue 5000
   */
  shutdownGracePeriod: number;
  /**
   * Backpressure: most bytes buffered for one connection (engine.io's queue and the WebSocket's TCP buffer). Above
   * half of it volatile packets are dropped; a packet written while it is full closes the connection ("transport
   * buffer full"). At least 128 KiB; `Infinity` turns it off.
   *
   * @defaultValue 8 MiB (`8 * 1024 * 1024`)
   */
  maxBufferedBytes: number;
  /**
   * Backpressure: most packets engine.io may hold for one connection (e.g. a polling client that stopped polling).
   *
   * @defaultValue 10_000
   */
  maxBufferedPackets: number;
}

export type ResolvedRecovery = Required<ConnectionStateRecoveryOptions>;

export const DEFAULT_PATH = "/socket.io";
export const DEFAULT_CONNECT_TIMEOUT = 45_000;
export const DEFAULT_MAX_NAMESPACES_PER_CONNECTION = 100;
export const DEFAULT_SHUTDOWN_GRACE_PERIOD = 5000;

/** The options as given, over the defaults the Server keeps in its copy. */
export function withDefaults(opts: Partial<ServerOptions>): Partial<ServerOptions> {
  return { path: DEFAULT_PATH, connectTimeout: DEFAULT_CONNECT_TIMEOUT, cleanupEmptyChildNamespaces: false, ...opts };
}

/** `connectionStateRecovery` with its defaults filled in; undefined when recovery is off. */
export function resolveRecovery(recovery: ConnectionStateRecoveryOptions | undefined): ResolvedRecovery | undefined {
  return recovery
    ? {
        maxDisconnectionDuration: recovery.maxDisconnectionDuration ?? 120_000,
        skipMiddlewares: recovery.skipMiddlewares ?? true,
        maxPackets: recovery.maxPackets ?? 10_000,
      }
    : undefined;
}
