/**
 * The pure parts of connection state recovery across instances (no I/O, no timers): the cluster-wide offset, the
 * replay filter over the broker's stream, the buffers of sessions being restored, and the session codec.
 *
 * Offset: `<cursor>~<uid>~<seq>` appended by instance `uid` to a packet it delivers, where `cursor` is the id of the
 * last stream entry its reader had delivered and `seq` its own latest sequence number. The packets that instance
 * delivered before = {entries ≤ cursor from the others} ∪ {its own with seq ≤ seq}; so the ones a client missed =
 * {entries > cursor from the others} ∪ {its own with seq > seq}, exactly, whatever the interleaving (its own entries
 * with a higher seq were XADDed after it read `cursor`, so they sit after it in the stream).
 */
import { MessageType as T, type ClusterMessage } from "./cluster-message.js";
import type { BroadcastOptions, Room, Session, SocketId } from "./types.js";
import { matches } from "./session-store.js";

/** A parsed cluster-wide offset. */
export interface ClusterOffset {
  /** Stream id of the last entry the issuing instance's reader had delivered. */
  cursor: string;
  /** The issuing instance. */
  uid: string;
  /** The issuing instance's latest own sequence number. */
  seq: number;
}

/** What the broker keeps for recovery (roomcast/redis: redis/sessions.ts). Every method rejects on a broker failure. */
export interface SessionBackend {
  /** Keeps a disconnected session `ttlMs`, and removes it from instance `uid`'s live snapshots. */
  persist(uid: string, pid: string, value: string, ttlMs: number): Promise<void>;
  /** Takes (reads and deletes) a disconnected session; null when there is none. */
  take(pid: string): Promise<string | null>;
  /** Takes (reads and deletes) the live snapshot `pid` of instance `uid`; null when there is none. */
  takeLive(uid: string, pid: string): Promise<string | null>;
  /** Writes live snapshots of instance `uid` (pid → value) and sets their hash's TTL. */
  snapshot(uid: string, entries: ReadonlyArray<readonly [string, string]>, ttlMs: number): Promise<void>;
  /** Removes live snapshots of instance `uid`. */
  forget(uid: string, pids: readonly string[]): Promise<void>;
  /** Extends the TTL of instance `uid`'s live snapshots. */
  refresh(uid: string, ttlMs: number): Promise<void>;
  /** Up to `count` stream entries after `after` (exclusive), oldest first: `[id, payload]`. */
  range(after: string, count: number): Promise<Array<[string, string]>>;
  /** True when no entry after `cursor` was ever deleted from the stream (trimmed): a replay from it is complete. */
  intact(cursor: string): Promise<boolean>;
}

const SEP = "~";
const STREAM_ID = /^\d{1,20}-\d{1,20}$/;
const UID = /^[0-9a-f]{16}$/;
const SEQ = /^[0-9a-z]{1,11}$/;
/** randomId(): 15 random bytes, base64url. */
const PID = /^[A-Za-z0-9_-]{20}$/;

export function formatOffset(cursor: string, uid: string, seq: number): string {
  return cursor + SEP + uid + SEP + seq.toString(36);
}

/** The offset's parts; null for anything else (an in-memory offset, another adapter's, garbage). */
export function parseOffset(offset: string): ClusterOffset | null {
  if (offset.length > 80) return null;
  const parts = offset.split(SEP);
  if (parts.length !== 3) return null;
  const [cursor, uid, seq] = parts as [string, string, string];
  if (!STREAM_ID.test(cursor) || !UID.test(uid) || !SEQ.test(seq)) return null;
  const n = parseInt(seq, 36);
  return Number.isSafeInteger(n) ? { cursor, uid, seq: n } : null;
}

/** True for a private id this server could have issued (anything else is refused before any broker work). */
export function validPid(pid: string): boolean {
  return PID.test(pid);
}

/** Compares two stream ids (`<ms>-<n>`, decimal): negative, 0, positive. */
export function compareIds(a: string, b: string): number {
  const i = a.indexOf("-");
  const j = b.indexOf("-");
  return compareDecimal(a.slice(0, i), b.slice(0, j)) || compareDecimal(a.slice(i + 1), b.slice(j + 1));
}

function compareDecimal(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, "");
  const y = b.replace(/^0+(?=\d)/, "");
  return x.length !== y.length ? x.length - y.length : x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The replay of one restore on instance `self`, fed the stream entries after the client's cursor in stream order.
 * `selfCursor` and `selfSeq` are the restoring instance's reader cursor and own sequence number when its pending
 * buffer opened: later entries reach the socket through that buffer, not through the replay. So an entry is
 * replayed when it is a BROADCAST of this namespace without acks, not volatile, matching the session, not a
 * duplicate (per-sender sequence numbers), not already delivered (the offset's issuer up to its seq), and either our
 * own with seq ≤ selfSeq, or another's with id ≤ selfCursor. Each replayed packet gets an offset that is exact if the
 * client drops again half-way.
 */
export class ReplayFilter {
  readonly packets: unknown[][] = [];
  readonly #nsp: string;
  readonly #rooms: readonly Room[];
  readonly #from: ClusterOffset;
  readonly #self: string;
  readonly #selfSeq: number;
  readonly #selfCursor: string;
  readonly #ownReadBack: boolean;
  /** sender → highest seq seen (the offset's issuer starts at its seq: those were delivered) */
  readonly #seen = new Map<string, number>();

  /** `ownReadBack`: our reader had read back our own entries up to `selfSeq` (so they all sit before `selfCursor`). */
  constructor(nsp: string, rooms: readonly Room[], from: ClusterOffset, self: string, selfCursor: string, selfSeq: number, ownReadBack: boolean) {
    this.#nsp = nsp;
    this.#rooms = rooms;
    this.#from = from;
    this.#self = self;
    this.#selfCursor = selfCursor;
    this.#selfSeq = selfSeq;
    this.#ownReadBack = ownReadBack;
    this.#seen.set(from.uid, from.seq);
  }

  /** True once nothing after `id` can be replayed (past our cursor and past our own seq). */
  done(id: string): boolean {
    return compareIds(id, this.#selfCursor) >= 0 && (this.#ownReadBack || (this.#seen.get(this.#self) ?? 0) >= this.#selfSeq);
  }

  /** Feeds the next stream entry. */
  add(id: string, msg: ClusterMessage): void {
    if (msg.seq === 0) return; // heartbeats
    const last = this.#seen.get(msg.uid);
    if (last !== undefined && msg.seq <= last) return; // delivered already, or a duplicate of a resent entry
    const own = msg.uid === this.#self;
    if (own ? msg.seq > this.#selfSeq : compareIds(id, this.#selfCursor) > 0) return; // reaches the pending buffer
    this.#seen.set(msg.uid, msg.seq);
    if (msg.type !== T.BROADCAST || msg.nsp !== this.#nsp || msg.rid !== undefined || msg.opts.volatile) return;
    if (!matches(this.#rooms, msg.opts.rooms, msg.opts.except)) return;
    // up to our cursor, the stream is replayed as a prefix: the issuer's model; past it only our own entries are
    // replayed, the others' come through the pending buffer: our model
    const offset =
      compareIds(id, this.#selfCursor) <= 0
        ? formatOffset(id, this.#from.uid, this.#seen.get(this.#from.uid)!)
        : formatOffset(this.#selfCursor, this.#self, msg.seq);
    this.packets.push([...msg.data, offset]);
  }
}

/** A session being restored: the packets broadcast to it from the moment its replay was cut until it joined. */
interface Pending {
  rooms: readonly Room[];
  out: unknown[][];
  max: number;
  overflow: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The sessions being restored on this instance, by socket id. A broadcast (local or from the stream) that matches
 * one is appended to its missed packets — which the namespace writes after the socket joined its rooms — and kept
 * away from the socket itself until then, so the client gets every packet once, in order.
 */
export class PendingRestores {
  readonly #bySid = new Map<SocketId, Pending>();

  get size(): number {
    return this.#bySid.size;
  }

  /** Starts buffering for `sid` into `out` (at most `max` packets). */
  open(sid: SocketId, rooms: readonly Room[], out: unknown[][], max: number): void {
    this.close(sid);
    this.#bySid.set(sid, { rooms, out, max, overflow: false, timer: undefined });
  }

  /** Stops buffering for `sid`; true when it overflowed (the socket missed packets). */
  close(sid: SocketId): boolean {
    const p = this.#bySid.get(sid);
    if (p === undefined) return false;
    clearTimeout(p.timer);
    this.#bySid.delete(sid);
    return p.overflow;
  }

  /** Closes `sid` after `ms` unless closed before (a restore whose socket never came). */
  expireAfter(sid: SocketId, ms: number): void {
    const p = this.#bySid.get(sid);
    if (p === undefined) return;
    p.timer = setTimeout(() => this.close(sid), ms);
    p.timer.unref();
  }

  /** `opts` with the buffering sockets excepted (they must not get a packet before their missed ones). */
  exclude(opts: BroadcastOptions): BroadcastOptions {
    const except = new Set<Room>(opts.except ?? []);
    for (const sid of this.#bySid.keys()) except.add(sid);
    return { ...opts, except };
  }

  /** A delivered packet (its offset appended): buffered for every matching session. */
  collect(data: unknown[], opts: BroadcastOptions): void {
    if (opts.flags?.volatile) return;
    for (const p of this.#bySid.values()) {
      if (p.overflow || !matches(p.rooms, opts.rooms, opts.except)) continue;
      if (p.out.length >= p.max) p.overflow = true;
      else p.out.push(data);
    }
  }
}

/** A session as stored in the broker: the session and its namespace. */
export interface StoredSession extends Session {
  nsp: string;
}

/** Validates a stored session (JSON-decoded); null when malformed. */
export function storedSession(value: unknown): StoredSession | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const { sid, pid, nsp, rooms } = v;
  if (typeof sid !== "string" || typeof pid !== "string" || typeof nsp !== "string" || !Array.isArray(rooms)) return null;
  if (!rooms.every((r) => typeof r === "string" || (typeof r === "number" && Number.isFinite(r)))) return null;
  return { sid, pid, nsp, rooms: rooms as Room[], data: v["data"] };
}
