/**
 * The adapter's Redis connections: made from the user's client template (`duplicate()`) with our own reconnect
 * strategy and no offline queue, their errors reported once per outage; the "error" guard put on the user's own
 * clients; and closing. The only place that creates or closes a Redis connection.
 */
import type { RedisClientType } from "redis";
import type { TransportSink } from "../cluster-hub.js";
import { toError } from "../../../shared/errors.js";

/**
 * A node-redis client, as {@link roomcast/redis!createAdapter} takes it: a template the adapter opens its own
 * connections from (`duplicate()`, with its own reconnect strategy) and listens to for "error". Any `createClient()`
 * result fits, whatever its modules, scripts, functions, RESP version or type mapping.
 */
export interface RedisClientTemplate {
  /** The options the client was created with (its `socket` options are kept for the adapter's connections). */
  readonly options?:
    | {
        /** Its socket options (host, port, TLS…). */
        readonly socket?: object;
      }
    | undefined;
  /** A new client with the same options, overridden by `overrides`. */
  duplicate(overrides: { socket: object; disableOfflineQueue: boolean }): unknown;
  /** Listens for the client's errors. */
  on(event: "error", listener: (err: unknown) => void): unknown;
  /** Listens for the client's "ready" (connected, again): its next error is reported again. */
  on(event: "ready", listener: () => void): unknown;
}

/** The adapter's own connections (made from a template: plain RESP 3 clients, no modules). */
export type OwnClient = RedisClientType;

export interface OwnOptions {
  role: string;
  /** Fail commands at once while disconnected instead of queueing them. */
  noOfflineQueue: boolean;
  /** Longest pause between two reconnection attempts (ms). */
  maxDelay: number;
  /** Called on "ready" (first connect and every reconnect). */
  onReady(): void;
  /** True once the transport is closing: errors are no longer reported. */
  closed(): boolean;
}

/** A connection of our own: our reconnect strategy, no offline queue, errors reported once per outage. */
export function openOwn(template: RedisClientTemplate, sink: TransportSink, opts: OwnOptions): OwnClient {
  const { maxDelay, role } = opts;
  const socket = { ...(template.options?.socket ?? {}), reconnectStrategy: (retries: number) => Math.min(50 * (retries + 1), maxDelay) };
  const client = template.duplicate({ socket, disableOfflineQueue: opts.noOfflineQueue }) as OwnClient;
  let down = false;
  client.on("error", (err: unknown) => {
    if (down || opts.closed()) return;
    down = true;
    sink.onError(toError(err), `redis ${role}`);
  });
  client.on("ready", () => {
    down = false;
    opts.onReady();
  });
  client.connect().catch((err: unknown) => {
    if (!opts.closed()) sink.onError(toError(err), `redis ${role} connect`);
  });
  return client;
}

/**
 * The user's own clients get an "error" listener too: an unhandled "error" event would crash the process. Like our
 * own connections, a client the user connected reports its first error of an outage, then nothing until it is
 * ready again (node-redis emits one "error" per failed reconnection attempt).
 */
export function guard(client: RedisClientTemplate, sink: TransportSink, role: string): void {
  const marker = Symbol.for("roomcast.redis.guarded");
  // a marker of ours on node-redis's client: this cast stays here, not in server/engine/internals.ts, as
  // roomcast/redis alone imports redis (test/server/engine-internals.test.ts allows it)
  const c = client as unknown as Record<symbol, boolean>;
  if (c[marker]) return;
  c[marker] = true;
  let down = false;
  client.on("error", (err: unknown) => {
    if (down) return;
    down = true;
    sink.onError(toError(err), role);
  });
  client.on("ready", () => {
    down = false;
  });
}

/** Closes a connection: QUIT when it can (bounded to 1 s), then destroys it. */
export async function shutdown(client: OwnClient): Promise<void> {
  try {
    if (client.isReady) {
      await Promise.race([client.close(), new Promise((r) => setTimeout(r, 1000).unref())]);
    }
  } catch {
    // closing anyway
  }
  try {
    if (client.isOpen) client.destroy();
  } catch {
    // already closed
  }
}
