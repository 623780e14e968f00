/**
 * The offline buffer of one socket (`socket.sendBuffer`): packets emitted while disconnected, sent in order on
 * (re)connect. Bounded: when full, either the oldest packet is dropped to make room ("drop-oldest") or the new one
 * is ("drop-newest").
 */
import type { BufferOverflow } from "./options.js";

/** Queues `packet` in `queue` (at most `max` packets); returns the packet dropped to respect the bound, if any. */
export function enqueue<P>(queue: P[], packet: P, max: number, overflow?: BufferOverflow): P | undefined {
  if (queue.length < max) {
    queue.push(packet);
    return undefined;
  }
  if (max <= 0 || overflow === "drop-newest") return packet;
  queue.push(packet);
  return queue.shift();
}

/** Removes the packet waiting for ack `id` (its ack timed out). */
export function removeAck(queue: { id?: number | undefined }[], id: number): void {
  const i = queue.findIndex((p) => p.id === id);
  if (i >= 0) queue.splice(i, 1);
}
