/**
 * Acknowledgements in flight on this server, for graceful shutdown (`shutdownGracePeriod`) and `io.stats()`:
 * - `awaited`: acks the server waits for from clients (every socket's ack table: `emit(…, cb)`, `emitWithAck`,
 *   broadcasts with acks);
 * - `owed`: acks clients wait for from the server (an event with an ack id whose handler has not called its ack
 *   function yet).
 * Both drop back when the ack comes, times out, or the socket disconnects.
 */
export class InflightAcks {
  #awaited = 0;
  #owed = 0;
  #waiters: Array<() => void> = [];

  get awaited(): number {
    return this.#awaited;
  }

  get owed(): number {
    return this.#owed;
  }

  /** The ack-table observer (shared/ack-table.ts) of every server-side socket. */
  readonly table = {
    added: (): void => {
      this.#awaited++;
    },
    removed: (): void => {
      this.#awaited = Math.max(0, this.#awaited - 1);
      this.#wake();
    },
  };

  owe(): void {
    this.#owed++;
  }

  paid(n = 1): void {
    if (n <= 0) return;
    this.#owed = Math.max(0, this.#owed - n);
    this.#wake();
  }

  /** Resolves true once nothing is in flight, false after `timeoutMs` (whichever comes first). */
  settled(timeoutMs: number): Promise<boolean> {
    if (this.#idle) return Promise.resolve(true);
    if (!(timeoutMs > 0)) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      this.#waiters.push(done);
    });
  }

  get #idle(): boolean {
    return this.#awaited === 0 && this.#owed === 0;
  }

  #wake(): void {
    if (!this.#idle || this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
