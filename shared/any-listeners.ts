/**
 * A socket's catch-all listeners (`onAny`, `onAnyOutgoing`), on both sides. Copy-on-write: `list` is replaced, never
 * changed, so it is iterated per event without a copy while a listener adds or removes listeners (the change takes
 * effect from the next event).
 */
export type AnyListener = (...args: unknown[]) => void;

const NONE: readonly AnyListener[] = [];

export class AnyListeners {
  /** The listeners, in call order. */
  list: readonly AnyListener[] = NONE;

  add(listener: AnyListener): void {
    this.list = [...this.list, listener];
  }

  prepend(listener: AnyListener): void {
    this.list = [listener, ...this.list];
  }

  /** Removes the first registration of `listener` (as socket.io does), or every listener when none is given. */
  remove(listener?: AnyListener): void {
    if (listener === undefined) {
      this.list = NONE;
      return;
    }
    const index = this.list.indexOf(listener);
    if (index !== -1) this.list = this.list.filter((_, i) => i !== index);
  }
}
