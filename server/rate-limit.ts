/**
 * Rate limits: a pure token bucket, the per-socket event limiter built on it (`eventRateLimit`), the count of
 * live Engine.IO sessions per client address (`maxConnectionsPerAddress`) and per HTTP connection
 * (`MAX_SESSIONS_PER_HTTP_CONNECTION`). No timers: buckets refill lazily from the clock passed in, so an idle socket
 * costs nothing.
 */
import { ServerResponse, type IncomingMessage } from "node:http";
import { codedRangeError } from "../shared/errors.js";
import type { ProxyTrust } from "./client-address.js";
import { refuseRequest, type MiddlewareResponse } from "./engine/http-refusal.js";
import { requestQuery } from "./engine/internals.js";

/** The `eventRateLimit` option: a per-socket token bucket on incoming events. */
export interface EventRateLimitOptions {
  /** Events a socket may send at once (bucket size). */
  burst: number;
  /** Tokens added per second (sustained rate). */
  perSecond: number;
  /**
   * Refused events within `violationWindowMs` that disconnect the socket ("rate limited").
   *
   * @defaultValue 20 (0: never)
   */
  maxViolations?: number;
  /**
   * The window in which violations are counted, in ms.
   *
   * @defaultValue 10_000
   */
  violationWindowMs?: number;
}

/** A token bucket: `burst` tokens, refilled continuously at `perSecond`. Time is passed in (ms), never read. */
export class TokenBucket {
  readonly burst: number;
  readonly perSecond: number;
  #tokens: number;
  #at: number;

  constructor(burst: number, perSecond: number, now: number) {
    if (!(burst >= 1) || !(perSecond > 0)) {
      throw codedRangeError("ERR_INVALID_OPTION", "token bucket: burst must be ≥ 1 and perSecond > 0");
    }
    this.burst = burst;
    this.perSecond = perSecond;
    this.#tokens = burst;
    this.#at = now;
  }

  /** Tokens available at `now` (fractional). */
  tokens(now: number): number {
    this.#refill(now);
    return this.#tokens;
  }

  /** Takes one token; false when the bucket is empty (nothing is taken). */
  take(now: number): boolean {
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds until one token is available at `now` (0 when one is). */
  retryAfter(now: number): number {
    this.#refill(now);
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) * 1000) / this.perSecond);
  }

  #refill(now: number): void {
    const elapsed = now - this.#at;
    if (elapsed > 0) this.#tokens = Math.min(this.burst, this.#tokens + (elapsed * this.perSecond) / 1000);
    this.#at = Math.max(this.#at, now);
  }
}

/** What happens to one incoming event. */
export type RateVerdict = { ok: true } | { ok: false; retryAfterMs: number; disconnect: boolean };

const OK: RateVerdict = { ok: true };

interface SocketBucket {
  bucket: TokenBucket;
  /** times (ms) of the refusals still inside the violation window, oldest first */
  violations: number[];
}

/** The ack payload a refused event's ack gets (README, "Limits and errors"). */
export interface RateLimitedAck {
  /** `code` "rate_limited", a `message`, and `retryAfterMs`: when the socket's bucket has a token again. */
  error: { code: "rate_limited"; message: string; retryAfterMs: number };
}

export function rateLimitedAck(retryAfterMs: number): RateLimitedAck {
  return { error: { code: "rate_limited", message: "too many events", retryAfterMs } };
}

/** One bucket per socket (created on its first event, dropped when it disconnects). */
export class EventRateLimiter<K extends object = object> {
  readonly #opts: Required<EventRateLimitOptions>;
  readonly #buckets = new Map<K, SocketBucket>();

  constructor(opts: EventRateLimitOptions) {
    this.#opts = { maxViolations: 20, violationWindowMs: 10_000, ...opts };
    new TokenBucket(opts.burst, opts.perSecond, 0); // validates the options at construction
  }

  get size(): number {
    return this.#buckets.size;
  }

  check(key: K, now = Date.now()): RateVerdict {
    let entry = this.#buckets.get(key);
    if (entry === undefined) {
      entry = { bucket: new TokenBucket(this.#opts.burst, this.#opts.perSecond, now), violations: [] };
      this.#buckets.set(key, entry);
    }
    if (entry.bucket.take(now)) return OK;
    const { maxViolations, violationWindowMs } = this.#opts;
    const violations = entry.violations;
    violations.push(now);
    while (violations.length > 0 && violations[0]! <= now - violationWindowMs) violations.shift();
    if (violations.length > maxViolations) violations.shift(); // never more than needed to decide
    const disconnect = maxViolations > 0 && violations.length >= maxViolations;
    return { ok: false, retryAfterMs: entry.bucket.retryAfter(now), disconnect };
  }

  release(key: K): void {
    this.#buckets.delete(key);
  }
}

/** Live Engine.IO sessions per client address (`maxConnectionsPerAddress`; the address is `ProxyTrust.clientAddress`). */
export class AddressCounter {
  readonly max: number;
  readonly #counts = new Map<string, number>();

  constructor(max: number) {
    if (!(max >= 1)) throw codedRangeError("ERR_INVALID_OPTION", "maxConnectionsPerAddress must be ≥ 1");
    this.max = max;
  }

  /** Number of addresses with at least one session. */
  get size(): number {
    return this.#counts.size;
  }

  count(address: string): number {
    return this.#counts.get(address) ?? 0;
  }

  full(address: string): boolean {
    return this.count(address) >= this.max;
  }

  /** Counts one more session; false (nothing counted) when the address is already at the limit. */
  acquire(address: string): boolean {
    const n = this.count(address);
    if (n >= this.max) return false;
    this.#counts.set(address, n + 1);
    return true;
  }

  release(address: string): void {
    const n = this.count(address);
    if (n <= 1) this.#counts.delete(address);
    else this.#counts.set(address, n - 1);
  }
}

/**
 * Most live Engine.IO sessions opened by long-polling handshakes over one HTTP connection (a keep-alive TCP connection,
 * or one HTTP/2 session).
 * A client that pipelines handshakes without reading the answers would otherwise open one session per request until
 * Node stops reading (about 14,000, ~5 kB each, held until their heartbeat times out). Browsers share a handful of
 * connections per origin among all their tabs, so the bound is generous.
 */
export const MAX_SESSIONS_PER_HTTP_CONNECTION = 1000;

/** Live sessions per HTTP connection (a WeakMap: no property added to Node's sockets, whose shape stays one). */
const sessionsOn = new WeakMap<object, number>();

/** What a request's sessions are counted on: its HTTP/2 session, else its TCP socket. */
function httpConnectionOf(req: IncomingMessage): object | undefined {
  const h2 = (req as { stream?: { session?: object } }).stream?.session;
  return h2 ?? req.socket ?? undefined;
}

/** Live sessions opened over the HTTP connection of `req`. */
export function sessionsOnConnectionOf(req: IncomingMessage): number {
  const on = httpConnectionOf(req);
  return on === undefined ? 0 : (sessionsOn.get(on) ?? 0);
}

/**
 * Counts a session opened by a long-polling handshake `req` on its HTTP connection (released by
 * `releaseSession(req)`); false when full. A WebSocket handshake is not counted: its connection carries nothing else.
 */
export function acquireSession(req: IncomingMessage, transport: string): boolean {
  if (transport !== "polling") return true;
  const on = httpConnectionOf(req);
  if (on === undefined) return true;
  const n = sessionsOn.get(on) ?? 0;
  if (n >= MAX_SESSIONS_PER_HTTP_CONNECTION) return false;
  sessionsOn.set(on, n + 1);
  return true;
}

export function releaseSession(req: IncomingMessage): void {
  const on = httpConnectionOf(req);
  const n = on === undefined ? undefined : sessionsOn.get(on);
  if (n === undefined) return; // not counted (a WebSocket handshake)
  if (n <= 1) sessionsOn.delete(on!);
  else sessionsOn.set(on!, n - 1);
}

/**
 * engine.io middleware: a new session (a request without `sid`: polling handshake or direct WebSocket) from an
 * address that already holds `max` sessions gets HTTP 429 `{"code":429,"message":"too many connections"}`.
 */
export function refuseBusyAddresses(counter: AddressCounter, trust: ProxyTrust) {
  return (req: IncomingMessage, res: MiddlewareResponse, next: (err?: unknown) => void): void => {
    if (isSessionRequest(req) || !counter.full(trust.clientAddress(req))) return next();
    refuseRequest(res, 429, 429, "too many connections", "ERR_TOO_MANY_CONNECTIONS", next);
  };
}

/**
 * engine.io middleware: a new session over an HTTP connection that already carries
 * `MAX_SESSIONS_PER_HTTP_CONNECTION` live ones gets HTTP 429 `{"code":429,"message":"too many sessions on one
 * connection"}` (handshakes pipelined in one read all pass here: the admission in the Server closes the extra ones).
 */
export function refuseBusyHttpConnections(req: IncomingMessage, res: MiddlewareResponse, next: (err?: unknown) => void): void {
  // an upgrade is not counted (its connection carries nothing else), nor a request of an existing session
  if (!(res instanceof ServerResponse) || isSessionRequest(req) || sessionsOnConnectionOf(req) < MAX_SESSIONS_PER_HTTP_CONNECTION) return next();
  refuseRequest(res, 429, 429, "too many sessions on one connection", "ERR_TOO_MANY_SESSIONS", next);
}

/** engine.io middleware: no new session while the server shuts down (HTTP 503). */
export function refuseWhile(closing: () => boolean) {
  return (req: IncomingMessage, res: MiddlewareResponse, next: (err?: unknown) => void): void => {
    if (!closing()) return next();
    // every answer while closing ends its keep-alive connection: a client retrying on one would otherwise keep it
    // busy, and the HTTP server's close() waits for every connection
    if (res instanceof ServerResponse) res.setHeader("Connection", "close");
    if (isSessionRequest(req)) return next();
    refuseRequest(res, 503, 503, "server shutting down", "ERR_SHUTTING_DOWN", next);
  };
}

function isSessionRequest(req: IncomingMessage): boolean {
  const query = requestQuery(req);
  if (query !== undefined) return typeof query["sid"] === "string";
  return /[?&]sid=/.test(req.url ?? "");
}
