/** A token bucket per key (per user): `take(key)` is false when the key is over its rate. */
export class RateLimiter {
  readonly #burst: number;
  readonly #perMs: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(burst: number, perSecond: number) {
    this.#burst = burst;
    this.#perMs = perSecond / 1000;
  }

  take(key: string, now = Date.now()): boolean {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size > 100_000) this.#buckets.clear(); // bounded memory; worst case: a fresh burst
      bucket = { tokens: this.#burst, at: now };
      this.#buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#perMs);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
