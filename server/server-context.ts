/**
 * What a Server knows and hands down: its options compiled (proxy trust, origins, buffer bounds, recovery), its
 * shared tables (acks in flight, rate-limit buckets, connections per address, namespaces) and its error reporting.
 * One per server; it is the {@link NamespaceContext} of every namespace and the {@link ClientContext} of every client
 * session, so that neither reaches up to the Server.
 */
import { EventEmitter } from "node:events";
import { DEFAULT_MAX_ATTACHMENTS } from "../shared/decoder.js";
import { toError } from "../shared/errors.js";
import { Adapter, type AdapterConstructor } from "./adapter/adapter.js";
import type { ClientContext } from "./client.js";
import { ProxyTrust } from "./client-address.js";
import { bufferLimits, type BufferLimits } from "./engine/backpressure.js";
import { ErrorLog } from "./error-log.js";
import { InflightAcks } from "./inflight.js";
import type { Namespace, NamespaceContext } from "./namespace.js";
import { NamespaceRegistry, type RegisteredNamespace } from "./namespace-registry.js";
import {
  DEFAULT_CONNECT_TIMEOUT,
  DEFAULT_MAX_NAMESPACES_PER_CONNECTION,
  resolveRecovery,
  withDefaults,
  type ResolvedRecovery,
  type ServerOptions,
} from "./options.js";
import { OriginGate } from "./origins.js";
import { AddressCounter, EventRateLimiter } from "./rate-limit.js";

export class ServerContext implements NamespaceContext, ClientContext {
  /** The options as given (with socket.io's defaults), updated by `attach(srv, opts)` and the accessors. */
  readonly opts: Partial<ServerOptions>;
  readonly recovery: ResolvedRecovery | undefined;
  /** Acks in flight (graceful shutdown, stats). */
  readonly inflight = new InflightAcks();
  /** The `eventRateLimit` buckets (undefined when off). */
  readonly rateLimiter: EventRateLimiter | undefined;
  /** Engine.IO sessions per client address (`maxConnectionsPerAddress`; undefined when off). */
  readonly addresses: AddressCounter | undefined;
  /** The namespaces, and the dynamic families that create them. */
  readonly namespaces: NamespaceRegistry;
  adapterConstructor: AdapterConstructor;
  #trust!: ProxyTrust;
  #origins!: OriginGate;
  #bufferLimits!: BufferLimits;
  readonly #errors: ErrorLog;

  /** Compiles `opts` (an invalid `trustProxy` or origin policy throws); `announce` is told of each new namespace. */
  constructor(opts: Partial<ServerOptions>, announce: (nsp: RegisteredNamespace) => void) {
    this.opts = withDefaults(opts);
    this.adapterConstructor = opts.adapter ?? Adapter;
    this.recovery = resolveRecovery(opts.connectionStateRecovery);
    this.#errors = new ErrorLog(opts.onError);
    this.rateLimiter = opts.eventRateLimit ? new EventRateLimiter(opts.eventRateLimit) : undefined;
    this.addresses = opts.maxConnectionsPerAddress !== undefined ? new AddressCounter(opts.maxConnectionsPerAddress) : undefined;
    this.#compile();
    this.namespaces = new NamespaceRegistry((err, context) => this.reportError(err, context), announce);
  }

  /** `attach(srv, opts)`: merges `opts` and compiles the options again. */
  reconfigure(opts: Partial<ServerOptions>): void {
    Object.assign(this.opts, opts);
    this.#compile();
  }

  /** Compiles the proxy trust, the origin policy and the buffer bounds from the options (an invalid one throws). */
  #compile(): void {
    this.#trust = ProxyTrust.compile(this.opts.trustProxy);
    this.#origins = new OriginGate({ allowedOrigins: this.opts.allowedOrigins, cors: this.opts.cors, trust: this.#trust });
    this.#bufferLimits = bufferLimits(this.opts.maxBufferedBytes, this.opts.maxBufferedPackets);
  }

  /** The compiled `trustProxy` option. */
  get trustProxy(): ProxyTrust {
    return this.#trust;
  }

  /** The compiled origin policy (`allowedOrigins`, `cors`). */
  get origins(): OriginGate {
    return this.#origins;
  }

  get bufferLimits(): BufferLimits {
    return this.#bufferLimits;
  }

  get maxAttachments(): number {
    return this.opts.maxAttachments ?? DEFAULT_MAX_ATTACHMENTS;
  }

  get maxNamespacesPerConnection(): number {
    return this.opts.maxNamespacesPerConnection ?? DEFAULT_MAX_NAMESPACES_PER_CONNECTION;
  }

  get connectTimeout(): number {
    return this.opts.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT;
  }

  resolveNamespace(name: string, auth: Record<string, unknown>): Promise<RegisteredNamespace | undefined> {
    return this.namespaces.resolve(name, auth);
  }

  namespaceEmptied<L extends object, E extends object, S extends object, D>(nsp: Namespace<L, E, S, D>): void {
    if (!this.opts.cleanupEmptyChildNamespaces || !this.namespaces.removeChild(nsp)) return;
    void nsp.adapter.close().catch((err: unknown) => this.reportError(toError(err), "adapter.close"));
  }

  /**
   * Every value thrown or rejected by app code (or an adapter) ends up here, whatever it is (toError makes an Error of
   * it): to the socket's "error" listeners when there are any, else to `onError` / the rate-limited log. Never throws.
   */
  reportError(value: unknown, context: string, socket?: EventEmitter): void {
    let err = toError(value);
    if (socket !== undefined && socket.listenerCount("error") > 0) {
      try {
        EventEmitter.prototype.emit.call(socket, "error", err);
        return;
      } catch (e) {
        err = toError(e);
        context = `"error" listener (reporting an error in ${context})`;
      }
    }
    this.#errors.report(err, context);
  }
}
