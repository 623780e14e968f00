/**
 * roomcast/server: the server side, with socket.io v4's API ({@link Server}, {@link Namespace}, {@link Socket},
 * rooms, middlewares, acks, adapters) over engine.io.
 *
 * @example
 * ```ts
 * import { Server } from "roomcast/server";
 *
 * const io = new Server(3000);
 * io.on("connection", (socket) => socket.emit("hello", "world"));
 * ```
 *
 * @module roomcast/server
 */
export { Server, type ServerOptions, type ConnectionStateRecoveryOptions, type ServerReservedEvents } from "./server.js";
export { Namespace, type ExtendedError, type NamespaceMiddleware } from "./namespace.js";
export { Broadcaster } from "./broadcaster.js";
export type { Upward } from "./upward.js";
export { ParentNamespace, type NamespaceMatcher } from "./parent-namespace.js";
export { Socket, type SocketReservedEvents, type PacketMiddleware, type DefaultSocketData } from "./socket.js";
export { SocketIncoming } from "./socket-incoming.js";
export { BroadcastOperator, RemoteSocket, type RemoteSocketTimeout, type SocketDetails } from "./broadcast.js";
export { Client } from "./client.js";
export { Adapter, type AdapterConstructor } from "./adapter/adapter.js";
export { SessionStore } from "./adapter/session-store.js";
export type {
  Room,
  SocketId,
  BroadcastFlags,
  BroadcastOptions,
  Session,
  RestoredSession,
  AdapterHost,
  AdapterMember,
  FetchedSocket,
} from "./adapter/types.js";
export type { Handshake } from "./handshake.js";
export { DisconnectReason } from "./reasons.js";
export type { AllowedOrigins } from "./origins.js";
export type {
  CatchAllListener,
  DefaultEventsMap,
  EventsMap,
  EventContract,
  EventNames,
  EventParams,
} from "../shared/typed-events.js";
export type {
  ServerContract,
  ServerOf,
  NamespaceOf,
  SocketOf,
  BroadcastOperatorOf,
  RemoteSocketOf,
  ServerToServerOf,
  SocketDataOf,
} from "./contract.js";
export type { Event } from "./packet-middleware.js";
export type { ServerStats } from "./stats.js";
export type { ClusterAdapterStats, BrokerStats, DropEpisodeStats, DropReport, DropReason } from "./adapter/cluster-metrics.js";
export type { EventRateLimitOptions, RateLimitedAck } from "./rate-limit.js";
export type { AnyHttpServer } from "./options.js";
export type { TrustProxy } from "./client-address.js";
export type { NamespaceReservedEvents } from "./namespace.js";
export type { SessionStoreOptions } from "./adapter/session-store.js";
