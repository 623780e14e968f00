/**
 * A dynamic namespace family: `io.of(/^\/room-\d+$/)` or `io.of((name, auth, next) => …)`. It creates a child
 * namespace per matching name; broadcasting on the parent reaches every child.
 */
import { Adapter } from "./adapter/adapter.js";
import type { AdapterHost, BroadcastOptions, FetchedSocket, Room, SocketDetails, SocketId } from "./adapter/types.js";
import type { Packet } from "../shared/packet.js";
import type { DefaultEventsMap } from "../shared/typed-events.js";
import { Namespace, type NamespaceContext } from "./namespace.js";
import type { DefaultSocketData } from "./socket.js";
import type { Upward } from "./upward.js";

/** Decides whether `name` belongs to a dynamic family: `next(null, true)` accepts it. */
export type NamespaceMatcher = (
  name: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  auth: Record<string, any>,
  next: (err: Error | null, success: boolean) => void,
) => void;

let parentCount = 0;

/**
 * A dynamic namespace family, returned by `io.of(regexp)` or `io.of(matcher)`: it creates a child namespace for each
 * matching name a client asks for, gives each child its middlewares and "connection" listeners, and a broadcast on
 * it reaches every child.
 *
 * @example
 * ```ts
 * io.of(/^\/team-\d+$/).on("connection", (socket) => {
 *   socket.emit("welcome", socket.nsp.name); // e.g. "/team-42"
 * });
 * ```
 */
export class ParentNamespace<
  ListenEvents extends object = DefaultEventsMap,
  EmitEvents extends object = ListenEvents,
  ServerSideEvents extends object = DefaultEventsMap,
  SocketData = DefaultSocketData,
> extends Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
  /** The child namespaces created so far. */
  readonly children = new Set<Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();

  /** @internal made by the server (`io.of(regexp)`) */
  constructor(server: Upward<ListenEvents, EmitEvents, ServerSideEvents, SocketData>["server"], context: NamespaceContext) {
    super(server, "/_" + parentCount++, context);
  }

  /** @internal parents use an adapter that fans out to the children */
  override initAdapter(): void {
    this.adapter = new ParentAdapter(this);
  }

  /** @internal */
  createChild(name: string): Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
    const child = new Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(this.server, name, this.context);
    child.fns = this.fns.slice();
    for (const event of ["connect", "connection"] as const) {
      for (const listener of this.listeners(event)) child.on(event, listener as never);
    }
    this.children.add(child);
    return child;
  }

  /** @internal forgets a child (emptied, with `cleanupEmptyChildNamespaces`); true when it was one of this family's */
  forget(child: { readonly name: string }): boolean {
    for (const c of this.children) {
      if (c === child) return this.children.delete(c);
    }
    return false;
  }
}

/** A dynamic family as its adapter sees it: a namespace with children, each with its own adapter. */
interface Family extends AdapterHost {
  readonly children: ReadonlySet<{ readonly name: string; readonly adapter: Adapter }>;
}

/** Broadcast on a parent = broadcast on each child (each with its own namespace name on the wire). */
class ParentAdapter extends Adapter {
  readonly #parent: Family;

  constructor(parent: Family) {
    super(parent);
    this.#parent = parent;
  }

  override broadcast(packet: Packet, opts: BroadcastOptions): void {
    for (const child of this.#parent.children) {
      const data = Array.isArray(packet.data) ? packet.data.slice() : packet.data;
      child.adapter.broadcast({ ...packet, nsp: child.name, data }, opts);
    }
  }

  override async sockets(rooms: ReadonlySet<Room>): Promise<Set<SocketId>> {
    const ids = new Set<SocketId>();
    for (const child of this.#parent.children) for (const id of await child.adapter.sockets(rooms)) ids.add(id);
    return ids;
  }

  override async fetchSockets(opts: BroadcastOptions): Promise<Array<FetchedSocket | SocketDetails>> {
    const all = await Promise.all([...this.#parent.children].map((child) => child.adapter.fetchSockets(opts)));
    return all.flat();
  }

  override async addSockets(opts: BroadcastOptions, rooms: Room[]): Promise<void> {
    await Promise.all([...this.#parent.children].map((child) => child.adapter.addSockets(opts, rooms)));
  }

  override async delSockets(opts: BroadcastOptions, rooms: Room[]): Promise<void> {
    await Promise.all([...this.#parent.children].map((child) => child.adapter.delSockets(opts, rooms)));
  }

  override async disconnectSockets(opts: BroadcastOptions, close: boolean): Promise<void> {
    await Promise.all([...this.#parent.children].map((child) => child.adapter.disconnectSockets(opts, close)));
  }
}
