/**
 * Where roomcast/redis keeps connection state recovery (see docs/scaling-redis.md, "Recovery across instances"):
 *
 *   <key>:session:<pid>   a disconnected session (JSON), SET with PX maxDisconnectionDuration, taken with GETDEL
 *   <key>:live:<uid>      hash pid → snapshot of each connected recoverable socket of instance <uid> (rooms, data as
 *                         of its connect/join/leave); its TTL is refreshed while the instance lives, so a SIGKILLed
 *                         instance's sessions stay recoverable for maxDisconnectionDuration
 *   <key>:stream          the adapter's stream: the missed packets are read back from it (XRANGE)
 *
 * Commands go on the publisher connection (no offline queue: during an outage they fail at once).
 */
import { compareIds, type SessionBackend } from "../cluster-recovery.js";
import { RoomcastError } from "../../../shared/errors.js";

/** HGET + HDEL in one step: two instances restoring the same session cannot both get it. */
const TAKE_LIVE = "local v = redis.call('HGET', KEYS[1], ARGV[1]) if v then redis.call('HDEL', KEYS[1], ARGV[1]) end return v";

export class RedisSessions implements SessionBackend {
  readonly #command: (key: string, args: string[]) => Promise<unknown>;
  readonly #ready: () => boolean;
  readonly #key: string;
  readonly #stream: string;

  /** `command(key, args)` runs a command on the publisher connection (the transport's seam); `ready` tells whether it is connected. */
  constructor(command: (key: string, args: string[]) => Promise<unknown>, ready: () => boolean, key: string) {
    this.#command = command;
    this.#ready = ready;
    this.#key = key;
    this.#stream = `${key}:stream`;
  }

  async persist(uid: string, pid: string, value: string, ttlMs: number): Promise<void> {
    await Promise.all([
      this.#run(this.#session(pid), ["SET", this.#session(pid), value, "PX", String(ttlMs)]),
      this.#run(this.#live(uid), ["HDEL", this.#live(uid), pid]),
    ]);
  }

  async take(pid: string): Promise<string | null> {
    return text(await this.#run(this.#session(pid), ["GETDEL", this.#session(pid)]));
  }

  async takeLive(uid: string, pid: string): Promise<string | null> {
    return text(await this.#run(this.#live(uid), ["EVAL", TAKE_LIVE, "1", this.#live(uid), pid]));
  }

  async snapshot(uid: string, entries: ReadonlyArray<readonly [string, string]>, ttlMs: number): Promise<void> {
    const key = this.#live(uid);
    await Promise.all([this.#run(key, ["HSET", key, ...entries.flat()]), this.#run(key, ["PEXPIRE", key, String(ttlMs)])]);
  }

  async forget(uid: string, pids: readonly string[]): Promise<void> {
    await this.#run(this.#live(uid), ["HDEL", this.#live(uid), ...pids]);
  }

  async refresh(uid: string, ttlMs: number): Promise<void> {
    await this.#run(this.#live(uid), ["PEXPIRE", this.#live(uid), String(ttlMs)]);
  }

  async range(after: string, count: number): Promise<Array<[string, string]>> {
    const reply = await this.#run(this.#stream, ["XRANGE", this.#stream, `(${after}`, "+", "COUNT", String(count)]);
    const out: Array<[string, string]> = [];
    if (!Array.isArray(reply)) return out;
    for (const entry of reply) {
      if (!Array.isArray(entry) || entry.length < 2 || !Array.isArray(entry[1])) continue;
      const fields = entry[1] as unknown[];
      for (let i = 0; i + 1 < fields.length; i += 2) {
        if (String(fields[i]) === "m") {
          out.push([String(entry[0]), String(fields[i + 1])]);
          break;
        }
      }
    }
    return out;
  }

  async intact(cursor: string): Promise<boolean> {
    let info: unknown;
    try {
      info = await this.#run(this.#stream, ["XINFO", "STREAM", this.#stream]);
    } catch (err) {
      if (err instanceof Error && /no such key/i.test(err.message)) return false;
      throw err;
    }
    // Redis ≥ 7: nothing after the cursor was deleted (XDEL) and the stream still starts at or before it — or nothing
    // was ever trimmed (entries-added = length: a cursor "0-0" of a reader that started on an empty stream)
    const maxDeleted = field(info, "max-deleted-entry-id");
    const first = field(info, "recorded-first-entry-id");
    if (typeof maxDeleted === "string" && typeof first === "string") {
      const neverTrimmed = field(info, "entries-added") === field(info, "length");
      return compareIds(maxDeleted, cursor) <= 0 && (neverTrimmed || compareIds(first, cursor) <= 0);
    }
    // Redis < 7 does not say: trimming deletes from the head, so the cursor entry still being there is enough
    const same = await this.#run(this.#stream, ["XRANGE", this.#stream, cursor, cursor]);
    return Array.isArray(same) && same.length === 1;
  }

  #session(pid: string): string {
    return `${this.#key}:session:${pid}`;
  }

  #live(uid: string): string {
    return `${this.#key}:live:${uid}`;
  }

  /** A command on `key` (the seam routes it to that key's node on a Redis Cluster); fails at once while disconnected. */
  #run(key: string, args: string[]): Promise<unknown> {
    if (!this.#ready()) return Promise.reject(new RoomcastError("ERR_TRANSPORT_CLOSED", "redis is not connected"));
    return this.#command(key, args);
  }
}

function text(reply: unknown): string | null {
  if (reply === null || reply === undefined) return null;
  return Buffer.isBuffer(reply) ? reply.toString() : String(reply);
}

/** A field of XINFO STREAM's reply: a flat array (RESP2), a Map or an object (RESP3). */
function field(reply: unknown, name: string): unknown {
  if (reply instanceof Map) return text(reply.get(name));
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) if (String(reply[i]) === name) return text(reply[i + 1]);
    return undefined;
  }
  if (reply !== null && typeof reply === "object") {
    const v = (reply as Record<string, unknown>)[name];
    return v === undefined ? undefined : text(v);
  }
  return undefined;
}
