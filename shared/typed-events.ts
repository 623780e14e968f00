/**
 * Typed event maps, shared by server and client. An event map is an interface whose keys are event names and
 * whose values are listener signatures; when the last parameter is a function it is the acknowledgement callback.
 *
 *   interface ClientToServer { hello(name: string, ack: (greeting: string) => void): void }
 */

/**
 * The map used when an app does not type its events: any name, any arguments. This is the one place roomcast
 * uses `any`, so that untyped socket.io apps compile unchanged (listeners get untyped arguments, as in socket.io).
 */
export interface DefaultEventsMap {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [event: string]: (...args: any[]) => void;
}

/** Any callable: the constraint event-map values are checked against. */
export type AnyListener = (...args: never[]) => unknown;

/** The event names of a map. */
export type EventNames<Map> = keyof Map & string;

/** The parameters of event `E` (including a trailing ack callback, if the map declares one). */
export type EventParams<Map, E extends EventNames<Map>> = Map[E] extends (...args: infer P) => unknown ? P : never;

/** A listener for event `E`. */
export type EventListener<Map, E extends EventNames<Map>> = Map[E] extends (...args: infer P) => unknown
  ? (...args: P) => void | Promise<void>
  : never;

type Last<T extends readonly unknown[]> = T extends readonly [...unknown[], infer L] ? L : never;
// a non-tuple list (an untyped map's `any[]`) keeps every parameter: emitWithAck("ev", ...anything)
type AllButLast<T extends readonly unknown[]> = T extends readonly [...infer H, unknown] ? H : number extends T["length"] ? T : [];

/** The arguments an ack callback of event `E` receives, with a leading `Error` (declared by the app) removed. */
export type AckArgs<Map, E extends EventNames<Map>> = Last<EventParams<Map, E>> extends (...args: infer A) => unknown
  ? A extends [Error | null | undefined, ...infer Rest]
    ? Rest
    : A
  : never;

/** Type-only brand: the map a `WithMultipleAcks` was made from (no run-time value). */
declare const ORIGINAL_MAP: unique symbol;

/**
 * What `emitWithAck` resolves to: the first argument of the ack. For a broadcast map (`WithMultipleAcks`, after
 * `timeout()`), the answer of one socket, as for the map it was made from (so a broadcast resolves to `T[]`).
 */
export type AckResult<Map, E extends EventNames<Map>> = Map extends { readonly [ORIGINAL_MAP]: infer Original }
  ? E extends EventNames<Original>
    ? AckResult<Original, E>
    : never
  : AckArgs<Map, E> extends [infer First, ...unknown[]]
    ? First
    : void;

/** Event names whose last parameter is an ack callback. */
export type EventNamesWithAck<Map> = {
  [E in EventNames<Map>]: Last<EventParams<Map, E>> extends (...args: never[]) => unknown ? E : never;
}[EventNames<Map>];

/** The parameters of `E` without its ack callback (for `emitWithAck`). */
export type EventParamsWithoutAck<Map, E extends EventNames<Map>> = AllButLast<EventParams<Map, E>>;

/** Emit signature after `.timeout()` on one socket: the ack callback gets `(err, ...args)`. */
export type WithTimeoutAck<Map> = {
  [E in EventNames<Map>]: E extends EventNamesWithAck<Map>
    ? (...args: [...EventParamsWithoutAck<Map, E>, (err: Error | null, ...args: AckArgs<Map, E>) => void]) => void
    : Map[E];
};

/** Emit signature of a broadcast: the ack callback gets `(err, responses[])`, one response per socket. */
export type WithMultipleAcks<Map> = {
  [E in EventNames<Map>]: E extends EventNamesWithAck<Map>
    ? (...args: [...EventParamsWithoutAck<Map, E>, (err: Error | null, responses: AckResult<Map, E>[]) => void]) => void
    : Map[E];
} & { readonly [ORIGINAL_MAP]: Map };

/**
 * Named directions for one app-wide contract. Use the same object type on both sides:
 *   type Chat = Contract<{ clientToServer: {...}; serverToClient: {...} }>
 *   const io = new Server<Chat["clientToServer"], Chat["serverToClient"]>()   // server
 *   const socket: ClientSocketOf<Chat> = io(url)                                 // client
 */
export interface EventContract {
  /** Events the client emits and the server listens to. */
  clientToServer: object;
  /** Events the server emits and the client listens to. */
  serverToClient: object;
  /** Events between server instances (`serverSideEmit`). */
  serverToServer?: object;
  /** The type of `socket.data` on the server. */
  socketData?: unknown;
}
