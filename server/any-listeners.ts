/**
 * A socket's catch-all listeners (`onAny`, `onAnyOutgoing`): an ordered list, called with every event.
 */

export type AnyListener = (...args: unknown[]) => void;

export class AnyListeners {
  #list: AnyListener[] | undefined;

  add(listener: AnyListener): void {
    (this.#list ??= []).push(listener);
  }

  prepend(listener: AnyListener): void {
    (this.#list ??= []).unshift(listener);
  }

  /** Removes `listener`, or every listener when none is given. */
  remove(listener?: AnyListener): void {
    const list = this.#list;
    if (list === undefined || listener === undefined) {
      this.#list = undefined;
      return;
    }
    const index = list.indexOf(listener);
    if (index !== -1) list.splice(index, 1);
  }

  /** A copy of the list. */
  copy(): AnyListener[] {
    return this.#list ? [...this.#list] : [];
  }

  /** The listeners to call now (a copy, so that one may remove itself), or undefined when there are none. */
  snapshot(): AnyListener[] | undefined {
    const list = this.#list;
    return list === undefined || list.length === 0 ? undefined : list.slice();
  }
}
