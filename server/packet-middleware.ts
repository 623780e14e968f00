/**
 * Per-packet middlewares (`socket.use(([event, ...args], next) => …)`): run in order, each calling `next` once; the
 * first error (passed to `next`, thrown or rejected) stops the chain.
 */
import { toError } from "../shared/errors.js";
import { isThenable } from "./app-code.js";

/**
 * An incoming event as a per-packet middleware sees it: its name, then its arguments (an ack function last, if the
 * client asked for one). The arguments are untyped, as in socket.io (they come from the wire, unchecked).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Event = [eventName: string, ...args: any[]];

/**
 * Per-packet middleware: `socket.use(([event, ...args], next) => …)`. It may be async: a rejection stops the chain
 * like `next(err)`.
 */
export type PacketMiddleware = (event: Event, next: (err?: Error) => void) => void;

/**
 * Runs middlewares in order over `arg` — connection middlewares (`nsp.use`) over a socket, per-packet middlewares
 * (`socket.use`) over an event — each calling `next` once. `done` gets the first refusal as it was given (the value
 * passed to `next`, thrown or rejected, boxed so that a thenable is not unwrapped), or nothing once every middleware
 * called `next()`; a falsy throw or rejection (`throw undefined`) still refuses, with toError's Error. What a
 * middleware throws or rejects with after calling `next()` is no refusal but still an error: `done` gets it again,
 * with `late` set. One callback, so a per-packet run allocates nothing more than the middlewares' `next` functions.
 */
export function runMiddlewares<A, E>(
  fns: ReadonlyArray<(arg: A, next: (err?: E) => void) => unknown>,
  arg: A,
  done: (refusal?: { value: unknown }, late?: boolean) => void,
): void {
  let index = 0;
  const step = (err?: unknown): void => {
    if (err) return done({ value: err });
    const fn = fns[index++];
    if (fn === undefined) return done();
    let called = false;
    const next = (e?: unknown) => {
      if (called) return;
      called = true;
      step(e);
    };
    const failed = (e: unknown): void => (called ? done({ value: e }, true) : next(e || toError(e)));
    try {
      const result: unknown = fn(arg, next); // a middleware typed `void` may still return a promise
      if (isThenable(result)) result.then(undefined, failed);
    } catch (e) {
      failed(e); // a returned value whose `then` throws when read or called counts as a throw
    }
  };
  step();
}
