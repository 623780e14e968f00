/**
 * `retries`: at-least-once delivery. Emits go through a FIFO; only the head is in flight. It is resent (at the
 * latest on the next connect) until acknowledged or until it has failed `retries` + 1 times; then its ack gets
 * the last error. The next packet is sent only after the head is settled, so the order is kept.
 */
import { markErrorFirst } from "../shared/ack-table.js";

type Callback = (...args: unknown[]) => void;

/** Per-emit flags, as set by `.volatile`, `.compress()`, `.timeout()`. */
export interface EmitFlags {
  volatile?: boolean;
  compress?: boolean;
  timeout?: number;
  fromQueue?: boolean;
}

interface Item {
  data: unknown[];
  flags: EmitFlags;
  tries: number;
  pending: boolean;
}

export class RetryQueue {
  readonly #items: Item[] = [];
  readonly #retries: number;
  /** Emits `data` ([event, ...args, internalAck]) with `flags`. */
  readonly #send: (data: unknown[], flags: EmitFlags) => void;
  readonly #connected: () => boolean;

  constructor(retries: number, send: (data: unknown[], flags: EmitFlags) => void, connected: () => boolean) {
    this.#retries = retries;
    this.#send = send;
    this.#connected = connected;
  }

  /** Queues `data` ([event, ...args, ack?]). */
  add(data: unknown[], flags: EmitFlags): void {
    const ack = typeof data[data.length - 1] === "function" ? (data.pop() as Callback) : undefined;
    const item: Item = { data, flags: { ...flags, fromQueue: true }, tries: 0, pending: false };
    data.push(
      markErrorFirst((err: Error | null, ...response: unknown[]) => {
        if (item !== this.#items[0]) return;
        if (err === null) {
          this.#items.shift();
          ack?.(null, ...response);
        } else if (item.tries > this.#retries) {
          this.#items.shift();
          ack?.(err);
        }
        item.pending = false;
        this.drain();
      }),
    );
    this.#items.push(item);
    this.drain();
  }

  /** Sends the head if connected and not in flight (`force`: resend it anyway, after a reconnect). */
  drain(force = false): void {
    const item = this.#items[0];
    if (!this.#connected() || item === undefined || (item.pending && !force)) return;
    item.pending = true;
    item.tries++;
    this.#send(item.data, item.flags);
  }
}
