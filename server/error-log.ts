/**
 * Where errors caught from app code go: the `onError` option when given, else console.error, at most 20 lines per
 * 10 s (a misbehaving handler hit by a flood must not turn the log into the bottleneck), then a count of the rest.
 * Reporting never throws: an `onError` that throws or rejects is logged itself, and an error that console.error
 * (util.inspect) cannot print — a throwing `Symbol.toStringTag` or `stack` getter, a hostile `cause` — is logged as
 * its name and message, read guarded.
 */
import { errorMessage, toError } from "../shared/errors.js";
import { watch } from "./app-code.js";

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
    const onError = this.#onError;
    if (onError === undefined) return this.#log(err, context);
    // an async onError that rejects is logged like one that throws (never an unhandled rejection)
    const failed = (e: unknown): void => this.#log(toError(e), "onError option");
    try {
      watch(onError(err, context), failed);
    } catch (e) {
      failed(e);
    }
  }

  #log(err: Error, context: string): void {
    const now = Date.now();
    if (now - this.#windowStart > WINDOW_MS) {
      if (this.#suppressed > 0) print(`[roomcast] ${this.#suppressed} more errors were not logged`);
      this.#windowStart = now;
      this.#count = 0;
      this.#suppressed = 0;
    }
    if (++this.#count > MAX_PER_WINDOW) {
      this.#suppressed++;
      return;
    }
    print(`[roomcast] error in ${context}:`, err);
  }
}

function print(line: string, err?: Error): void {
  try {
    if (err === undefined) console.error(line);
    else console.error(line, err);
  } catch {
    try {
      console.error(line, `${nameOf(err)}: ${errorMessage(err)} (not printable)`);
    } catch {
      // console.error itself is broken (replaced by the app): nothing left to report to
    }
  }
}

function nameOf(err: Error | undefined): string {
  try {
    const name: unknown = err?.name;
    return typeof name === "string" ? name : "Error";
  } catch {
    return "Error";
  }
}
