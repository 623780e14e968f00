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
 * Runs `fns` over `args`; `done` gets the first error, or nothing once every middleware called `next()` — and, later,
 * what a middleware throws or rejects with after calling `next()`. Whatever a middleware passes to `next`, throws or
 * rejects with becomes an Error through toError (never throws); a falsy throw or rejection (`throw undefined`) still
 * stops the chain.
 */
export function runPacketMiddlewares(fns: PacketMiddleware[], args: unknown[], done: (err?: Error) => void): void {
  let index = 0;
  const step = (err?: unknown): void => {
    if (err) return done(toError(err));
    const fn = fns[index++];
    if (fn === undefined) return done();
    let called = false;
    const next = (e?: unknown) => {
      if (called) return;
      called = true;
      step(e);
    };
    // after next(), a throw or rejection is no refusal but still an error: `done` gets it too (never dropped)
    const failed = (e: unknown): void => (called ? done(toError(e)) : next(e || toError(e)));
    try {
      const result: unknown = fn(args as Event, next); // a listener typed `void` may still return a promise
      if (isThenable(result)) result.then(undefined, failed);
    } catch (e) {
      failed(e); // a returned value whose `then` throws when read or called counts as a throw
    }
  };
  step();
}
