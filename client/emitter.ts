/**
 * The client's event emitter: a typed view of @socket.io/component-emitter — the emitter engine.io-client is
 * built on, so the browser bundle carries one emitter, not two (no node:events: it runs in browsers).
 * `L` maps event names to listener signatures. On a Socket, the public `emit` sends to the server; local events
 * are fired with `emitReserved`.
 */
import { Emitter as ComponentEmitter } from "@socket.io/component-emitter";
import { rethrowLater } from "../shared/ack-table.js";

export interface Emitter<L extends object> {
  /** Adds a listener. */
  on<E extends keyof L & string>(event: E, listener: L[E]): this;
  /** Alias of `on`. */
  addEventListener<E extends keyof L & string>(event: E, listener: L[E]): this;
  /** Adds a listener called at most once. */
  once<E extends keyof L & string>(event: E, listener: L[E]): this;
  /** Removes one listener, every listener of `event`, or every listener at all. */
  off<E extends keyof L & string>(event?: E, listener?: L[E]): this;
  /** Alias of `off`. */
  removeListener<E extends keyof L & string>(event?: E, listener?: L[E]): this;
  /** Removes every listener of `event`, or every listener at all. */
  removeAllListeners<E extends keyof L & string>(event?: E): this;
  /** Alias of `off`. */
  removeEventListener<E extends keyof L & string>(event?: E, listener?: L[E]): this;
  /** The listeners of `event`. */
  listeners<E extends keyof L & string>(event: E): L[E][];
  /** Whether `event` has at least one listener. */
  hasListeners<E extends keyof L & string>(event: E): boolean;
  /** @internal calls the local listeners of `event` */
  emitReserved(event: string, ...args: unknown[]): void;
}

/**
 * Calls app code (a listener, an ack callback, an `auth` function) from the client's own paths: what it throws is
 * rethrown asynchronously — reported like any uncaught exception (a window "error" event in browsers) — and the
 * caller carries on. An exception unwinding into engine.io-client would stop its packet loop and its polling.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export function safely(fn: Function, args: unknown[], self?: unknown): void {
  try {
    fn.apply(self, args);
  } catch (err) {
    rethrowLater(err);
  }
}

/** Local events: a throwing listener is reported; the Manager or Socket that emitted carries on. */
// eslint-disable-next-line @typescript-eslint/no-redeclare
export const Emitter = class extends (ComponentEmitter as unknown as new () => { emitReserved(...args: unknown[]): void }) {
  override emitReserved(...args: unknown[]): void {
    safely(super.emitReserved, args, this);
  }
} as unknown as new <L extends object>() => Emitter<L>;
