/**
 * A smaller listener table for Node's EventEmitter. An emitter keeps its listeners in `_events`, an object with a
 * null prototype made by `{ __proto__: null }`, which V8 keeps in dictionary mode: about 270 bytes per emitter even
 * with one listener. An instance of a class whose prototype has a null prototype is just as free of inherited keys
 * (`toString`, `__proto__` are not listeners) but stays in fast mode (a few dozen bytes). Each connection has three
 * such emitters (engine.io's socket and transport, roomcast's socket), so this is ~0.8 kB of an idle socket.
 *
 * Only the representation changes: EventEmitter reads and writes the table by key, as before.
 */
import type { EventEmitter } from "node:events";
import { listenerTable, setListenerTable } from "./internals.js";

class ListenerTable {}
// nothing inherited, not even the class's own `constructor` (an event may be named "constructor")
Object.setPrototypeOf(ListenerTable.prototype, null);
delete (ListenerTable.prototype as { constructor?: unknown }).constructor;

/** Moves `emitter`'s listeners (if any) into a fast-mode table. */
export function compactListeners(emitter: EventEmitter): void {
  const old = listenerTable(emitter);
  if (old === undefined || old instanceof ListenerTable) return;
  const table = new ListenerTable() as Record<string | symbol, unknown>;
  for (const key of Reflect.ownKeys(old)) table[key] = old[key];
  setListenerTable(emitter, table);
}
