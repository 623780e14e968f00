/**
 * A tiny typed event emitter for the client (no node:events: it runs in browsers). `L` maps event names to
 * listener signatures. Emitting is protected: on a Socket, the public `emit` sends to the server.
 */
type Listener = (...args: never[]) => unknown;

/** The parameters of listener `E` of map `L`. */
export type ListenerArgs<L, E extends keyof L> = L[E] extends (...args: infer P) => unknown ? P : never;

export class Emitter<L extends object> {
  #listeners = new Map<string, Listener[]>();

  /** Adds a listener. */
  on<E extends keyof L & string>(event: E, listener: L[E]): this {
    const list = this.#listeners.get(event);
    if (list) list.push(listener as Listener);
    else this.#listeners.set(event, [listener as Listener]);
    return this;
  }

  addEventListener<E extends keyof L & string>(event: E, listener: L[E]): this {
    return this.on(event, listener);
  }

  /** Adds a listener called at most once. */
  once<E extends keyof L & string>(event: E, listener: L[E]): this {
    const wrapper = (...args: never[]): void => {
      this.off(event, wrapper as L[E]);
      (listener as Listener)(...args);
    };
    (wrapper as { fn?: unknown }).fn = listener;
    return this.on(event, wrapper as L[E]);
  }

  /** Removes one listener, every listener of `event`, or every listener at all. */
  off<E extends keyof L & string>(event?: E, listener?: L[E]): this {
    if (event === undefined) this.#listeners.clear();
    else if (listener === undefined) this.#listeners.delete(event);
    else {
      const list = this.#listeners.get(event);
      const i = list ? list.findIndex((l) => l === listener || (l as { fn?: unknown }).fn === listener) : -1;
      if (list && i >= 0) {
        list.splice(i, 1);
        if (list.length === 0) this.#listeners.delete(event);
      }
    }
    return this;
  }

  removeListener<E extends keyof L & string>(event?: E, listener?: L[E]): this {
    return this.off(event, listener);
  }

  removeAllListeners<E extends keyof L & string>(event?: E): this {
    return this.off(event);
  }

  removeEventListener<E extends keyof L & string>(event?: E, listener?: L[E]): this {
    return this.off(event, listener);
  }

  /** The listeners of `event` (a copy). */
  listeners<E extends keyof L & string>(event: E): L[E][] {
    return [...(this.#listeners.get(event) ?? [])] as L[E][];
  }

  listenerCount<E extends keyof L & string>(event: E): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  hasListeners<E extends keyof L & string>(event: E): boolean {
    return this.listenerCount(event) > 0;
  }

  /** Calls the listeners of `event` (locally). */
  protected emitReserved<E extends keyof L & string>(event: E, ...args: ListenerArgs<L, E>): void {
    this.fire(event, args);
  }

  /** Untyped `emitReserved`, for events received from the peer. */
  protected fire(event: string, args: readonly unknown[]): void {
    const list = this.#listeners.get(event);
    if (list) for (const listener of [...list]) listener(...(args as never[]));
  }
}
