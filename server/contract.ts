/**
 * The server named by the app's one contract, as the client is (`ClientSocket<C>` in roomcast/client): the
 * directions are named (`clientToServer`, `serverToClient`, optionally `serverToServer` and `socketData`) instead of
 * told apart by generic position. Each alias is exactly socket.io's four positional generics, filled in from the
 * contract, so both spellings name the same type and mix freely.
 *
 * @example
 * ```ts
 * interface Chat extends ServerContract {
 *   clientToServer: { say: (text: string, ack: (ok: boolean) => void) => void };
 *   serverToClient: { said: (from: string, text: string) => void };
 *   socketData: { name: string };
 * }
 * const io: ServerOf<Chat> = new Server();
 * io.on("connection", (socket: SocketOf<Chat>) => socket.on("say", (text, ack) => ack(true)));
 * ```
 */
import type { DefaultEventsMap, EventContract } from "../shared/typed-events.js";
import type { Namespace } from "./namespace.js";
import type { Server } from "./server.js";
import type { DefaultSocketData, Socket } from "./socket.js";
import type { BroadcastOperator, RemoteSocket } from "./broadcast.js";

/** An app's contract as the server reads it: the two client directions, plus the optional server-side ones. */
export interface ServerContract extends EventContract {
  /** Events instances of a cluster send each other (`serverSideEmit`); none when left out. */
  serverToServer?: object;
  /** The type of `socket.data`; socket.io's default when left out. */
  socketData?: unknown;
}

/** The contract's `serverToServer` events, or socket.io's default map. */
export type ServerToServerOf<C extends EventContract> = C extends {
  /** The contract's server-to-server events, when it names them. */
  serverToServer: infer S extends object;
}
  ? S
  : DefaultEventsMap;
/** The contract's `socketData`, or socket.io's default. */
export type SocketDataOf<C extends EventContract> = C extends {
  /** The contract's socket data, when it names it. */
  socketData: infer D;
}
  ? D
  : DefaultSocketData;

/** `Server<clientToServer, serverToClient, serverToServer, socketData>` of the contract. */
export type ServerOf<C extends EventContract> = Server<C["clientToServer"], C["serverToClient"], ServerToServerOf<C>, SocketDataOf<C>>;
/** `Namespace<…>` of the contract (one namespace's contract, for `io.of(name)`). */
export type NamespaceOf<C extends EventContract> = Namespace<C["clientToServer"], C["serverToClient"], ServerToServerOf<C>, SocketDataOf<C>>;
/** `Socket<…>` of the contract: listens to `clientToServer`, emits `serverToClient`. */
export type SocketOf<C extends EventContract> = Socket<C["clientToServer"], C["serverToClient"], ServerToServerOf<C>, SocketDataOf<C>>;
/** `BroadcastOperator<…>` of the contract (what `io.to(room)` returns). */
export type BroadcastOperatorOf<C extends EventContract> = BroadcastOperator<C["serverToClient"], SocketDataOf<C>>;
/** `RemoteSocket<…>` of the contract (what `fetchSockets()` gives). */
export type RemoteSocketOf<C extends EventContract> = RemoteSocket<C["serverToClient"], SocketDataOf<C>>;
