/**
 * The bounded outbox of a cluster adapter: every message to the other instances goes through it, in order.
 * An entry stays until the transport confirms it; when the transport fails, everything not confirmed is sent again
 * (receivers drop duplicates by sequence number). Entries older than `maxAgeMs`, or the oldest ones once the
 * buffered bytes exceed `maxBytes`, are dropped and reported — memory never grows without bound. An entry in flight
 * is dropped for its age only once it has also waited `maxAgeMs` for the transport's answer: one sent just before
 * it expires may arrive, and a drop report must not count it as lost.
 *
 * Pure: no timers, no I/O; time comes in as an argument.
 */
export interface OutboxOptions {
  /** Longest time an entry may wait for the transport, in ms. */
  maxAgeMs: number;
  /** Most bytes buffered (sent-but-unconfirmed entries included). */
  maxBytes: number;
}

export interface OutboxEntry<T> {
  readonly item: T;
  readonly bytes: number;
  readonly at: number;
  /** When it was last handed to the transport. */
  sentAt: number;
  /** 0 waiting, 1 in flight, 2 confirmed or dropped */
  state: 0 | 1 | 2;
  gen: number;
}

export interface Dropped<T> {
  items: T[];
  bytes: number;
  reason: "age" | "size";
}

export class Outbox<T> {
  readonly #opts: OutboxOptions;
  #entries: Array<OutboxEntry<T>> = [];
  #head = 0;
  /** Index of the next entry to send. */
  #cursor = 0;
  #bytes = 0;
  #gen = 0;
  #inflight = 0;

  constructor(opts: OutboxOptions) {
    this.#opts = opts;
  }

  /** Entries not yet confirmed (in flight included). */
  get length(): number {
    return this.#entries.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get inflight(): number {
    return this.#inflight;
  }

  /** The oldest entry not yet confirmed or dropped (in flight included). */
  get oldest(): T | undefined {
    let i = this.#head;
    while (this.#entries[i]?.state === 2) i++;
    return this.#entries[i]?.item;
  }

  /** True when some entry waits to be sent. */
  get hasWaiting(): boolean {
    while (this.#entries[this.#cursor]?.state === 2) this.#cursor++;
    return this.#cursor < this.#entries.length;
  }

  /** Appends an entry; returns what had to be dropped to stay within the bounds (oldest first). */
  push(item: T, bytes: number, now: number): Array<Dropped<T>> {
    this.#entries.push({ item, bytes, at: now, sentAt: 0, state: 0, gen: this.#gen });
    this.#bytes += bytes;
    return this.expire(now);
  }

  /** The next waiting entry, now in flight (undefined when none waits). */
  take(now: number): OutboxEntry<T> | undefined {
    while (this.#entries[this.#cursor]?.state === 2) this.#cursor++;
    const entry = this.#entries[this.#cursor];
    if (entry === undefined) return undefined;
    this.#cursor++;
    entry.state = 1;
    entry.sentAt = now;
    entry.gen = this.#gen;
    this.#inflight++;
    return entry;
  }

  /** The transport delivered `entry`. */
  confirm(entry: OutboxEntry<T>): void {
    if (entry.state !== 1) return;
    entry.state = 2;
    this.#inflight--;
    this.#bytes -= entry.bytes;
    this.#shift();
  }

  /**
   * Sending `entry` failed: every unconfirmed entry waits again, from the oldest. `gen` is the entry's `gen` when it
   * was taken: failures of sends made before an earlier rewind are ignored (those entries are already waiting again).
   */
  fail(entry: OutboxEntry<T>, gen = entry.gen): void {
    if (entry.state !== 1 || gen !== this.#gen) return;
    this.#gen++;
    for (let i = this.#head; i < this.#cursor; i++) {
      const e = this.#entries[i]!;
      if (e.state === 1) {
        e.state = 0;
        this.#inflight--;
      }
    }
    this.#cursor = this.#head;
    while (this.#entries[this.#cursor]?.state === 2) this.#cursor++;
  }

  /** Drops entries older than maxAgeMs, then the oldest while over maxBytes. */
  expire(now: number): Array<Dropped<T>> {
    const out: Array<Dropped<T>> = [];
    const age: Dropped<T> = { items: [], bytes: 0, reason: "age" };
    const size: Dropped<T> = { items: [], bytes: 0, reason: "size" };
    for (;;) {
      const entry = this.#entries[this.#head];
      if (entry === undefined) break;
      if (entry.state === 2) {
        this.#head++;
        continue;
      }
      const max = this.#opts.maxAgeMs;
      const old = now - entry.at > max && (entry.state === 0 || now - entry.sentAt > max);
      if (!old && this.#bytes <= this.#opts.maxBytes) break;
      const bucket = old ? age : size;
      bucket.items.push(entry.item);
      bucket.bytes += entry.bytes;
      if (entry.state === 1) this.#inflight--;
      entry.state = 2;
      this.#bytes -= entry.bytes;
      this.#head++;
    }
    if (this.#cursor < this.#head) this.#cursor = this.#head;
    this.#compact();
    if (age.items.length > 0) out.push(age);
    if (size.items.length > 0) out.push(size);
    return out;
  }

  /** Forgets everything (on close). */
  clear(): void {
    this.#entries = [];
    this.#head = this.#cursor = this.#bytes = this.#inflight = 0;
    this.#gen++;
  }

  #shift(): void {
    while (this.#entries[this.#head]?.state === 2) this.#head++;
    if (this.#cursor < this.#head) this.#cursor = this.#head;
    this.#compact();
  }

  #compact(): void {
    if (this.#head === this.#entries.length) {
      this.#entries = [];
      this.#cursor -= this.#head;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#cursor -= this.#head;
      this.#head = 0;
    }
  }
}
