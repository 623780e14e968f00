/**
 * Running app code from roomcast's own paths: whatever it throws, or whatever a promise it returns rejects with, is
 * handed to a report function (which normalises it with toError) and never propagates into the connection, a timer
 * or an unhandled rejection. Hostile values included: a returned object whose `then` getter throws is a throw too.
 */
import type { IncomingMessage } from "node:http";
import { errorMessage, UNREADABLE_ERROR_MESSAGE } from "../shared/errors.js";

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === "object" && typeof (value as PromiseLike<unknown>).then === "function";
}

/** Runs `fn`; a throw, or a rejection of the thenable it returns, goes to `report`. */
export function runAppCode(fn: () => unknown, report: (err: unknown) => void): void {
  try {
    watch(fn(), report);
  } catch (err) {
    report(err);
  }
}

/** A rejection of `result` (when it is a thenable) goes to `report`; reading or calling its `then` may throw too. */
export function watch(result: unknown, report: (err: unknown) => void): void {
  try {
    if (isThenable(result)) result.then(undefined, report);
  } catch (err) {
    report(err);
  }
}

type AllowRequest = (req: IncomingMessage, fn: (err: string | null | undefined, success: boolean) => void) => void;

/**
 * The `allowRequest` option as engine.io may call it: engine.io lets a throw escape into the HTTP server (a crash),
 * JSON-encodes the refusal message into the 403 body and measures it as a string for an upgrade (both throw on a
 * hostile value), and answers twice if called back twice. Here a throw or rejection refuses the request (403
 * "Forbidden") and is reported; a refusal message that is not a string is sent as its toError message (reported
 * when unreadable); only the first answer counts.
 */
export function guardAllowRequest(allow: AllowRequest | undefined, report: (err: unknown) => void): AllowRequest | undefined {
  if (allow === undefined) return undefined;
  return (req, fn) => {
    let answered = false;
    const answer = (message: unknown, success: unknown): void => {
      if (answered) return;
      answered = true;
      if (success) return fn(null, true);
      if (message === null || message === undefined || typeof message === "string") return fn(message, false);
      const text = errorMessage(message);
      if (text === UNREADABLE_ERROR_MESSAGE) report(message);
      fn(text, false);
    };
    runAppCode(
      () => allow(req, answer),
      (err) => {
        report(err);
        answer(undefined, false);
      },
    );
  };
}
