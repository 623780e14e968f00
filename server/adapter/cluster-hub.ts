/**
 * The part of a cluster adapter shared by every namespace of one server instance: its instance id, the outbox,
 * sequence numbers and duplicate detection, and the transport (Redis in roomcast/redis) which only moves strings.
 *
 * Every message an adapter sends gets the next sequence number and goes through the bounded outbox; a receiver
 * drops what it has already seen from that sender, so a message resent after a connection loss is delivered once, in
 * per-sender order.
 */
import { randomBytes } from "node:crypto";
import { Outbox, type Dropped } from "./outbox.js";
import { decodeMessage, encodeParts, type ClusterMessage, type MessageBody } from "./cluster-message.js";
import { toError } from "../../shared/errors.js";
import { Liveness, type LeaseStore } from "./liveness.js";
import { BrokerWatch, type BrokerStats, type DropReason } from "./cluster-metrics.js";
import type { SessionBackend } from "./cluster-recovery.js";

/**
 * What a transport must do: move strings between instances, every instance receiving every message in one order;
 * and keep liveness leases (see liveness.ts).
 */
export interface ClusterTransport extends LeaseStore {
  /** `self` is this instance's id: what {@link ClusterTransport.publishTo} other instances address it by. */
  start(sink: TransportSink, self: string): void;
  /** Publishes to every instance; rejects when not delivered to the broker. */
  publish(payload: string): Promise<unknown>;
  /**
   * Optional: publishes to one instance only, not kept by the broker (a response to its request). Resolves with the
   * number of receivers (0 when that instance is not listening right now).
   */
  publishTo?(uid: string, payload: string): Promise<number>;
  close(): Promise<void>;
  /** Id of the last stream entry delivered to the sink (undefined until the reader is positioned). */
  readonly cursor?: string | undefined;
  /** Where sessions are kept for recovery across instances (undefined: the transport keeps none). */
  readonly sessions?: SessionBackend | undefined;
}

export interface TransportSink {
  /** A raw message from another instance (or our own, read back). Never throws. */
  onMessage(payload: string): void;
  /** (Re)connected: buffered messages can flow again. */
  onReady(): void;
  onError(err: Error, context: string): void;
}

/** What the hub needs from an adapter. */
export interface HubMember {
  readonly nspName: string;
  onClusterMessage(msg: ClusterMessage): void;
  onTransportReady(): void;
  /** The other instances this namespace knows. */
  readonly peers: readonly string[];
  /** `uid`'s liveness lease is gone: drop it. */
  onPeerLapsed(uid: string): void;
  /** Our lease may have lapsed: announce this instance again. */
  announce(): void;
  /** Messages of this namespace were dropped (one call per expired batch). */
  onDropped(count: number, bytes: number, reason: DropReason): void;
  /** The broker is back and the outbox is empty (or the hub closes): a drop episode, if any, is over. */
  onDropsSettled(): void;
  reportError(err: Error, context: string): void;
}

/** Options of the cluster adapter, whatever the broker. */
export interface ClusterOptions {
  /**
   * How long fetchSockets, serverSideEmit with acks, allRooms, cross-instance recovery wait (ms).
   *
   * @defaultValue 5000
   */
  requestsTimeout?: number;
  /**
   * Heartbeat period (ms).
   *
   * @defaultValue 5000
   */
  heartbeatInterval?: number;
  /**
   * An instance silent for this long (ms) is considered gone.
   *
   * @defaultValue 10_000
   */
  heartbeatTimeout?: number;
  /**
   * Liveness lease (ms): each instance renews a key in Redis every quarter of this while it can publish and read; an
   * instance whose key expired (killed, or cut off from Redis) is dropped by the others within this + a quarter, and
   * requests stop waiting for it.
   *
   * @defaultValue 1000
   */
  livenessTimeout?: number;
  /**
   * Longest a message waits for the broker (ms) before it is dropped.
   *
   * @defaultValue 10_000
   */
  maxBufferMs?: number;
  /**
   * Most bytes buffered for the broker before the oldest are dropped.
   *
   * @defaultValue 16 MiB
   */
  maxBufferBytes?: number;
  /**
   * Least time (ms) between two "drop" events of one namespace while a drop episode lasts: an episode shorter than
   * this gets one event, at its end.
   *
   * @defaultValue 60_000
   */
  dropReportIntervalMs?: number;
}

export type ResolvedClusterOptions = Required<ClusterOptions>;

export function resolveOptions(opts: ClusterOptions = {}): ResolvedClusterOptions {
  return {
    requestsTimeout: opts.requestsTimeout ?? 5000,
    heartbeatInterval: opts.heartbeatInterval ?? 5000,
    heartbeatTimeout: opts.heartbeatTimeout ?? 10_000,
    livenessTimeout: opts.livenessTimeout ?? 1000,
    maxBufferMs: opts.maxBufferMs ?? 10_000,
    maxBufferBytes: opts.maxBufferBytes ?? 16 * 1024 * 1024,
    dropReportIntervalMs: opts.dropReportIntervalMs ?? 60_000,
  };
}

interface Queued {
  seq: number;
  payload: string;
  /** UTF-8 size of `payload`. */
  bytes: number;
  nsp: string;
}

/** Most publishes in flight at once (node-redis pipelines them on one connection). */
const MAX_INFLIGHT = 512;

export class ClusterHub implements TransportSink {
  readonly uid = randomBytes(8).toString("hex");
  readonly opts: ResolvedClusterOptions;
  readonly #makeTransport: () => ClusterTransport;
  #transport: ClusterTransport | undefined;
  readonly #members = new Map<string, HubMember>();
  readonly #outbox: Outbox<Queued>;
  #seq = 0;
  /** sender uid → highest sequence number seen */
  readonly #seen = new Map<string, number>();
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #liveness: Liveness;
  readonly #broker = new BrokerWatch();
  /** Some member has a drop episode running. */
  #dropping = false;
  /** Highest sequence number of our own messages read back from the broker. */
  #readBack = 0;
  readonly #waiters = new Set<{ seq: number; done: (settled: boolean) => void }>();

  constructor(makeTransport: () => ClusterTransport, opts: ResolvedClusterOptions) {
    this.#makeTransport = makeTransport;
    this.opts = opts;
    this.#outbox = new Outbox({ maxAgeMs: opts.maxBufferMs, maxBytes: opts.maxBufferBytes });
    const members = this.#members;
    this.#liveness = new Liveness(this.uid, opts.livenessTimeout, {
      *peers() {
        for (const member of members.values()) yield* member.peers;
      },
      gone: (uid) => {
        for (const member of members.values()) member.onPeerLapsed(uid);
      },
      announce: () => {
        for (const member of members.values()) member.announce();
      },
      onError: (err, context) => this.onError(err, context),
    });
  }

  /** True while publishing can succeed. */
  get ready(): boolean {
    return this.#transport?.ready === true;
  }

  /** True while this instance can publish and read (so answer the others' requests). */
  get live(): boolean {
    return this.#transport?.live === true;
  }

  /** Messages waiting for the broker, and their size (for tests and metrics). */
  get buffered(): { messages: number; bytes: number } {
    return { messages: this.#outbox.length, bytes: this.#outbox.bytes };
  }

  /** The broker connection: ready, outages, last outage's duration. */
  get broker(): BrokerStats {
    return this.#broker.stats(this.ready);
  }

  /**
   * Where this instance stands, for recovery offsets: the id of the last broker entry delivered to the adapters, the
   * sequence number of the last message sent, the highest one of ours read back from the broker.
   */
  get position(): { cursor: string | undefined; seq: number; readBack: number } {
    return { cursor: this.#transport?.cursor, seq: this.#seq, readBack: this.#readBack };
  }

  /** The transport's session store for recovery across instances (undefined when it has none). */
  get sessions(): SessionBackend | undefined {
    return this.#transport?.sessions;
  }

  /**
   * Resolves true once every message sent up to `seq` is settled — in the broker, or dropped past the outbox's
   * bounds — false after `ms` (or on close).
   */
  settled(seq: number, ms: number): Promise<boolean> {
    if (this.#settledSeq() >= seq) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        seq,
        done: (settled: boolean) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(settled);
        },
      };
      const timer = setTimeout(() => waiter.done(false), ms);
      this.#waiters.add(waiter);
    });
  }

  register(member: HubMember): void {
    this.#members.set(member.nspName, member);
    if (this.#transport === undefined) {
      this.#transport = this.#makeTransport();
      this.#transport.start(this, this.uid);
      this.#liveness.start(this.#transport);
      this.#timer = setInterval(() => this.#expire(), Math.max(100, Math.min(1000, this.opts.maxBufferMs / 4)));
      this.#timer.unref();
    }
  }

  async unregister(member: HubMember): Promise<void> {
    if (this.#members.get(member.nspName) !== member) return;
    this.#members.delete(member.nspName);
    if (this.#members.size > 0 || this.#transport === undefined) return;
    const transport = this.#transport;
    this.#transport = undefined;
    clearInterval(this.#timer);
    this.#liveness.stop();
    this.#outbox.clear();
    for (const waiter of this.#waiters) waiter.done(false);
    await transport.close();
  }

  /** Sends reliably: buffered while the broker is away, resent after a failure, dropped only beyond the bounds. */
  send(nsp: string, body: MessageBody, to?: string): void {
    const seq = ++this.#seq;
    const payload = encodeParts(this.uid, seq, nsp, to, body);
    const bytes = Buffer.byteLength(payload);
    this.#report(this.#outbox.push({ seq, payload, bytes, nsp }, bytes, Date.now()));
    this.#pump();
  }

  /**
   * Sends a response to the instance `to` that asked: straight to it when the transport can (pub/sub: no other
   * instance reads it, the broker keeps nothing), else — or when `to` is not listening at that moment — like send().
   * Not sequenced: a response is matched by its request id, and a duplicate is ignored.
   */
  reply(nsp: string, body: MessageBody, to: string): void {
    const transport = this.#transport;
    if (transport?.publishTo === undefined || !transport.ready) return this.send(nsp, body, to);
    transport.publishTo(to, encodeParts(this.uid, 0, nsp, to, body)).then(
      (receivers) => receivers > 0 || this.send(nsp, body, to),
      () => this.send(nsp, body, to),
    );
  }

  /** A request waits for `uids`: drop at once those whose broker connection is gone (see Liveness.probe). */
  readonly probe = (uids: readonly string[]): void => this.#liveness.probe(uids);

  /** Sends best-effort (heartbeats): dropped at once when the broker is away. */
  sendNow(nsp: string, body: MessageBody): void {
    const transport = this.#transport;
    if (transport === undefined || !transport.ready) return;
    transport.publish(encodeParts(this.uid, 0, nsp, undefined, body)).catch(() => undefined);
  }

  // ---- TransportSink ------------------------------------------------------------------------------------------

  onMessage(payload: string): void {
    let msg: ClusterMessage;
    try {
      msg = decodeMessage(payload);
    } catch (err) {
      this.onError(toError(err), "cluster message"); // a MalformedMessageError: our decoder throws nothing else
      return;
    }
    if (msg.uid === this.uid) {
      if (msg.seq > this.#readBack) this.#readBack = msg.seq;
      return;
    }
    if (msg.seq > 0) {
      const last = this.#seen.get(msg.uid);
      if (last !== undefined && msg.seq <= last) return; // a duplicate (resent after a connection loss)
      this.#seen.set(msg.uid, msg.seq);
    }
    if (msg.to !== undefined && msg.to !== this.uid) return;
    const member = this.#members.get(msg.nsp);
    if (member === undefined) return;
    try {
      member.onClusterMessage(msg);
    } catch (err) {
      member.reportError(toError(err), "cluster message handler");
    }
  }

  onReady(): void {
    this.#broker.up(Date.now());
    this.#liveness.claim(); // before the members' heartbeats, on the same connection
    this.#pump();
    for (const member of this.#members.values()) member.onTransportReady();
  }

  /** Never throws (transports call it from their "error" listeners and promise handlers). */
  onError(err: Error, context: string): void {
    if (this.#transport?.ready === false) this.#broker.down(Date.now());
    const first = this.#members.values().next().value;
    try {
      first?.reportError(toError(err), context);
    } catch {
      // a member's reportError ends in the server's, which never throws; nothing else to report to
    }
  }

  // ---- internals ----------------------------------------------------------------------------------------------

  #pump(): void {
    const transport = this.#transport;
    if (transport === undefined) return;
    const now = Date.now();
    while (transport.ready && this.#outbox.inflight < MAX_INFLIGHT) {
      const entry = this.#outbox.take(now);
      if (entry === undefined) return;
      const gen = entry.gen;
      transport.publish(entry.item.payload).then(
        () => {
          this.#outbox.confirm(entry);
          if (this.#dropping && this.#outbox.length === 0) this.#settle();
          if (this.#waiters.size > 0) this.#wakeWaiters();
          if (this.#outbox.hasWaiting) this.#pump();
        },
        (err: unknown) => {
          this.#outbox.fail(entry, gen); // resent from the oldest unconfirmed once the transport is ready again
          // a refusal while connected (not an outage, which the transport reports itself): retried every second
          if (transport.ready) this.onError(toError(err), "publish");
          else this.#broker.down(Date.now());
        },
      );
    }
  }

  #expire(): void {
    const now = Date.now();
    this.#report(this.#outbox.expire(now));
    if (!this.ready) this.#broker.down(now);
    else if (this.#dropping && this.#outbox.length === 0) this.#settle();
    if (this.#outbox.hasWaiting) this.#pump();
  }

  /** Ends the members' drop episodes: the broker is back and nothing waits for it. */
  #settle(): void {
    this.#dropping = false;
    for (const member of this.#members.values()) member.onDropsSettled();
  }

  #settledSeq(): number {
    const oldest = this.#outbox.oldest;
    return oldest === undefined ? this.#seq : oldest.seq - 1;
  }

  #wakeWaiters(): void {
    const settled = this.#settledSeq();
    for (const waiter of this.#waiters) if (waiter.seq <= settled) waiter.done(true);
  }

  #report(dropped: Array<Dropped<Queued>>): void {
    if (dropped.length > 0) this.#dropping = true;
    if (dropped.length > 0 && this.#waiters.size > 0) this.#wakeWaiters();
    for (const { items, reason } of dropped) {
      const byNsp = new Map<string, { count: number; bytes: number }>();
      for (const item of items) {
        const agg = byNsp.get(item.nsp) ?? { count: 0, bytes: 0 };
        agg.count++;
        agg.bytes += item.bytes;
        byNsp.set(item.nsp, agg);
      }
      for (const [nsp, agg] of byNsp) this.#members.get(nsp)?.onDropped(agg.count, agg.bytes, reason);
    }
  }
}
