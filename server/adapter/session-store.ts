/**
 * In-memory connection-state-recovery store: disconnected sessions by private id, and a bounded log of the
 * packets broadcast since, each with an offset the client echoes back on reconnect.
 */
import type { BroadcastOptions, RestoredSession, Room, Session, SessionStoreOptions } from "./types.js";

export type { SessionStoreOptions } from "./types.js";


interface LoggedPacket {
  offset: string;
  rooms: ReadonlySet<Room>;
  except: ReadonlySet<Room> | undefined;
  data: unknown[];
  emittedAt: number;
}

interface StoredSession extends Session {
  disconnectedAt: number;
}

/**
 * The in-memory connection-state-recovery store the default adapter uses: disconnected sessions by private id, and a
 * bounded log of the packets broadcast since, each with an offset the client echoes back when it reconnects.
 */
export class SessionStore {
  readonly #opts: SessionStoreOptions;
  readonly #sessions = new Map<string, StoredSession>();
  #log: LoggedPacket[] = [];
  #head = 0;
  #nextSeq = 0;
  readonly #prefix: string;
  #timer: ReturnType<typeof setInterval> | undefined;

  /**
   * `prefix` starts every offset this store issues (unique per store, so another store's offsets are not mistaken for
   * its own).
   */
  constructor(opts: SessionStoreOptions, prefix: string) {
    this.#opts = opts;
    this.#prefix = prefix;
  }

  /** Appends a packet to the log and returns its offset. */
  record(data: unknown[], opts: BroadcastOptions, now = Date.now()): string {
    const offset = this.#prefix + (this.#nextSeq++).toString(36);
    this.#log.push({ offset, rooms: opts.rooms, except: opts.except, data, emittedAt: now });
    this.#trim(now);
    return offset;
  }

  /** The offset of the newest logged packet (undefined when none is kept). */
  get latestOffset(): string | undefined {
    return this.#log.length > this.#head ? this.#log[this.#log.length - 1]!.offset : undefined;
  }

  /** Keeps a disconnected session for `maxDisconnectionDuration`. */
  persist(session: Session, now = Date.now()): void {
    this.#sessions.set(session.pid, { ...session, disconnectedAt: now });
    this.#schedulePrune();
  }

  /**
   * Takes back a session with the packets it missed after `offset`; null when it expired, is unknown, or the offset is
   * no longer in the log.
   */
  restore(pid: string, offset: string, now = Date.now()): RestoredSession | null {
    const session = this.#sessions.get(pid);
    if (session === undefined) return null;
    this.#sessions.delete(pid);
    if (session.disconnectedAt + this.#opts.maxDisconnectionDuration < now) return null;
    const index = this.#indexOf(offset);
    if (index === -1) return null;
    const missedPackets: unknown[][] = [];
    for (let i = index + 1; i < this.#log.length; i++) {
      const packet = this.#log[i]!;
      if (matches(session.rooms, packet.rooms, packet.except)) missedPackets.push(packet.data);
    }
    return { sid: session.sid, pid: session.pid, rooms: session.rooms, data: session.data, missedPackets };
  }

  /** Sessions kept. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** Packets in the log. */
  get packetCount(): number {
    return this.#log.length - this.#head;
  }

  /** Drops every session and packet, and stops the pruning timer. */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#sessions.clear();
    this.#log = [];
    this.#head = 0;
  }

  #indexOf(offset: string): number {
    if (!offset.startsWith(this.#prefix)) return -1;
    const seq = parseInt(offset.slice(this.#prefix.length), 36);
    const firstSeq = this.#nextSeq - this.packetCount; // sequence number of the oldest kept packet
    if (!Number.isSafeInteger(seq) || seq < firstSeq || seq >= this.#nextSeq) return -1;
    const index = this.#head + (seq - firstSeq);
    return this.#log[index]?.offset === offset ? index : -1;
  }

  #trim(now: number): void {
    const threshold = now - this.#opts.maxDisconnectionDuration;
    while (
      this.#head < this.#log.length &&
      (this.#log.length - this.#head > this.#opts.maxPackets || this.#log[this.#head]!.emittedAt < threshold)
    ) {
      this.#head++;
    }
    // compact once the dead prefix dominates, so the array does not grow forever
    if (this.#head > 1024 && this.#head * 2 > this.#log.length) {
      this.#log = this.#log.slice(this.#head);
      this.#head = 0;
    }
  }

  #schedulePrune(): void {
    if (this.#timer !== undefined) return;
    const period = Math.max(1000, Math.min(60_000, this.#opts.maxDisconnectionDuration));
    this.#timer = setInterval(() => {
      const now = Date.now();
      const threshold = now - this.#opts.maxDisconnectionDuration;
      for (const [pid, session] of this.#sessions) if (session.disconnectedAt < threshold) this.#sessions.delete(pid);
      this.#trim(now);
      if (this.#sessions.size === 0) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    }, period);
    this.#timer.unref?.();
  }
}

/**
 * Whether a broadcast to `rooms` except `except` reaches a socket in `sessionRooms` (its own id included). Sets from
 * this process, arrays from a cluster message (cluster-recovery.ts).
 */
export function matches(sessionRooms: readonly Room[], rooms: ReadonlySet<Room> | readonly Room[], except: ReadonlySet<Room> | readonly Room[] | undefined): boolean {
  const has = (set: ReadonlySet<Room> | readonly Room[], room: Room) => ("has" in set ? set.has(room) : set.includes(room));
  const size = (set: ReadonlySet<Room> | readonly Room[]) => ("size" in set ? set.size : set.length);
  if (size(rooms) > 0 && !sessionRooms.some((room) => has(rooms, room))) return false;
  return except === undefined || size(except) === 0 || sessionRooms.every((room) => !has(except, room));
}
