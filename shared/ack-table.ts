/**
 * Pending acknowledgements of one socket: id → callback, with optional timeout. Used by both sides.
 * - a plain callback gets the ack's arguments;
 * - an error-first callback (after `timeout()`, or from `emitWithAck`) gets `(null, ...args)`, or an Error on
 *   timeout or disconnection.
 */
import { RoomcastError } from "./errors.js";

type Callback = (...args: unknown[]) => void;

interface Entry {
  fn: Callback;
  errorFirst: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  onGone: (() => void) | undefined;
}

const ERROR_FIRST = Symbol("roomcast.errorFirst");

/** Told when an entry is added and when one leaves (acked, timed out, failed or deleted): the server counts them. */
export interface AckObserver {
  added(): void;
  removed(): void;
}

/** Marks a callback as error-first, so that a disconnection calls it with an Error even without a timeout. */
export function markErrorFirst<F extends object>(fn: F): F {
  (fn as { [ERROR_FIRST]?: boolean })[ERROR_FIRST] = true;
  return fn;
}

/** What an error-first ack gets when no answer came in time: socket.io's message, code "ERR_ACK_TIMEOUT". */
export class AckTimeoutError extends RoomcastError<"ERR_ACK_TIMEOUT"> {
  constructor() {
    super("ERR_ACK_TIMEOUT", "operation has timed out");
    this.name = "AckTimeoutError";
  }
}

export class AckTable {
  readonly #entries = new Map<number, Entry>();
  readonly #report: (err: unknown) => void;
  readonly #observer: AckObserver | undefined;

  /** `report` receives anything a callback throws from a timer (it never escapes). */
  constructor(report: (err: unknown) => void = rethrowLater, observer?: AckObserver) {
    this.#report = report;
    this.#observer = observer;
  }

  get size(): number {
    return this.#entries.size;
  }

  add(id: number, fn: Callback, timeoutMs?: number, errorFirst = false, onGone?: () => void): void {
    const entry: Entry = {
      fn,
      errorFirst: errorFirst || (fn as { [ERROR_FIRST]?: boolean })[ERROR_FIRST] === true,
      timer: undefined,
      onGone,
    };
    if (timeoutMs !== undefined) {
      entry.timer = setTimeout(() => {
        if (this.#entries.get(id) !== entry) return;
        this.#take(id);
        try {
          this.#watch(fn(new AckTimeoutError()));
        } catch (err) {
          this.#report(err);
        }
      }, timeoutMs);
    }
    const replaced = this.#entries.get(id);
    if (replaced?.timer !== undefined) clearTimeout(replaced.timer);
    this.#entries.set(id, entry);
    if (replaced === undefined) this.#observer?.added();
  }

  /** Runs the callback of `id` with the ack's arguments. An unknown id (never issued, or already acked) is ignored. */
  settle(id: number, args: unknown[]): boolean {
    const entry = this.#take(id);
    if (entry === undefined) return false;
    this.#watch(entry.errorFirst ? entry.fn(null, ...args) : entry.fn(...args));
    return true;
  }

  /** An async callback that rejects is reported like one that throws (never an unhandled rejection). */
  #watch(result: unknown): void {
    if (result !== null && typeof result === "object" && typeof (result as PromiseLike<unknown>).then === "function") {
      (result as PromiseLike<unknown>).then(undefined, (err: unknown) => this.#report(err));
    }
  }

  /** Forgets `id` without calling anything. */
  delete(id: number): void {
    this.#take(id);
  }

  /** Fails one pending ack like `failAll` does. Returns false for an unknown id. */
  fail(id: number, err: Error): boolean {
    const entry = this.#take(id);
    if (entry === undefined) return false;
    this.#fail(entry, err);
    return true;
  }

  /**
   * Fails every pending ack (error-first ones get `err`; plain ones are dropped, their `onGone` called).
   * Ids for which `keep(id)` holds stay pending (the client keeps acks of packets still in its offline buffer).
   */
  failAll(err: Error, keep?: (id: number) => boolean): void {
    const entries: Entry[] = [];
    for (const id of this.#entries.keys()) if (!keep?.(id)) entries.push(this.#take(id)!);
    for (const entry of entries) this.#fail(entry, err);
  }

  /** Removes the entry of `id` (stopping its timer) and returns it; undefined for an unknown id. */
  #take(id: number): Entry | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined) return undefined;
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    this.#entries.delete(id);
    this.#observer?.removed();
    return entry;
  }

  /** Calls a taken entry's error path (its timer is already stopped). */
  #fail(entry: Entry, err: Error): void {
    try {
      if (entry.errorFirst) this.#watch(entry.fn(err));
      else entry.onGone?.();
    } catch (e) {
      this.#report(e);
    }
  }
}

/** Reports `err` like an uncaught exception, without unwinding the caller: rethrown from a microtask. */
export function rethrowLater(err: unknown): void {
  queueMicrotask(() => {
    throw err;
  });
}
