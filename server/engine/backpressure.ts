/**
 * Backpressure: a bounded outgoing buffer per connection (one Engine.IO session, shared by its namespaces).
 *
 * What is buffered for a session:
 *   - packets engine.io holds in its `writeBuffer` (the transport is busy: a polling client that has no GET pending,
 *     or a WebSocket whose previous send has not been accepted by the kernel yet);
 *   - bytes handed to the WebSocket that the kernel has not accepted (`ws.bufferedAmount`: the TCP socket's
 *     `writableLength`, corked data included, plus ws's own queue, non-empty only with permessage-deflate).
 *
 * Bytes in engine.io's `writeBuffer` are counted by the connection as it writes (see `QueueCount`): engine.io
 * replaces the array whenever it flushes, so a length smaller than the one we left means "flushed". Packets
 * already handed to the TCP socket are bounded in bytes only (Node merges them into one write request).
 *
 * The hot path reads a few properties after each write (`measureBytes`, `measurePackets`); listeners are attached
 * only while a connection is above its soft mark (`PressureWatch`).
 */
import type { Socket as NetSocket } from "node:net";
import type { Socket as EngineSocket } from "engine.io";
import { codedRangeError } from "../../shared/errors.js";
import { engineTcpSocket, engineWebSocket, writeBufferLength } from "./internals.js";

/** Defaults of the `maxBufferedBytes` and `maxBufferedPackets` server options. */
export const DEFAULT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
export const DEFAULT_MAX_BUFFERED_PACKETS = 10_000;

export interface BufferLimits {
  /** Hard bounds: a packet written while the buffer holds this much closes the connection. */
  readonly maxBytes: number;
  readonly maxPackets: number;
  /** Soft marks (half the bounds): above them volatile packets are dropped; back under them, "drain". */
  readonly softBytes: number;
  readonly softPackets: number;
}

/**
 * Smallest `maxBufferedBytes`: its soft mark must be above a TCP socket's high-water mark (16 KiB on Node 20, 64 KiB
 * on Node 22), or a stalled socket would never emit the "drain" that ends the pressure.
 */
export const MIN_MAX_BUFFERED_BYTES = 128 * 1024;

export function bufferLimits(maxBytes = DEFAULT_MAX_BUFFERED_BYTES, maxPackets = DEFAULT_MAX_BUFFERED_PACKETS): BufferLimits {
  if (!(maxBytes >= MIN_MAX_BUFFERED_BYTES)) {
    const message = `maxBufferedBytes must be at least ${MIN_MAX_BUFFERED_BYTES} (Infinity turns the bound off), got ${maxBytes}`;
    throw codedRangeError("ERR_INVALID_OPTION", message);
  }
  if (!(maxPackets >= 2)) {
    throw codedRangeError("ERR_INVALID_OPTION", `maxBufferedPackets must be at least 2 (Infinity turns the bound off), got ${maxPackets}`);
  }
  return { maxBytes, maxPackets, softBytes: maxBytes / 2, softPackets: maxPackets / 2 };
}

/** Bytes of our frames in engine.io's current `writeBuffer`, tracked without holding a reference to the array. */
export interface QueueCount {
  /** `writeBuffer.length` right after our last queued write (0: nothing of ours is queued). */
  length: number;
  bytes: number;
}

/** Call after each `conn.write` of a frame of `size` bytes (engine.io may have flushed it at once). */
export function countQueued(conn: EngineSocket, queue: QueueCount, size: number): void {
  const n = writeBufferLength(conn);
  if (n === 0) {
    queue.length = 0;
    queue.bytes = 0;
  } else if (n <= queue.length) {
    // one more packet but not a longer buffer: engine.io flushed what we had counted
    queue.length = n;
    queue.bytes = size;
  } else {
    queue.length = n;
    queue.bytes += size;
  }
}

export function measureBytes(conn: EngineSocket, queue: QueueCount | undefined): number {
  const n = writeBufferLength(conn);
  const queued = queue !== undefined && n !== 0 && n >= queue.length ? queue.bytes : 0;
  const ws = engineWebSocket(conn);
  return ws === undefined ? queued : queued + ws.bufferedAmount;
}

export function measurePackets(conn: EngineSocket): number {
  return writeBufferLength(conn);
}

/**
 * Closes a session whose buffer is over its bound, without waiting for the stuck data: engine.io's transport is
 * discarded, and a WebSocket is terminated (its TCP buffer is freed now, not after ws's 30 s closing handshake).
 */
export function abandon(conn: EngineSocket): void {
  const ws = engineWebSocket(conn);
  conn.close(true);
  ws?.terminate();
}

/**
 * Attached while a connection is above its soft mark: on every engine.io flush and TCP "drain", `recheck` runs on
 * the next tick (never inside a write: a listener may write, and a packet's frames must stay together).
 */
export class PressureWatch {
  readonly #conn: EngineSocket;
  readonly #recheck: () => void;
  readonly #schedule = (): void => {
    if (this.#scheduled) return;
    this.#scheduled = true;
    process.nextTick(this.#run);
  };
  readonly #run = (): void => {
    this.#scheduled = false;
    if (!this.#stopped) this.#recheck();
  };
  #tcp: NetSocket | null = null;
  #scheduled = false;
  #stopped = false;

  constructor(conn: EngineSocket, recheck: () => void) {
    this.#conn = conn;
    this.#recheck = recheck;
    conn.on("drain", this.#schedule);
    this.follow();
  }

  /** Checks again on the next tick (e.g. a write found the buffer back under the soft mark). */
  schedule(): void {
    this.#schedule();
  }

  /** Listens to the current TCP socket (an upgrade to WebSocket may have happened since). */
  follow(): void {
    const tcp = engineTcpSocket(this.#conn);
    if (tcp === this.#tcp) return;
    this.#tcp?.off("drain", this.#schedule);
    tcp?.on("drain", this.#schedule);
    this.#tcp = tcp;
  }

  stop(): void {
    this.#stopped = true;
    this.#conn.off("drain", this.#schedule);
    this.#tcp?.off("drain", this.#schedule);
    this.#tcp = null;
  }
}
