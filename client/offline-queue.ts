/**
 * The offline buffer of one socket: packets emitted while disconnected, sent in order on (re)connect. Bounded:
 * when full, either the oldest packet is dropped to make room ("drop-oldest") or the new one is ("drop-newest").
 */
import type { BufferOverflow } from "./options.js";

export class OfflineQueue<P extends { id?: number | undefined }> {
  packets: P[] = [];

  constructor(
    readonly max = 1000,
    readonly overflow: BufferOverflow = "drop-oldest",
  ) {}

  /** Queues `packet`; returns the packet that was dropped to respect the bound, if any. */
  push(packet: P): P | undefined {
    if (this.max <= 0) return packet;
    if (this.packets.length < this.max) {
      this.packets.push(packet);
      return undefined;
    }
    if (this.overflow === "drop-newest") return packet;
    this.packets.push(packet);
    return this.packets.shift();
  }

  /** True when a queued packet waits for ack `id`. */
  hasAck(id: number): boolean {
    return this.packets.some((p) => p.id === id);
  }

  /** Removes the packet waiting for ack `id` (its ack timed out). */
  removeAck(id: number): void {
    const i = this.packets.findIndex((p) => p.id === id);
    if (i >= 0) this.packets.splice(i, 1);
  }

  /** Empties the buffer and returns what it held. */
  drain(): P[] {
    const packets = this.packets;
    this.packets = [];
    return packets;
  }
}
