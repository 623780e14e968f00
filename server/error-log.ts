/**
 * Where errors caught from app code go when no `onError` option is given: console.error, at most 20 lines per
 * 10 s (a misbehaving handler hit by a flood must not turn the log into the bottleneck), then a count of the rest.
 */
const WINDOW_MS = 10_000;
const MAX_PER_WINDOW = 20;

export class ErrorLog {
  readonly #onError: ((err: Error, context: string) => void) | undefined;
  #windowStart = 0;
  #count = 0;
  #suppressed = 0;

  constructor(onError?: (err: Error, context: string) => void) {
    this.#onError = onError;
  }

  report(err: Error, context: string): void {
    if (this.#onError !== undefined) {
      try {
        this.#onError(err, context);
        return;
      } catch (e) {
        err = e instanceof Error ? e : new Error(String(e));
        context = "onError option";
      }
    }
    const now = Date.now();
    if (now - this.#windowStart > WINDOW_MS) {
      if (this.#suppressed > 0) console.error(`[roomcast] ${this.#suppressed} more errors were not logged`);
      this.#windowStart = now;
      this.#count = 0;
      this.#suppressed = 0;
    }
    if (++this.#count > MAX_PER_WINDOW) {
      this.#suppressed++;
      return;
    }
    console.error(`[roomcast] error in ${context}:`, err);
  }
}
