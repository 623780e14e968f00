/**
 * Per-packet middlewares (`socket.use(([event, ...args], next) => …)`): run in order, each calling `next` once; the
 * first error (passed to `next`, thrown or rejected) stops the chain.
 */
import { toError } from "../shared/errors.js";
import { isThenable } from "./app-code.js";

/** Per-packet middleware: `socket.use(([event, ...args], next) => …)`. */
export type PacketMiddleware = (event: unknown[], next: (err?: Error) => void) => void | Promise<void>;

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
      const result = fn(args, next);
      if (isThenable(result)) result.then(undefined, failed);
    } catch (e) {
      failed(e); // a returned value whose `then` throws when read or called counts as a throw
    }
  };
  step();
}
