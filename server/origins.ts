/**
 * Which browser origins may open or use a session, over both transports (the cross-site WebSocket hijacking
 * guard). One gate per Server, from the first of:
 * - `allowedOrigins` (roomcast's): exactly that list or predicate; `cors` then only writes CORS headers;
 * - socket.io's `cors.origin` (string, RegExp, array, `true` / `"*"`, or `(origin, cb)`; also a `cors` delegate
 *   `(req, cb)`): the page's own origin (see below) plus what the option allows, as browsers apply CORS;
 * - otherwise same-origin: the Origin's host and port must be the request's `Host` (or `X-Forwarded-Host` from a
 *   trusted proxy), the port defaulting to 80 / 443 by the Origin's scheme on both sides; schemes are not compared.
 * A request without Origin (not from a browser page) is always allowed. A refusal is HTTP 403
 * `{"code":4,"message":"Forbidden"}`, on every request of a session (handshake, polls, WebSocket upgrades).
 */
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { codedTypeError, toError } from "../shared/errors.js";
import type { ServerOptions as EngineOptions } from "engine.io";
import type { ProxyTrust } from "./client-address.js";
import { refuseRequest, type MiddlewareResponse } from "./engine/http-refusal.js";

/** The `allowedOrigins` option: a list of origins (`"*"` for all; compared case-insensitively) or a predicate. */
export type AllowedOrigins = readonly string[] | ((origin: string) => boolean);

/** engine.io's `cors` option (the `cors` package's options, or its per-request delegate). */
export type CorsOption = NonNullable<EngineOptions["cors"]>;
type CorsDelegate = Extract<CorsOption, (...args: never[]) => unknown>;
type CorsOptions = Exclude<CorsOption, CorsDelegate>;
type CorsOrigin = NonNullable<CorsOptions["origin"]>;
type CustomOrigin = Extract<CorsOrigin, (...args: never[]) => unknown>;
type StaticOrigin = Exclude<CorsOrigin, CustomOrigin>;
type CorsRequest = Parameters<CorsDelegate>[0];

type Rule =
  | { kind: "list"; allows: (origin: string) => boolean }
  | { kind: "same-origin" }
  | { kind: "cors"; allows: (origin: string) => boolean }
  | { kind: "cors-function"; options: CorsOptions; fn: CustomOrigin }
  | { kind: "cors-delegate"; fn: CorsDelegate };

export interface OriginGateOptions {
  allowedOrigins?: AllowedOrigins | undefined;
  cors?: CorsOption | undefined;
  trust: ProxyTrust;
}

/** The compiled origin policy of one Server. */
export class OriginGate {
  readonly #rule: Rule;
  readonly #trust: ProxyTrust;
  /** decisions the `cors` delegate already took for a request (an app's origin function is called once) */
  readonly #decided = new WeakMap<object, boolean>();

  /** TypeError for an option of the wrong shape. */
  constructor({ allowedOrigins, cors, trust }: OriginGateOptions) {
    this.#trust = trust;
    this.#rule = allowedOrigins !== undefined ? listRule(allowedOrigins) : corsRule(cors);
  }

  /** Decides for one request; `done` is called once, synchronously unless an app's function answers later. */
  check(req: IncomingMessage, done: (allowed: boolean) => void): void {
    const origin = req.headers.origin;
    if (origin === undefined) return done(true);
    const rule = this.#rule;
    if (rule.kind === "list") return done(rule.allows(origin));
    if (this.#sameOrigin(req, origin)) return done(true);
    if (rule.kind === "same-origin") return done(false);
    if (rule.kind === "cors") return done(rule.allows(origin));
    const decided = this.#decided.get(req);
    if (decided !== undefined) {
      this.#decided.delete(req);
      return done(decided);
    }
    this.#resolve(rule, req, origin, (allowed) => done(allowed));
  }

  /**
   * The `cors` option engine.io gets. With an origin function (or a delegate) it is wrapped so that the function
   * runs once per cross-origin request: the verdict goes both to the CORS headers and to the gate.
   */
  engineCors(cors: CorsOption | undefined): CorsOption | undefined {
    const rule = this.#rule;
    if (rule.kind !== "cors-function" && rule.kind !== "cors-delegate") return cors;
    return (req: CorsRequest, callback: (err: Error | null, options?: CorsOptions) => void) => {
      const origin = req.headers.origin;
      if (origin === undefined || this.#sameOrigin(req as IncomingMessage, origin)) {
        // as engine.io alone would: the app's function sees this request
        return rule.kind === "cors-function" ? callback(null, rule.options) : rule.fn(req, callback);
      }
      this.#resolve(rule, req, origin, (allowed, options) => {
        this.#decided.set(req, allowed);
        callback(null, options);
      });
    };
  }

  #sameOrigin(req: IncomingMessage, origin: string): boolean {
    const host = this.#trust.requestHost(req);
    return host !== undefined && sameOrigin(origin, host);
  }

  /** Calls the app's origin function (and delegate): allowed, and the CORS options for that answer. */
  #resolve(
    rule: Extract<Rule, { kind: "cors-function" | "cors-delegate" }>,
    req: CorsRequest,
    origin: string,
    done: (allowed: boolean, options: CorsOptions) => void,
  ): void {
    const decide = (options: CorsOptions | undefined) => {
      const value = options?.origin;
      if (typeof value !== "function") {
        // no origin, or false: no list, only the page's own origin (already checked)
        const allowed = value !== undefined && value !== false && allowsStatic(value, origin, true);
        return done(allowed, { ...options, origin: allowed ? value : false });
      }
      callOnce<StaticOrigin>(
        (cb) => value(origin, cb),
        (err, answer) => {
          const allowed = err === null && answer !== undefined && answer !== false && allowsStatic(answer, origin, true);
          done(allowed, { ...options, origin: allowed ? answer : false });
        },
      );
    };
    if (rule.kind === "cors-function") return decide(rule.options);
    callOnce<CorsOptions>(
      (cb) => rule.fn(req, cb),
      (err, options) => (err === null ? decide(options) : done(false, { origin: false })),
    );
  }
}

/**
 * Runs an app's callback-style function; `done` gets its first answer only, never inside the app's call (so what
 * `done` throws is not taken for the app's error). A throw before any answer is an error (a refusal).
 */
function callOnce<T>(fn: (cb: (err: Error | null, value?: T) => void) => void, done: (err: Error | null, value?: T) => void): void {
  let answered = false;
  let inside = true;
  let early: [Error | null, T | undefined] | undefined;
  const once = (err: Error | null, value?: T) => {
    if (answered) return;
    answered = true;
    if (inside) early = [err ?? null, value];
    else done(err ?? null, value);
  };
  try {
    fn(once);
  } catch (err) {
    once(toError(err));
  }
  inside = false;
  if (early !== undefined) done(early[0], early[1]);
}

function listRule(allowed: AllowedOrigins): Rule {
  if (typeof allowed === "function") {
    return {
      kind: "list",
      allows: (origin) => {
        try {
          return allowed(origin) === true; // not merely truthy: an async predicate (a Promise) refuses
        } catch {
          return false;
        }
      },
    };
  }
  if (!Array.isArray(allowed) || !allowed.every((o) => typeof o === "string")) {
    const message = "allowedOrigins: expected an array of origins (strings) or a function (origin) => boolean";
    throw codedTypeError("ERR_INVALID_OPTION", message);
  }
  const set = new Set((allowed as readonly string[]).map((o) => o.toLowerCase().replace(/\/$/, "")));
  if (set.has("*")) return { kind: "list", allows: () => true };
  return { kind: "list", allows: (origin) => set.has(origin.toLowerCase()) };
}

function corsRule(cors: CorsOption | undefined): Rule {
  if (cors === undefined || cors === null || (cors as unknown) === false) return { kind: "same-origin" };
  if (typeof cors === "function") return { kind: "cors-delegate", fn: cors };
  if (typeof cors !== "object") {
    throw codedTypeError("ERR_INVALID_OPTION", "cors: expected the cors package's options object or a delegate (req, cb)");
  }
  const origin = cors.origin;
  if (origin === undefined || origin === false) return { kind: "same-origin" };
  if (typeof origin === "function") return { kind: "cors-function", options: cors, fn: origin };
  if (!isStaticOrigin(origin, true)) {
    const message = "cors.origin: expected a string, a RegExp, a boolean, an array of them, or a function (origin, callback)";
    throw codedTypeError("ERR_INVALID_OPTION", message);
  }
  return { kind: "cors", allows: (o) => allowsStatic(origin, o, true) };
}

function isStaticOrigin(value: unknown, top: boolean): boolean {
  if (typeof value === "string" || typeof value === "boolean" || value instanceof RegExp) return true;
  return top && Array.isArray(value) && value.every((v) => isStaticOrigin(v, false));
}

/**
 * Whether a `cors.origin` value lets `origin` in, as the cors package and the browser decide together: `"*"` and
 * `true` allow every origin, a string exactly its origin, a RegExp what it matches; in an array, strings are
 * compared exactly (`"*"` too) and RegExps tested.
 */
function allowsStatic(value: unknown, origin: string, top: boolean): boolean {
  if (typeof value === "string") return (top && value === "*") || value === origin;
  if (value instanceof RegExp) {
    value.lastIndex = 0; // a /g or /y RegExp keeps state between tests
    return value.test(origin);
  }
  if (Array.isArray(value)) return top && value.some((v) => allowsStatic(v, origin, false));
  return Boolean(value);
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, ws: 80, https: 443, wss: 443 };

/**
 * Whether an Origin header (`scheme://host[:port]`) names the host and port of a `Host` value (`host[:port]`).
 * A missing port is the Origin scheme's default on both sides; only http(s) and ws(s) origins can match; IPv6
 * hosts are compared in canonical form.
 */
export function sameOrigin(origin: string, host: string): boolean {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#@\s]+)$/i.exec(origin);
  const defaultPort = match === null ? undefined : DEFAULT_PORTS[match[1]!.toLowerCase()];
  if (defaultPort === undefined) return false; // "null", file:, extensions, anything with a path
  const a = parseAuthority(match![2]!);
  const b = parseAuthority(host.trim());
  return a !== undefined && b !== undefined && a.host === b.host && (a.port ?? defaultPort) === (b.port ?? defaultPort);
}

/** `host[:port]` with the host lowercased (IPv6 canonical, in brackets); undefined when malformed. */
function parseAuthority(text: string): { host: string; port: number | undefined } | undefined {
  let host: string;
  let rest: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0 || isIP(text.slice(1, close)) !== 6) return undefined;
    try {
      host = new URL(`http://${text.slice(0, close + 1)}`).hostname; // canonical IPv6 ("[::1]")
    } catch {
      return undefined;
    }
    rest = text.slice(close + 1);
  } else {
    const colon = text.indexOf(":");
    host = (colon < 0 ? text : text.slice(0, colon)).toLowerCase();
    rest = colon < 0 ? "" : text.slice(colon);
    if (host === "" || /[\s/?#@[\]\\]/.test(host)) return undefined;
  }
  if (rest === "" || rest === ":") return { host, port: undefined };
  if (!/^:\d{1,5}$/.test(rest)) return undefined;
  const port = Number(rest.slice(1));
  return port <= 65535 ? { host, port } : undefined;
}

/**
 * engine.io middleware: refuses a request the gate refuses with HTTP 403, for every request of a session
 * (handshake, later polls, and WebSocket upgrades, which engine.io itself would only answer with 400).
 */
export function refuseForeignOrigins(gate: OriginGate) {
  return (req: IncomingMessage, res: MiddlewareResponse, next: (err?: unknown) => void): void => {
    if (req.headers.origin === undefined) return next(); // not from a browser page: no closure on this path
    gate.check(req, (allowed) => (allowed ? next() : refuseRequest(res, 403, 4, "Forbidden", "ERR_ORIGIN_REFUSED", next)));
  };
}
