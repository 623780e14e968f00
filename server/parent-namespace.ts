/**
 * A dynamic namespace family: `io.of(/^\/room-\d+$/)` or `io.of((name, auth, next) => …)`. It creates a child
 * namespace per matching name; broadcasting on the parent reaches every child.
 */
import { Adapter } from "./adapter/adapter.js";
import type { BroadcastOptions, Room, SocketId } from "./adapter/types.js";
import type { Packet } from "../shared/packet.js";
import type { DefaultEventsMap } from "../shared/typed-events.js";
import { Namespace } from "./namespace.js";
import type { DefaultSocketData } from "./socket.js";

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

  /** @internal */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  constructor(server: Namespace["server"]) {
    super(server, "/_" + parentCount++);
  }

  /** @internal parents use an adapter that fans out to the children */
  override initAdapter(): void {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    this.adapter = new ParentAdapter(this as unknown as ParentNamespace<any, any, any, any>);
  }

  /** @internal */
  createChild(name: string): Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
    const child = new Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(this.server, name);
    child.fns = this.fns.slice();
    for (const event of ["connect", "connection"] as const) {
      for (const listener of this.listeners(event)) child.on(event, listener as never);
    }
    this.children.add(child);
    return child;
  }
}

/** Broadcast on a parent = broadcast on each child (each with its own namespace name on the wire). */
class ParentAdapter extends Adapter {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly #parent: ParentNamespace<any, any, any, any>;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  constructor(parent: ParentNamespace<any, any, any, any>) {
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

  override async fetchSockets(opts: BroadcastOptions): ReturnType<Adapter["fetchSockets"]> {
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
