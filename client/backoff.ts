/**
 * Exponential backoff with jitter (pure, no timers): attempt n (from 0) waits min · 2^n, randomly moved up or down
 * by up to `jitter` of itself, capped at `max`.
 */
export function backoffDelay(attempt: number, min: number, max: number, jitter: number): number {
  let ms = min * 2 ** attempt;
  if (jitter > 0) {
    const rand = Math.random();
    const deviation = Math.floor(rand * jitter * ms);
    ms = (Math.floor(rand * 10) & 1) === 0 ? ms - deviation : ms + deviation;
  }
  return Math.max(0, Math.min(ms, max)) | 0;
}
