/**
 * The stream transport of roomcast/redis: every cluster message is XADDed to one capped stream (`<key>:stream`), and
 * each instance reads it with a blocking XREAD from its own last id, so an instance whose connection was away a
 * moment catches up on what it missed. Messages that cannot be XADDed wait in the hub's bounded outbox.
 *
 * Connections (see connections.ts): one publisher, one stream reader (a blocking XREAD must not delay publishes).
 */
import type { ClusterTransport, TransportSink } from "../cluster-hub.js";
import { MalformedMessageError } from "../cluster-message.js";
import { RoomcastError, toError } from "../../../shared/errors.js";
import { guard, openOwn, shutdown, type OwnClient, type RedisClientTemplate } from "./connections.js";

/** The transport's settings (from the adapter options). */
export interface StreamTransportOptions {
  /** Prefix of every key. */
  key: string;
  /** Approximate cap of the stream (XADD MAXLEN ~). */
  maxStreamLength: number;
  /** Most entries per XREAD. */
  readCount: number;
  /** Longest pause between two reconnection attempts (ms). */
  reconnectMaxDelayMs: number;
}

export class RedisTransport implements ClusterTransport {
  readonly #templates: [RedisClientTemplate, RedisClientTemplate];
  readonly #stream: string;
  readonly #maxLen: string;
  readonly #count: string;
  readonly #maxDelay: number;
  #pub: OwnClient | undefined;
  #reader: OwnClient | undefined;
  #sink: TransportSink | undefined;
  #lastId: string | undefined;
  #closed = false;
  #positioned = false;
  readonly #wakers = new Set<() => void>();

  constructor(pub: RedisClientTemplate, sub: RedisClientTemplate, opts: StreamTransportOptions) {
    this.#templates = [pub, sub];
    this.#stream = `${opts.key}:stream`;
    this.#maxLen = String(opts.maxStreamLength);
    this.#count = String(opts.readCount);
    this.#maxDelay = opts.reconnectMaxDelayMs;
  }

  /** Can publish, and the reader is positioned: nothing we send before that could get an answer we would miss. */
  get ready(): boolean {
    return this.#pub?.isReady === true && this.#positioned;
  }

  start(sink: TransportSink): void {
    this.#sink = sink;
    const [pubTemplate, subTemplate] = this.#templates;
    for (const template of new Set(this.#templates)) guard(template, sink, "redis client");
    const own = (template: RedisClientTemplate, role: string, onReady: () => void) =>
      openOwn(template, sink, { role, noOfflineQueue: true, maxDelay: this.#maxDelay, onReady, closed: () => this.#closed });
    // ready = can publish and reading is positioned (so our hello's answers are not missed)
    this.#pub = own(pubTemplate, "publisher", () => {
      this.#wake();
      if (this.#positioned) sink.onReady();
    });
    this.#reader = own(subTemplate, "stream reader", () => this.#wake());
    void this.#readLoop();
  }

  publish(payload: string): Promise<unknown> {
    const pub = this.#pub;
    if (pub === undefined) return Promise.reject(new RoomcastError("ERR_TRANSPORT_CLOSED", "transport closed"));
    return pub.sendCommand(["XADD", this.#stream, "MAXLEN", "~", this.#maxLen, "*", "m", payload]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wake();
    const clients = [this.#pub, this.#reader];
    this.#pub = this.#reader = undefined;
    await Promise.all(clients.map((c) => (c === undefined ? undefined : shutdown(c))));
  }

  #wake(): void {
    for (const wake of this.#wakers) wake();
  }

  /** Waits for `client` to be ready (or the transport to close). */
  #whenReady(client: OwnClient, orAfterMs?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const wake = () => {
        if (!client.isReady && !this.#closed && orAfterMs === undefined) return;
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve();
      };
      this.#wakers.add(wake);
      if (orAfterMs !== undefined) timer = setTimeout(wake, orAfterMs);
      if (client.isReady || this.#closed) wake();
    });
  }

  async #readLoop(): Promise<void> {
    const reader = this.#reader!;
    while (!this.#closed) {
      if (!reader.isReady) {
        await this.#whenReady(reader);
        continue;
      }
      try {
        if (this.#lastId === undefined) {
          // start after the newest entry: history is not replayed to a new instance
          const newest = (await reader.sendCommand(["XREVRANGE", this.#stream, "+", "-", "COUNT", "1"])) as unknown[];
          this.#lastId = Array.isArray(newest?.[0]) ? String((newest[0] as unknown[])[0]) : "0-0";
          this.#positioned = true;
          if (this.#pub?.isReady) this.#sink?.onReady();
        }
        const reply = await reader.sendCommand(["XREAD", "COUNT", this.#count, "BLOCK", "5000", "STREAMS", this.#stream, this.#lastId]);
        for (const [id, fields] of entries(reply)) {
          this.#lastId = id;
          this.#deliver(fields);
        }
      } catch (err) {
        if (this.#closed) return;
        if (reader.isReady) {
          this.#sink?.onError(toError(err), "XREAD");
          await this.#whenReady(reader, 100); // a command error, not an outage: do not spin
        }
      }
    }
  }

  #deliver(fields: unknown): void {
    const sink = this.#sink!;
    const list = Array.isArray(fields) ? fields : [];
    for (let i = 0; i + 1 < list.length; i += 2) {
      if (String(list[i]) === "m") return sink.onMessage(String(list[i + 1]));
    }
    sink.onError(new MalformedMessageError('stream entry without an "m" field'), "cluster message");
  }
}

/** XREAD's reply (RESP2 array or RESP3 map) as `[id, [field, value, …]]` pairs; anything odd is skipped. */
function entries(reply: unknown): Array<[string, unknown]> {
  if (reply === null || reply === undefined) return [];
  let streams: unknown[];
  if (Array.isArray(reply)) streams = reply.map((s) => (Array.isArray(s) ? s[1] : undefined));
  else if (reply instanceof Map) streams = [...reply.values()];
  else if (typeof reply === "object") streams = Object.values(reply);
  else return [];
  const out: Array<[string, unknown]> = [];
  for (const list of streams) {
    if (!Array.isArray(list)) continue;
    for (const entry of list) if (Array.isArray(entry) && entry.length >= 2) out.push([String(entry[0]), entry[1]]);
  }
  return out;
}
