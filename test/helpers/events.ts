/** Await events instead of sleeping. Every wait is bounded so a broken test fails instead of hanging. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fn = (...args: any[]) => void;
interface Listenable {
  once(event: string, listener: Fn): unknown;
  off?(event: string, listener: Fn): unknown;
  removeListener?(event: string, listener: Fn): unknown;
}

/** Resolves with the arguments of the next `event` (rejects after `timeoutMs`). */
export function next<T extends unknown[] = unknown[]>(emitter: Listenable, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const listener = (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args as unknown as T);
    };
    const timer = setTimeout(() => {
      (emitter.off ?? emitter.removeListener)?.call(emitter, event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"`));
    }, timeoutMs);
    emitter.once(event, listener);
  });
}

/**
 * Resolves once `predicate()` holds, checking it now and after every `event` (one listener for the whole wait, so
 * events emitted back to back are all seen); rejects after `timeoutMs`, naming `what`.
 */
export function until(emitter: Listenable & { on(event: string, l: Fn): unknown }, event: string, predicate: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (predicate()) return resolve();
    const listener = () => {
      if (!predicate()) return;
      clearTimeout(timer);
      (emitter.off ?? emitter.removeListener)?.call(emitter, event, listener);
      resolve();
    };
    const timer = setTimeout(() => {
      (emitter.off ?? emitter.removeListener)?.call(emitter, event, listener);
      reject(new Error(`${what} not met within ${timeoutMs} ms (checked after each "${event}")`));
    }, timeoutMs);
    emitter.on(event, listener);
  });
}

/** Collects `count` occurrences of `event`. */
export function collect<T = unknown>(emitter: Listenable & { on(event: string, l: Fn): unknown }, event: string, count: number, timeoutMs = 5000): Promise<T[]> {
  return new Promise<T[]>((resolve, reject) => {
    const got: T[] = [];
    const timer = setTimeout(() => reject(new Error(`got ${got.length}/${count} "${event}" within ${timeoutMs} ms`)), timeoutMs);
    const listener = (value: unknown) => {
      got.push(value as T);
      if (got.length === count) {
        clearTimeout(timer);
        (emitter.off ?? emitter.removeListener)?.call(emitter, event, listener);
        resolve(got);
      }
    };
    emitter.on(event, listener);
  });
}
