/**
 * Liveness leases: how the instances of a cluster learn within about a second that one of them died or was cut off
 * from the broker, without waiting for heartbeats to fall silent.
 *
 * Each instance holds a key in the broker (`{<key>}:alive:<uid>` in Redis) that expires `livenessTimeout` ms after
 * it was last set, and sets it again every quarter of that — but only while it can both publish and read the
 * stream, so an instance that cannot answer requests does not claim to be alive. Every quarter it also
 * reads the leases of the peers its namespaces know (one MGET): a peer whose lease is gone is dropped at once
 * ("peer:down"; requests stop waiting for it). A SIGKILLed instance, or one cut off from the broker, is gone for the
 * others within `livenessTimeout` + a quarter (1.25 s by default). When the broker cannot be reached nothing is
 * dropped: silence proves nothing then, and requests wait up to their timeout as before.
 */
import { toError } from "../../shared/errors.js";

/** What the transport does for liveness (roomcast/redis: SET PX, MGET, DEL on its publisher connection). */
export interface LeaseStore {
  /** True while publishing can succeed. */
  readonly ready: boolean;
  /** True while this instance can both publish and read (so answer requests): only then does it renew its lease. */
  readonly live: boolean;
  /** Sets this instance's lease for `ttlMs`. */
  setLease(uid: string, ttlMs: number): Promise<unknown>;
  /** Whether each of `uids` holds a lease, in the same order. */
  leases(uids: readonly string[]): Promise<boolean[]>;
  /** Removes this instance's lease (graceful close). */
  dropLease(uid: string): Promise<unknown>;
  /**
   * Whether each of `uids` still has its connection to the broker (roomcast/redis: its response channel has a
   * subscriber, PUBSUB NUMSUB). A killed process's connections close at once, long before its lease expires.
   */
  connected?(uids: readonly string[]): Promise<boolean[]>;
}

/** What the liveness loop needs from the hub. */
export interface LivenessHooks {
  /** The uids of the peers the namespaces know (duplicates allowed). */
  peers(): Iterable<string>;
  /** `uid`'s lease is gone: it is dead or cut off. */
  gone(uid: string): void;
  /** Our own lease may have lapsed (it is held again): the others may have dropped us, tell them we are here. */
  announce(): void;
  onError(err: Error, context: string): void;
}

export class Liveness {
  readonly #uid: string;
  readonly #ttl: number;
  readonly #hooks: LivenessHooks;
  #store: LeaseStore | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #renewing = false;
  #checking = false;
  /** When the last renewal that Redis confirmed was sent: the lease surely held until then + ttl. */
  #heldSince: number | undefined;
  /** No peer is dropped before this time (after our own reconnect the others need a moment to renew theirs). */
  #quietUntil = 0;
  /** Peers seen holding a lease: only those are dropped when it is gone (one re-added by a heartbeat is not yet). */
  readonly #leased = new Set<string>();
  #failing = false;

  constructor(uid: string, ttlMs: number, hooks: LivenessHooks) {
    this.#uid = uid;
    this.#ttl = ttlMs;
    this.#hooks = hooks;
  }

  start(store: LeaseStore): void {
    this.#store = store;
    this.#timer = setInterval(() => this.#tick(), Math.max(10, this.#ttl / 4));
    this.#timer.unref();
  }

  /**
   * The transport is (again) ready: takes the lease at once, before the namespaces announce themselves (same
   * connection, so the others see the lease before the heartbeat).
   */
  claim(): void {
    this.#quietUntil = Date.now() + this.#ttl;
    this.#renew(false);
  }

  /** Stops renewing and removes the lease (the others drop us at once instead of after it expires). */
  stop(): void {
    clearInterval(this.#timer);
    const store = this.#store;
    this.#store = undefined;
    if (store?.ready) store.dropLease(this.#uid).catch(() => undefined);
  }

  #tick(): void {
    if (this.#store?.ready !== true) return;
    this.#renew(true);
    this.#check();
  }

  #renew(announce: boolean): void {
    const store = this.#store;
    if (store === undefined || !store.live || this.#renewing) return;
    this.#renewing = true;
    const sentAt = Date.now();
    const previous = this.#heldSince;
    store.setLease(this.#uid, this.#ttl).then(
      () => {
        this.#renewing = false;
        this.#failing = false;
        this.#heldSince = sentAt;
        // the lease may have lapsed in between (the previous renewal was sent more than ttl before this answer)
        if (announce && (previous === undefined || Date.now() - previous > this.#ttl)) this.#hooks.announce();
      },
      (err: unknown) => {
        this.#renewing = false;
        this.#fail(err, "liveness lease");
      },
    );
  }

  #check(): void {
    const store = this.#store!;
    if (this.#checking) return;
    const known = new Set(this.#hooks.peers());
    for (const uid of this.#leased) if (!known.has(uid)) this.#leased.delete(uid);
    const uids = [...known];
    if (uids.length === 0) return;
    this.#checking = true;
    const at = Date.now();
    store.leases(uids).then(
      (alive) => {
        this.#checking = false;
        this.#failing = false;
        const quiet = at < this.#quietUntil;
        uids.forEach((uid, i) => {
          if (alive[i] === true) this.#leased.add(uid);
          else if (!quiet && this.#leased.delete(uid)) this.#hooks.gone(uid);
        });
      },
      (err: unknown) => {
        this.#checking = false;
        this.#fail(err, "liveness check");
      },
    );
  }

  /**
   * A request starts and waits for `uids`: asks the broker at once whether their connections are still there, and
   * drops those already seen holding a lease whose connection is gone (a SIGKILLed instance: the request completes
   * with the live instances' answers in a round trip instead of waiting for the lease to expire). Not while cut off.
   * A peer whose subscriber happens to be reconnecting at that moment is dropped too; its next heartbeat (within
   * `heartbeatInterval`) makes it a peer again, and broadcasts reach it all along (they do not depend on the list).
   */
  probe(uids: readonly string[]): void {
    const store = this.#store;
    if (store?.connected === undefined || !store.ready || uids.length === 0) return;
    store.connected(uids).then(
      (connected) => {
        uids.forEach((uid, i) => {
          if (connected[i] === false && this.#leased.delete(uid)) this.#hooks.gone(uid);
        });
      },
      () => undefined, // the periodic lease check reports broker failures
    );
  }

  /** A refused lease command while connected is reported once until one succeeds; an outage is reported elsewhere. */
  #fail(err: unknown, context: string): void {
    if (this.#failing || this.#store?.ready !== true) return;
    this.#failing = true;
    this.#hooks.onError(toError(err), context);
  }
}
