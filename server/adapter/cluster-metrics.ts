/**
 * What a cluster adapter can tell about itself: counters kept on the hot paths (an increment, no allocation), drop
 * episodes (one "drop" event per episode instead of one per expired batch), the broker's outages, and the latencies
 * of recent cluster requests. Read through `adapter.clusterStats()` and `io.stats().cluster`.
 *
 * Pure: no timers, no I/O; time comes in as an argument.
 */

/** Why messages waiting for the broker were dropped: too old (`maxBufferMs`) or over `maxBufferBytes`. */
export type DropReason = "age" | "size";

/**
 * The payload of a cluster adapter's "drop" event: the messages of one namespace dropped during one episode. An
 * episode starts at the first drop and ends once the broker is back and every buffered message was delivered (or
 * the adapter closes); the event comes at its end. An episode longer than `dropReportIntervalMs` also gets an
 * interim event (`ongoing: true`) at most once per interval, each covering the drops since the previous event: the
 * sum of `count` over every event is the number of messages lost.
 */
export interface DropReport {
  /** Messages dropped (in the span this event covers). */
  count: number;
  /** Their size (UTF-8 bytes of the encoded messages). */
  bytes: number;
  /** The reason of most of them (`reasons` has the split). */
  reason: DropReason;
  /** Messages dropped for each reason. */
  reasons: {
    /** Dropped because they waited longer than `maxBufferMs`. */
    age: number;
    /** Dropped because the outbox held more than `maxBufferBytes`. */
    size: number;
  };
  /** When the first of them was dropped (ms since the epoch). */
  since: number;
  /** When the span ended: the end of the episode, or the time of an interim event (ms since the epoch). */
  until: number;
  /** True for an interim summary of an episode still running: another event follows. */
  ongoing: boolean;
}

/** The drops of an episode still running (live totals, before its "drop" event). */
export interface DropEpisodeStats {
  /** Messages dropped since the episode started. */
  count: number;
  /** Their size in bytes. */
  bytes: number;
  /** Messages dropped for each reason. */
  reasons: {
    /** Dropped because they waited longer than `maxBufferMs`. */
    age: number;
    /** Dropped because the outbox held more than `maxBufferBytes`. */
    size: number;
  };
  /** When the episode's first drop happened (ms since the epoch). */
  since: number;
}

/** The broker connection, as seen by the server instance (shared by its namespaces). */
export interface BrokerStats {
  /** True while messages can be published. */
  ready: boolean;
  /** Outages since the connection was first ready (a start while the broker is down is not counted). */
  outages: number;
  /** Duration of the last finished outage in ms (null when there was none). */
  lastOutageMs: number | null;
  /** When the current outage started (ms since the epoch), null while the broker is ready. */
  downSince: number | null;
}

/** `adapter.clusterStats()`: the figures of one namespace's cluster adapter. */
export interface ClusterAdapterStats {
  /** This server instance's id in the cluster. */
  uid: string;
  /** The other live instances serving this namespace. */
  peers: {
    /** How many. */
    count: number;
    /** Their instance ids. */
    ids: string[];
  };
  /** What waits for the broker (the outbox is shared by the instance's namespaces). */
  outbox: {
    /** Messages buffered (sent but not yet confirmed included). */
    messages: number;
    /** Their size in bytes. */
    bytes: number;
  };
  /** Messages this namespace sent to the cluster (heartbeats excluded; a resend counts once). */
  sent: number;
  /** Messages this namespace received from other instances (heartbeats and duplicates excluded). */
  received: number;
  /** Messages of this namespace dropped while waiting for the broker. */
  drops: {
    /** Messages dropped since the adapter started. */
    count: number;
    /** Their size in bytes. */
    bytes: number;
    /** Drop episodes that ended (each got its final "drop" event). */
    episodes: number;
    /** The running episode's live totals, null when none runs. */
    current: DropEpisodeStats | null;
  };
  /**
   * Cluster requests (fetchSockets, serverSideEmit with acks, allRooms, cross-instance recovery) sent while some
   * other instance was alive.
   */
  requests: {
    /** Requests sent since the adapter started. */
    count: number;
    /** Those that failed (timeout, adapter closed). */
    failed: number;
    /** Median latency (ms) of the last 256 requests, null before the first. */
    p50Ms: number | null;
    /** 99th percentile latency (ms) of the last 256 requests, null before the first. */
    p99Ms: number | null;
  };
  /** The broker connection. */
  broker: BrokerStats;
}

/** What the figures need from the hub (the instance's broker connection and outbox). */
interface HubFigures {
  readonly uid: string;
  readonly buffered: { messages: number; bytes: number };
  readonly broker: BrokerStats;
}

/** The counters of one namespace's cluster adapter. */
export class AdapterMetrics {
  readonly drops: DropEpisodes;
  readonly latency = new LatencyWindow();
  sent = 0;
  received = 0;

  constructor(dropReportIntervalMs: number) {
    this.drops = new DropEpisodes(dropReportIntervalMs);
  }

  /** Records the latency of a request once it settles. */
  time(request: Promise<unknown>): void {
    const started = performance.now();
    request.then(
      () => this.latency.add(performance.now() - started, false),
      () => this.latency.add(performance.now() - started, true),
    );
  }

  stats(hub: HubFigures, peers: ReadonlyMap<string, unknown>): ClusterAdapterStats {
    const { drops: d, latency: l } = this;
    return {
      uid: hub.uid,
      peers: { count: peers.size, ids: [...peers.keys()] },
      outbox: hub.buffered,
      sent: this.sent,
      received: this.received,
      drops: { count: d.count, bytes: d.bytes, episodes: d.episodes, current: d.current },
      requests: { count: l.count, failed: l.failed, p50Ms: l.percentile(0.5), p99Ms: l.percentile(0.99) },
      broker: hub.broker,
    };
  }
}

/** How many recent request latencies the percentiles are computed over. */
export const LATENCY_WINDOW = 256;

/** The latencies of the last {@link LATENCY_WINDOW} requests (a ring); percentiles computed on read. */
export class LatencyWindow {
  readonly #values = new Float64Array(LATENCY_WINDOW);
  #n = 0;
  count = 0;
  failed = 0;

  add(ms: number, failed: boolean): void {
    this.#values[this.#n++ % LATENCY_WINDOW] = ms;
    this.count++;
    if (failed) this.failed++;
  }

  /** The q-quantile (nearest rank) of the window, rounded to 0.01 ms; null when empty. */
  percentile(q: number): number | null {
    const size = Math.min(this.#n, LATENCY_WINDOW);
    if (size === 0) return null;
    const sorted = this.#values.slice(0, size).sort();
    return Math.round(sorted[Math.min(size - 1, Math.ceil(q * size) - 1)]! * 100) / 100;
  }
}

/**
 * The drops of one namespace: totals, and the running episode. `add` is called per dropped batch, `settle` when the
 * broker is back and the outbox is empty (or on close); each returns the report to emit, if any.
 */
export class DropEpisodes {
  readonly #interval: number;
  count = 0;
  bytes = 0;
  episodes = 0;
  /** The running episode's totals (null between episodes). */
  #episode: DropEpisodeStats | null = null;
  /** What the next event covers (the episode's drops since the last interim event). */
  #span: DropEpisodeStats | null = null;

  /** `interval`: least time between two events of one long episode (ms). */
  constructor(interval: number) {
    this.#interval = interval;
  }

  get current(): DropEpisodeStats | null {
    const e = this.#episode;
    return e === null ? null : { count: e.count, bytes: e.bytes, reasons: { ...e.reasons }, since: e.since };
  }

  /** Records a dropped batch; returns an interim report when the episode's last event is `interval` old. */
  add(count: number, bytes: number, reason: DropReason, now: number): DropReport | undefined {
    this.count += count;
    this.bytes += bytes;
    const episode = (this.#episode ??= fresh(now));
    const span = (this.#span ??= fresh(now));
    tally(episode, count, bytes, reason);
    tally(span, count, bytes, reason);
    if (now - span.since < this.#interval) return undefined;
    this.#span = null;
    return report(span, now, true);
  }

  /** Ends the running episode: its final report (undefined when none runs). */
  settle(now: number): DropReport | undefined {
    if (this.#episode === null) return undefined;
    const span = this.#span ?? fresh(now);
    this.#episode = this.#span = null;
    this.episodes++;
    return report(span, now, false);
  }
}

function tally(e: DropEpisodeStats, count: number, bytes: number, reason: DropReason): void {
  e.count += count;
  e.bytes += bytes;
  e.reasons[reason] += count;
}

function fresh(now: number): DropEpisodeStats {
  return { count: 0, bytes: 0, reasons: { age: 0, size: 0 }, since: now };
}

function report(span: DropEpisodeStats, now: number, ongoing: boolean): DropReport {
  const { count, bytes, reasons, since } = span;
  return { count, bytes, reason: reasons.size > reasons.age ? "size" : "age", reasons, since, until: now, ongoing };
}

/** The broker's outages: `down` when a failure is seen, `up` when the transport is ready again. */
export class BrokerWatch {
  #everUp = false;
  #downSince: number | null = null;
  outages = 0;
  lastOutageMs: number | null = null;

  down(now: number): void {
    if (!this.#everUp || this.#downSince !== null) return;
    this.#downSince = now;
    this.outages++;
  }

  up(now: number): void {
    this.#everUp = true;
    if (this.#downSince === null) return;
    this.lastOutageMs = now - this.#downSince;
    this.#downSince = null;
  }

  stats(ready: boolean): BrokerStats {
    return { ready, outages: this.outages, lastOutageMs: this.lastOutageMs, downSince: this.#downSince };
  }
}
