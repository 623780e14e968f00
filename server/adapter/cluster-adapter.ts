/**
 * A transport-agnostic cluster adapter: the in-memory Adapter plus the messages that make N instances behave as
 * one (broadcasts, utility operations, server-side emits, acks, recovery across instances), requests with an id and
 * a timeout, and heartbeats. The transport (roomcast/redis) only moves strings; see cluster-hub.ts.
 */
import { PacketType, type Packet } from "../../shared/packet.js";
import { Adapter } from "./adapter.js";
import { MessageType as T, unwire, wire, type ClusterMessage, type MessageBody, type WireOptions } from "./cluster-message.js";
import type { ClusterHub, HubMember } from "./cluster-hub.js";
import { ClusterRequests, fetchSocketsAnswer, sendInParts } from "./cluster-requests.js";
import { AdapterMetrics, type ClusterAdapterStats, type DropReason, type DropReport } from "./cluster-metrics.js";
import { ClusterSessions, type HolderVerdict } from "./cluster-sessions.js";
import { runAppCode } from "../app-code.js";

export { RequestTimeoutError } from "./cluster-requests.js";
import type { AdapterHost, AdapterMember, BroadcastOptions, FetchedSocket, RestoredSession, Room, Session, SocketDetails, SocketId } from "./types.js";

/**
 * The cluster adapter: the in-memory {@link roomcast/server!Adapter} plus the messages that make N server instances
 * behave as one — broadcasts, `fetchSockets`, `socketsJoin`/`socketsLeave`/`disconnectSockets`, `serverSideEmit`
 * with acks, broadcasts with acks, connection state recovery across instances — with heartbeats to track the
 * others. {@link createAdapter} makes one per namespace; the transport only moves strings.
 *
 * Events (besides the in-memory adapter's): "peer:up" / "peer:down" `(uid)` when another instance appears or is
 * gone (closed, its liveness lease expired — killed or cut off from the broker, within about `livenessTimeout` —
 * or silent past `heartbeatTimeout`), "drop" (a `DropReport`) once per episode of messages
 * dropped while waiting for the broker (see `dropReportIntervalMs`), "error" `(err)` for a broker failure (without a
 * listener it goes to the server's `onError`).
 */
export class ClusterAdapter extends Adapter implements HubMember {
  /** The server instance's connection to the broker, shared by its namespaces' adapters. */
  readonly hub: ClusterHub;
  /** Other live instances that have this namespace: uid → last time heard from. */
  readonly #peers = new Map<string, number>();
  readonly #requests = new ClusterRequests();
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  readonly #metrics: AdapterMetrics;
  /** Connection state recovery in the broker (undefined when recovery is off). */
  readonly #sessions: ClusterSessions | undefined;

  /** Made by the factory {@link createAdapter} returns, one per namespace. */
  constructor(nsp: AdapterHost, hub: ClusterHub) {
    super(nsp);
    this.hub = hub;
    this.#metrics = new AdapterMetrics(hub.opts.dropReportIntervalMs);
    if (nsp.recovery !== undefined) {
      const isPeer = (uid: string) => this.#peers.has(uid);
      const askHolder = (uid: string, pid: string, offset: string) => this.#askHolder(uid, pid, offset);
      const reportError = (err: Error, context: string) => this.reportError(err, context);
      this.#sessions = new ClusterSessions({ nsp, hub, isPeer, askHolder, reportError }, nsp.recovery);
    }
  }

  /** The name of the namespace this adapter serves. */
  get nspName(): string {
    return this.nsp.name;
  }

  /** Ids of the other live instances serving this namespace. */
  get peers(): string[] {
    return [...this.#peers.keys()];
  }

  override init(): Promise<void> {
    this.hub.register(this);
    this.#heartbeat();
    const { heartbeatInterval, heartbeatTimeout } = this.hub.opts;
    this.#timer = setInterval(() => {
      this.#heartbeat();
      if (!this.hub.live) return; // while we are cut off, silence proves nothing about the others
      const threshold = Date.now() - heartbeatTimeout;
      for (const [uid, seen] of this.#peers) if (seen < threshold) this.#peerGone(uid);
    }, heartbeatInterval);
    this.#timer.unref();
    this.#sessions?.start();
    return Promise.resolve();
  }

  override async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.onDropsSettled(); // an episode still running ends here: its event comes before the adapter goes
    clearInterval(this.#timer);
    this.#sessions?.close();
    this.hub.sendNow(this.nsp.name, { type: T.CLOSE });
    this.#requests.close();
    await this.hub.unregister(this);
    await super.close();
  }

  override serverCount(): Promise<number> {
    return Promise.resolve(1 + this.#peers.size);
  }

  // ---- operations ---------------------------------------------------------------------------------------------

  override broadcast(packet: Packet, opts: BroadcastOptions): void {
    if (!opts.flags?.local) {
      const body: MessageBody = { type: T.BROADCAST, data: packet.data as unknown[], opts: wire(opts) };
      // a socket.emit stays here — but with recovery it goes to the broker too, addressed to no other instance, so
      // that it can be replayed from there on another one
      if (opts.own !== true) this.#send(body);
      else if (this.#sessions !== undefined) this.#send(body, this.hub.uid);
    }
    this.#deliver(packet, opts); // local sockets at once, whatever the broker is doing
  }

  override addAll(id: SocketId, rooms: Iterable<Room>): void {
    super.addAll(id, rooms);
    this.#sessions?.touched(id);
  }

  override del(id: SocketId, room: Room): void {
    super.del(id, room);
    this.#sessions?.touched(id);
  }

  override delAll(id: SocketId): void {
    super.delAll(id);
    this.#sessions?.gone(id);
  }

  override broadcastWithAck(
    packet: Packet,
    opts: BroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: (...args: unknown[]) => void,
    onGone?: () => void,
  ): void {
    if (!opts.flags?.local && this.#peers.size > 0) {
      const timeout = opts.flags?.timeout ?? 10 * 60_000;
      const rid = this.#requests.trackAck(this.#peers.keys(), timeout, clientCountCallback, ack, onGone);
      this.#send({ type: T.BROADCAST, data: packet.data as unknown[], opts: wire(opts), rid });
    }
    super.broadcastWithAck(packet, opts, clientCountCallback, ack, onGone);
  }

  /**
   * The matching sockets of every instance: local ones as they are, the others as their details (the
   * BroadcastOperator makes RemoteSocket objects of them). Waits up to `requestsTimeout` (or `timeout(ms)`, as in
   * socket.io) for the other live instances.
   */
  override async fetchSockets(opts: BroadcastOptions): Promise<Array<FetchedSocket | SocketDetails>> {
    const local = await super.fetchSockets(opts);
    if (opts.flags?.local) return local;
    const remote: SocketDetails[] = [];
    const w = wire(opts);
    await this.#request("fetchSockets", (rid) => ({ type: T.FETCH_SOCKETS, opts: w, rid }), (msg) => {
      if (msg.type !== T.FETCH_SOCKETS_RESPONSE) return;
      for (const details of msg.sockets) remote.push(details);
    }, opts.flags?.timeout);
    return [...local, ...remote];
  }

  override async sockets(rooms: ReadonlySet<Room>): Promise<Set<SocketId>> {
    return new Set((await this.fetchSockets({ rooms })).map((s) => s.id));
  }

  override async allRooms(): Promise<Set<Room>> {
    const rooms = await super.allRooms();
    await this.#request("allRooms", (rid) => ({ type: T.ALL_ROOMS, rid }), (msg) => {
      if (msg.type === T.ALL_ROOMS_RESPONSE) for (const room of msg.rooms) rooms.add(room);
    });
    return rooms;
  }

  /** Makes the matching sockets of every instance join room(s). */
  override addSockets(opts: BroadcastOptions, rooms: Room[]): void {
    super.addSockets(opts, rooms);
    if (!opts.flags?.local) this.#send({ type: T.SOCKETS_JOIN, opts: wire(opts), rooms });
  }

  /** Makes the matching sockets of every instance leave room(s). */
  override delSockets(opts: BroadcastOptions, rooms: Room[]): void {
    super.delSockets(opts, rooms);
    if (!opts.flags?.local) this.#send({ type: T.SOCKETS_LEAVE, opts: wire(opts), rooms });
  }

  /** Disconnects the matching sockets of every instance; with `close`, their whole connections. */
  override disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    if (!opts.flags?.local) this.#send({ type: T.DISCONNECT_SOCKETS, opts: wire(opts), close });
    super.disconnectSockets(opts, close);
  }

  /** `packet` is `[event, ...args, callback?]`; the callback gets `(err, responses)` (one per other instance). */
  override serverSideEmit(packet: unknown[], opts?: { timeout?: number }): void {
    const last = packet[packet.length - 1];
    if (typeof last !== "function") {
      this.#send({ type: T.SERVER_SIDE_EMIT, args: packet });
      return;
    }
    const args = packet.slice(0, -1);
    const callback = last as (err: Error | null, responses: unknown[]) => void;
    const responses: unknown[] = [];
    const body = (rid: number): MessageBody => ({ type: T.SERVER_SIDE_EMIT, args, rid });
    this.#request("serverSideEmit", body, (msg) => {
      if (msg.type === T.SERVER_SIDE_EMIT_RESPONSE) responses.push(msg.response);
    }, opts?.timeout).then(
      () => this.#answer(callback, null, responses),
      (err: Error) => this.#answer(callback, err, responses),
    );
  }

  /** Keeps a disconnected session in the broker for `maxDisconnectionDuration` (see cluster-sessions.ts). */
  override persistSession(session: Session): Promise<void> {
    return this.#sessions?.persist(session) ?? Promise.resolve();
  }

  /**
   * Takes back a session kept in the broker — disconnected, or held by an instance that died — with the packets it
   * missed, read back from the broker's stream; null when it cannot be recovered.
   */
  override restoreSession(pid: string, offset: string): Promise<RestoredSession | null> {
    return this.#sessions?.restore(pid, offset) ?? Promise.resolve(null);
  }

  override sessionRestored(sid: SocketId): void {
    this.#sessions?.restored(sid);
  }

  protected override recoveryOffset(data: unknown[], opts: BroadcastOptions): string {
    return this.#sessions?.offset() ?? super.recoveryOffset(data, opts);
  }

  // ---- incoming -----------------------------------------------------------------------------------------------

  /** Called by the hub with each message from another instance for this namespace (not app API). */
  onClusterMessage(msg: ClusterMessage): void {
    const from = msg.uid;
    if (msg.type === T.CLOSE) return this.#peerGone(from);
    if (msg.type !== T.HEARTBEAT) this.#metrics.received++;
    if (this.#peers.has(from)) this.#peers.set(from, Date.now());
    else if (msg.type === T.HEARTBEAT) {
      // only a heartbeat makes a peer: an instance that cannot read (so answer) publishes none (see #heartbeat)
      this.#peers.set(from, Date.now());
      this.emit("peer:up", from);
      this.#heartbeat(); // let the newcomer know about us at once
    }
    switch (msg.type) {
      case T.HEARTBEAT:
        return;
      case T.BROADCAST:
        return this.#onBroadcast(msg.data, msg.opts, from, msg.rid);
      case T.SOCKETS_JOIN:
        return super.addSockets(unwire(msg.opts), msg.rooms) as void;
      case T.SOCKETS_LEAVE:
        return super.delSockets(unwire(msg.opts), msg.rooms) as void;
      case T.DISCONNECT_SOCKETS:
        return super.disconnectSockets(unwire(msg.opts), msg.close) as void;
      case T.FETCH_SOCKETS: {
        const sockets: AdapterMember[] = [];
        this.apply(unwire(msg.opts), (socket) => sockets.push(socket));
        const send = (part: MessageBody) => this.hub.reply(this.nsp.name, part, from);
        return sendInParts(fetchSocketsAnswer(sockets, msg.rid), send, () => this.#closed);
      }
      case T.SERVER_SIDE_EMIT: {
        if (msg.rid === undefined) return this.nsp.onServerSideEmit(msg.args);
        let answered = false;
        const rid = msg.rid;
        const reply = (response?: unknown) => {
          if (answered) return;
          answered = true;
          this.hub.reply(this.nsp.name, { type: T.SERVER_SIDE_EMIT_RESPONSE, rid, response: response ?? null }, from);
        };
        return this.nsp.onServerSideEmit([...msg.args, reply]);
      }
      case T.RESTORE_SESSION:
        // sessions live in the broker: the asker only wants to know we are alive (we still hold that socket)
        return this.hub.reply(this.nsp.name, { type: T.RESTORE_SESSION_RESPONSE, rid: msg.rid, session: null }, from);
      case T.ALL_ROOMS:
        return this.hub.reply(this.nsp.name, { type: T.ALL_ROOMS_RESPONSE, rid: msg.rid, rooms: [...this.rooms.keys()] }, from);
      case T.BROADCAST_CLIENT_COUNT:
      case T.BROADCAST_ACK:
        return this.#requests.ackMessage(msg, from);
      default:
        if ("rid" in msg) this.#requests.response(msg, from);
    }
  }

  /** Called by the hub when the broker connection is (again) ready: announces this instance (not app API). */
  onTransportReady(): void {
    const now = Date.now();
    for (const uid of this.#peers.keys()) this.#peers.set(uid, now); // their silence was our outage
    this.#heartbeat();
  }

  /** Called by the hub when `uid`'s liveness lease is gone (killed, or cut off from the broker) (not app API). */
  onPeerLapsed(uid: string): void {
    this.#peerGone(uid);
  }

  /** Called by the hub when this instance's lease may have lapsed: the others may have dropped us (not app API). */
  announce(): void {
    this.#heartbeat();
  }

  /** Called by the hub when messages waiting for the broker were dropped: counted for the episode (not app API). */
  onDropped(count: number, bytes: number, reason: DropReason): void {
    this.#dropReport(this.#metrics.drops.add(count, bytes, reason, Date.now()));
  }

  /** Called by the hub when the broker is back and the outbox empty: emits the episode's "drop" (not app API). */
  onDropsSettled(): void {
    this.#dropReport(this.#metrics.drops.settle(Date.now()));
  }

  /** This namespace's cluster figures (also in `io.stats().cluster`): peers, outbox, drops, requests, broker. */
  override clusterStats(): ClusterAdapterStats {
    return this.#metrics.stats(this.hub, this.#peers);
  }

  /** Reports a broker or message error: on "error" when it has listeners, else to the server's `onError`. */
  reportError(err: Error, context: string): void {
    if (this.listenerCount("error") > 0) this.emit("error", err);
    else this.nsp.reportError(err, `cluster adapter: ${context}`);
  }

  // ---- internals ----------------------------------------------------------------------------------------------

  /** Calls a serverSideEmit ack callback (app code): a throw or a rejection is reported. */
  #answer(callback: (err: Error | null, responses: unknown[]) => unknown, err: Error | null, responses: unknown[]): void {
    runAppCode(() => callback(err, responses), (e) => this.nsp.reportError(e, "serverSideEmit ack callback"));
  }

  #dropReport(report: DropReport | undefined): void {
    if (report !== undefined) this.emit("drop", report);
  }

  #send(body: MessageBody, to?: string): void {
    this.#metrics.sent++;
    this.hub.send(this.nsp.name, body, to);
  }

  /** Announces this instance, only while it can also read: one that cannot answer requests must not become a peer. */
  #heartbeat(): void {
    if (this.hub.live) this.hub.sendNow(this.nsp.name, { type: T.HEARTBEAT });
  }

  #onBroadcast(data: unknown[], w: WireOptions, from: string, rid: number | undefined): void {
    const opts = unwire(w);
    const packet: Packet = { type: PacketType.EVENT, nsp: this.nsp.name, data };
    if (rid === undefined) return this.#deliver(packet, opts);
    packet.id = this.nsp.nextAckId(); // our own ack id: the sender's could clash with ours
    const id = packet.id;
    super.broadcastWithAck(
      packet,
      opts,
      (count) => this.#send({ type: T.BROADCAST_CLIENT_COUNT, rid, count }, from),
      (...args) => this.#send({ type: T.BROADCAST_ACK, rid, response: args[0] ?? null }, from),
      () => this.#send({ type: T.BROADCAST_ACK, rid, response: null, gone: true }, from),
    );
    if (w.timeout !== undefined) {
      setTimeout(() => {
        for (const socket of this.nsp.sockets.values()) socket.dropAck(id);
      }, w.timeout).unref();
    }
  }

  /** Local delivery; sockets being restored get the packet in their missed packets instead (cluster-sessions.ts). */
  #deliver(packet: Packet, opts: BroadcastOptions): void {
    const pending = this.#sessions?.pending;
    if (pending === undefined || pending.size === 0) return super.broadcast(packet, opts);
    super.broadcast(packet, pending.exclude(opts));
    if (packet.type === PacketType.EVENT && packet.id === undefined) pending.collect(packet.data as unknown[], opts);
  }

  /** Asks the instance holding a live session whether it is alive; "gone" once it is declared dead. */
  #askHolder(uid: string, pid: string, offset: string): Promise<HolderVerdict> {
    let answered = false;
    const send = (rid: number) => this.#send({ type: T.RESTORE_SESSION, pid, offset, rid }, uid);
    return this.#requests
      .request("restoreSession", [uid], this.hub.opts.requestsTimeout, () => (answered = true), send)
      .then((): HolderVerdict => (answered ? "alive" : "gone"), (): HolderVerdict => "unknown");
  }

  /** Sends a request to every peer; resolves once each answered (or went away), rejects on timeout. */
  #request(
    what: string,
    body: (rid: number) => MessageBody,
    onResponse: (msg: ClusterMessage) => void,
    timeout = this.hub.opts.requestsTimeout,
  ): Promise<void> {
    const done = this.#requests.request(what, this.#peers.keys(), timeout, onResponse, (rid) => this.#send(body(rid)));
    if (this.#peers.size > 0) {
      this.#metrics.time(done);
      this.hub.probe([...this.#peers.keys()]);
    }
    return done;
  }

  #peerGone(uid: string): void {
    if (!this.#peers.delete(uid)) return;
    this.emit("peer:down", uid);
    this.#requests.peerGone(uid);
  }
}
