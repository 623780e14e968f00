/**
 * roomcast/client: socket.io-client v4's API ({@link io}, {@link Manager}, {@link Socket}) over engine.io-client,
 * with roomcast's shared codec.
 *
 * @example
 * ```ts
 * import { io } from "roomcast/client";
 *
 * const socket = io("https://example.com/chat", { auth: { token: "…" } });
 * socket.on("connect", () => socket.emit("hello"));
 * ```
 *
 * Multiplexing: namespaces of the same origin + engine path share one Manager (one connection). The registry of
 * shared Managers (below, in the source) is the only module-level state; `forceNew: true` or `multiplex: false`
 * bypass it.
 *
 * @module roomcast/client
 */
import type { DefaultEventsMap, EventContract } from "../shared/typed-events.js";
import { Manager } from "./manager.js";
import type { ClientOptions } from "./options.js";
import { Socket } from "./socket.js";
import { parseUrl } from "./url.js";

/** The contract of an untyped app: any event, any arguments. */
export interface DefaultContract {
  /** Events the client emits: any. */
  clientToServer: DefaultEventsMap;
  /** Events the client listens to: any. */
  serverToClient: DefaultEventsMap;
}

/** A client socket typed from the app's one shared contract (the same type the server uses). */
export type ClientSocket<C extends EventContract = DefaultContract> = Socket<C["serverToClient"], C["clientToServer"]>;
/** Alias of ClientSocket. */
export type ClientSocketOf<C extends EventContract> = ClientSocket<C>;

/** Shared connections, by "scheme://host:port/engine-path" (what multiplexing needs, nothing more). */
const managers: Record<string, Manager> = Object.create(null) as Record<string, Manager>;

/**
 * Connects to a namespace: the URL's path is the namespace ("/" by default). Typed with the app's contract:
 * `io<Chat>(url)` gives a `ClientSocket<Chat>` (listens to `serverToClient`, emits `clientToServer`).
 *
 * @example
 * ```ts
 * const socket = io("https://example.com/chat", { auth: { token: "…" } });
 * // or socket.io-client's way: the event maps, listened-to first
 * const typed: Socket<ServerToClientEvents, ClientToServerEvents> = io("https://example.com");
 * ```
 */
export function io<C extends EventContract = DefaultContract>(opts?: ClientOptions): ClientSocket<C>;
export function io<C extends EventContract = DefaultContract>(uri?: string, opts?: ClientOptions): ClientSocket<C>;
export function io<C extends EventContract = DefaultContract>(uri?: string | ClientOptions, opts: ClientOptions = {}): ClientSocket<C> {
  if (typeof uri === "object") {
    opts = uri;
    uri = undefined;
  }
  const { href, nsp, key } = parseUrl(uri, opts.path ?? "/socket.io");
  const shared = managers[key];
  const fresh = opts.forceNew || opts.multiplex === false || (shared !== undefined && nsp in shared.nsps);
  const manager = fresh ? new Manager(href, opts) : (managers[key] ??= new Manager(href, opts));
  return manager.socket(nsp, opts);
}

/** Engine.IO-level protocol revision spoken by the codec (Socket.IO protocol v5). */
export const protocol = 5;

export { io as connect, io as default, Manager, Socket };
export type { ClientUpward } from "./upward.js";
export type { ManagerOptions, SocketOptions, ClientOptions, AuthPayload, BufferOverflow } from "./options.js";
export type {
  ConnectError,
  ConnectError as ExtendedError,
  DisconnectDescription,
  DisconnectReason,
  SocketReservedEvents,
} from "./socket.js";
export type { ManagerReservedEvents } from "./manager.js";
/**
 * engine.io-client's transports, re-exported as socket.io-client does (for its `transports` option, e.g.
 * `io(url, { transports: [WebSocket] })`): roomcast's client runs over engine.io-client, so they are the same classes.
 */
export { Fetch, NodeXHR, XHR, NodeWebSocket, WebSocket, WebTransport } from "engine.io-client";
/**
 * The class of the errors roomcast's client raises (ack failures, `connect_error` of a refusal or a connection
 * timeout, a reserved event name), each with a stable `code` ({@link ErrorCode}); also on `roomcast/shared`.
 */
export { RoomcastError } from "../shared/errors.js";
export type { CodedError, ErrorCode } from "../shared/errors.js";
export type {
  CatchAllListener,
  DefaultEventsMap,
  EventsMap,
  EventContract,
  EventNames,
  EventParams,
  EventListener,
  EventNamesWithAck,
  AckResult,
} from "../shared/typed-events.js";
