/**
 * Exponential backoff with jitter (pure, no timers): attempt n waits min · factor^n, randomly moved up or down by
 * up to `jitter` of itself, capped at `max`.
 */
export class Backoff {
  attempts = 0;

  constructor(
    public min = 1000,
    public max = 5000,
    public jitter = 0.5,
    public factor = 2,
    random: () => number = Math.random,
  ) {
    this.#random = random;
  }

  readonly #random: () => number;

  /** The delay before the next attempt, in ms (and counts the attempt). */
  duration(): number {
    let ms = this.min * Math.pow(this.factor, this.attempts++);
    if (this.jitter > 0) {
      const rand = this.#random();
      const deviation = Math.floor(rand * this.jitter * ms);
      ms = (Math.floor(rand * 10) & 1) === 0 ? ms - deviation : ms + deviation;
    }
    return Math.max(0, Math.min(ms, this.max)) | 0;
  }

  reset(): void {
    this.attempts = 0;
  }
}
