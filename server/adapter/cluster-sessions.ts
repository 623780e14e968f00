/**
 * Connection state recovery across instances (the I/O shell around cluster-recovery.ts): sessions and the packets
 * they missed live in the broker, not in the memory of the instance that held them, so a client whose instance died
 * recovers on any other.
 *
 * - A recoverable disconnect keeps the session in the broker for `maxDisconnectionDuration`.
 * - A connected socket is snapshotted (id, rooms, data) into its instance's live hash on connect, join and leave —
 *   coalesced, one write per tick — whose TTL the instance keeps refreshing; if it is SIGKILLed, its sessions stay
 *   recoverable for `maxDisconnectionDuration` (socket.data as of the socket's last connect/join/leave).
 * - restoreSession on any instance takes the session (disconnected, else from a dead instance's live hash) and reads
 *   the missed packets back from the stream after the client's offset, then buffers what arrives until the socket
 *   has joined its rooms: every missed packet once, in order.
 */
import { decodeMessage } from "./cluster-message.js";
import { needsExtendedJson, reviveExtended, stringifyFlagged } from "./cluster-values.js";
import { formatOffset, parseOffset, PendingRestores, ReplayFilter, storedSession, validPid, type SessionBackend } from "./cluster-recovery.js";
import type { ClusterHub } from "./cluster-hub.js";
import type { AdapterHost, RestoredSession, Session, SessionStoreOptions, SocketId } from "./types.js";
import { RoomcastError, toError } from "../../shared/errors.js";

/** What the holder of a live session answered: alive (it holds it), gone (dead), unknown (no answer in time). */
export type HolderVerdict = "alive" | "gone" | "unknown";

/** What ClusterSessions needs from its cluster adapter. */
export interface RecoveryHost {
  readonly nsp: AdapterHost;
  readonly hub: ClusterHub;
  /** Whether instance `uid` is a live peer. */
  isPeer(uid: string): boolean;
  /** Asks peer `uid` whether it is alive; "gone" once it is declared dead. */
  askHolder(uid: string, pid: string, offset: string): Promise<HolderVerdict>;
  reportError(err: Error, context: string): void;
}

/** Stream entries read per XRANGE. */
const PAGE = 500;
/** Longest a restored session buffers what is broadcast to it before it joins its rooms (ms). */
export const PENDING_MS = 60_000;

export class ClusterSessions {
  readonly pending = new PendingRestores();
  readonly #host: RecoveryHost;
  readonly #opts: SessionStoreOptions;
  /** sid → pid of the local sockets snapshotted (or about to be) in the live hash */
  readonly #live = new Map<SocketId, string>();
  readonly #livePids = new Set<string>();
  readonly #dirty = new Set<SocketId>();
  readonly #forget: string[] = [];
  #scheduled = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  /** Holder uid → the pending question (the clients of a dead instance, all back at once, share one). */
  readonly #asking = new Map<string, Promise<HolderVerdict>>();

  constructor(host: RecoveryHost, opts: SessionStoreOptions) {
    this.#host = host;
    this.#opts = opts;
  }

  /** The live hash's TTL: a SIGKILLed instance's sessions stay for maxDisconnectionDuration after its last refresh. */
  get #ttl(): number {
    return this.#opts.maxDisconnectionDuration + 2 * this.#host.hub.opts.heartbeatInterval;
  }

  /** Refreshes the live hash's TTL (and retries failed snapshots) every heartbeat. */
  start(): void {
    this.#timer = setInterval(() => {
      const backend = this.#host.hub.sessions;
      if (backend === undefined || this.#live.size === 0) return;
      if (this.#dirty.size > 0) this.#schedule();
      backend.refresh(this.#host.hub.uid, this.#ttl).catch((err: unknown) => this.#report(err, "refresh"));
    }, this.#host.hub.opts.heartbeatInterval);
    this.#timer.unref();
  }

  /** The adapter closes: its connections go, nothing more is written (a socket disconnecting after that is not kept). */
  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
  }

  /** The offset of a packet delivered now. */
  offset(): string {
    const { cursor, seq } = this.#host.hub.position;
    return formatOffset(cursor ?? "x", this.#host.hub.uid, seq);
  }

  /** A local socket connected, joined or left: its snapshot is rewritten (coalesced per tick). */
  touched(sid: SocketId): void {
    const socket = this.#host.nsp.sockets.get(sid);
    const pid = socket?.pid;
    if (pid === undefined) return;
    this.#live.set(sid, pid);
    this.#livePids.add(pid);
    this.#dirty.add(sid);
    this.#schedule();
  }

  /** A local socket is gone: its snapshot too (unless persist() already moved it). Ends a pending restore. */
  gone(sid: SocketId): void {
    this.pending.close(sid);
    const pid = this.#live.get(sid);
    if (pid === undefined) return;
    this.#untrack(sid, pid);
    this.#forget.push(pid);
    this.#schedule();
  }

  /** A recoverable disconnect: the session goes to the broker for maxDisconnectionDuration. */
  async persist(session: Session): Promise<void> {
    const backend = this.#host.hub.sessions;
    if (backend === undefined || this.#closed) return;
    this.#untrack(session.sid, session.pid);
    const value = toWireJson({ sid: session.sid, pid: session.pid, nsp: this.#host.nsp.name, rooms: session.rooms, data: session.data });
    try {
      await backend.persist(this.#host.hub.uid, session.pid, value, this.#opts.maxDisconnectionDuration);
    } catch (err) {
      // Redis away (the outage is reported once by the connection), or the adapter closed meanwhile: the session is
      // not kept (docs: no local fallback)
      if (!this.#closed && !(err instanceof RoomcastError && err.code === "ERR_TRANSPORT_CLOSED")) throw err;
    }
  }

  /**
   * Takes back a session kept in the broker, with the packets it missed after `offset`; null when it cannot be
   * recovered (unknown, expired, held by a live instance, offset not ours or trimmed from the stream, too many
   * packets missed, broker unreachable).
   */
  async restore(pid: string, offset: string): Promise<RestoredSession | null> {
    const backend = this.#host.hub.sessions;
    const from = parseOffset(offset);
    if (backend === undefined || from === null || !validPid(pid)) return null;
    try {
      const raw = (await backend.take(pid)) ?? (await this.#takeLive(backend, from.uid, pid, offset));
      if (raw === null) return null;
      const session = storedSession(fromWireJson(raw));
      if (session === null || session.pid !== pid || session.nsp !== this.#host.nsp.name) return null;
      if (this.#host.nsp.sockets.has(session.sid)) return null; // connected here already
      const missedPackets = await this.#replay(backend, session.sid, session.rooms, from);
      if (missedPackets === null) return null;
      return { sid: session.sid, pid, rooms: session.rooms, data: session.data, missedPackets };
    } catch (err) {
      if (err instanceof RoomcastError && err.code === "ERR_TRANSPORT_CLOSED") return null; // an outage: not recoverable
      throw err;
    }
  }

  /** The namespace wrote the session's missed packets: later ones reach the socket directly. */
  restored(sid: SocketId): void {
    if (this.pending.close(sid)) {
      this.#host.reportError(
        new RoomcastError("ERR_RECOVERY_INCOMPLETE", `recovered socket ${sid} missed packets: more than maxPackets (${this.#opts.maxPackets}) broadcast to it before it joined its rooms`),
        "restoreSession",
      );
    }
  }

  async #takeLive(backend: SessionBackend, uid: string, pid: string, offset: string): Promise<string | null> {
    const hub = this.#host.hub;
    if (uid === hub.uid) {
      if (this.#livePids.has(pid)) return null; // still connected here (socket.io: the old connection has not timed out)
    } else if (this.#host.isPeer(uid)) {
      let asking = this.#asking.get(uid);
      if (asking === undefined) {
        asking = this.#host.askHolder(uid, pid, offset).finally(() => this.#asking.delete(uid));
        this.#asking.set(uid, asking);
      }
      const verdict = await asking;
      // alive: it holds the socket, unless a disconnect there persisted it meanwhile
      if (verdict === "alive") return backend.take(pid);
      if (verdict === "unknown") return null;
    }
    return backend.takeLive(uid, pid);
  }

  /**
   * The missed packets: a pending buffer opens now (what is broadcast from now on is appended to it), then the
   * stream is read from the client's cursor up to where this instance stands — its reader's cursor for the others'
   * entries, its last sequence number for its own (once they are in the broker).
   */
  async #replay(backend: SessionBackend, sid: SocketId, rooms: Session["rooms"], from: NonNullable<ReturnType<typeof parseOffset>>): Promise<unknown[][] | null> {
    const hub = this.#host.hub;
    const { cursor, seq: selfSeq, readBack } = hub.position;
    if (cursor === undefined) return null;
    const ownReadBack = readBack >= selfSeq;
    const missed: unknown[][] = [];
    const max = this.#opts.maxPackets;
    this.pending.open(sid, rooms, missed, max);
    try {
      if (!ownReadBack && !(await hub.settled(selfSeq, hub.opts.requestsTimeout))) return this.#fail(sid);
      const replay = new ReplayFilter(this.#host.nsp.name, rooms, from, hub.uid, cursor, selfSeq, ownReadBack);
      // bound: a stream holds about maxStreamLength entries; a client far behind it is not recoverable anyway
      const maxScan = Math.max(max, 1000) * 4;
      let after = from.cursor;
      let scanned = 0;
      scan: for (;;) {
        const page = await backend.range(after, PAGE);
        for (const [id, payload] of page) {
          after = id;
          let msg;
          try {
            msg = decodeMessage(payload);
          } catch {
            continue; // garbage on the stream: the live readers report it
          }
          replay.add(id, msg);
          if (replay.done(id)) break scan;
          if (replay.packets.length > max) return this.#fail(sid);
        }
        scanned += page.length;
        if (page.length < PAGE) break;
        if (scanned >= maxScan) return this.#fail(sid);
      }
      if (replay.packets.length + missed.length > max || !(await backend.intact(from.cursor))) return this.#fail(sid);
      missed.unshift(...replay.packets);
      this.pending.expireAfter(sid, PENDING_MS);
      return missed;
    } catch (err) {
      this.pending.close(sid);
      throw err;
    }
  }

  #fail(sid: SocketId): null {
    this.pending.close(sid);
    return null;
  }

  #untrack(sid: SocketId, pid: string): void {
    this.#live.delete(sid);
    this.#livePids.delete(pid);
    this.#dirty.delete(sid);
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    const backend = this.#host.hub.sessions;
    const uid = this.#host.hub.uid;
    const forget = this.#forget.splice(0);
    if (backend === undefined) return;
    if (forget.length > 0) backend.forget(uid, forget).catch((err: unknown) => this.#report(err, "forget"));
    if (this.#dirty.size === 0) return;
    const entries: Array<[string, string]> = [];
    const sids = [...this.#dirty];
    this.#dirty.clear();
    for (const sid of sids) {
      const socket = this.#host.nsp.sockets.get(sid);
      const pid = this.#live.get(sid);
      if (socket === undefined || pid === undefined) continue;
      try {
        entries.push([pid, toWireJson({ sid, pid, nsp: this.#host.nsp.name, rooms: [...socket.rooms], data: socket.data })]);
      } catch (err) {
        this.#report(err, `snapshot of socket ${sid} (socket.data that JSON refuses)`);
      }
    }
    if (entries.length === 0) return;
    backend.snapshot(uid, entries, this.#ttl).catch((err: unknown) => {
      for (const sid of sids) if (this.#live.has(sid)) this.#dirty.add(sid); // retried with the next refresh
      this.#report(err, "snapshot");
    });
  }

  #report(err: unknown, what: string): void {
    if (err instanceof RoomcastError && err.code === "ERR_TRANSPORT_CLOSED") return; // the outage is reported once by the connection
    this.#host.reportError(toError(err), `recovery ${what}`);
  }
}

/** A session as JSON, binary values and Dates as in cluster messages (flagged `"x":1`). Throws what JSON.stringify throws. */
function toWireJson(session: Record<string, unknown>): string {
  return stringifyFlagged({ ...session }, needsExtendedJson(session["data"]));
}

/** Parses `toWireJson`'s output; undefined when it is not JSON (or nests too deep). */
function fromWireJson(text: string): unknown {
  try {
    const value = JSON.parse(text) as unknown;
    return (value as { x?: unknown } | null)?.x === 1 ? reviveExtended(value) : value;
  } catch {
    return undefined;
  }
}
