/**
 * Per-packet middlewares (`socket.use(([event, ...args], next) => …)`): run in order, each calling `next` once; the
 * first error (passed to `next`, thrown or rejected) stops the chain.
 */
import { toError } from "../shared/errors.js";

/** Per-packet middleware: `socket.use(([event, ...args], next) => …)`. */
export type PacketMiddleware = (event: unknown[], next: (err?: Error) => void) => void | Promise<void>;

/** Runs `fns` over `args`; `done` gets the first error, or nothing once every middleware called `next()`. */
export function runPacketMiddlewares(fns: PacketMiddleware[], args: unknown[], done: (err?: Error) => void): void {
  let index = 0;
  const step = (err?: Error): void => {
    if (err) return done(toError(err));
    const fn = fns[index++];
    if (fn === undefined) return done();
    let called = false;
    const next = (e?: Error) => {
      if (called) return;
      called = true;
      step(e);
    };
    try {
      const result = fn(args, next);
      if (isThenable(result)) result.then(undefined, (e: unknown) => next(toError(e)));
    } catch (e) {
      next(toError(e));
    }
  };
  step();
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === "object" && typeof (value as PromiseLike<unknown>).then === "function";
}
