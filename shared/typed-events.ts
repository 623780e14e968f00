/**
 * Typed event maps, shared by server and client. An event map is an interface whose keys are event names and
 * whose values are listener signatures; when the last parameter is a function it is the acknowledgement callback.
 *
 *   interface ClientToServer { hello(name: string, ack: (greeting: string) => void): void }
 */

/**
 * The constraint socket.io names its event maps with: any interface of event names. roomcast's generics accept any
 * object type; this name exists so that code written against socket.io (`<E extends EventsMap>`) compiles unchanged.
 */
export interface EventsMap {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [event: string]: any;
}

/**
 * The map used when an app does not type its events: any name, any arguments. Untyped maps are where roomcast uses
 * `any` (as socket.io does), so that untyped socket.io apps compile unchanged: listeners get untyped arguments and
 * an untyped `emitWithAck` resolves to `any`.
 */
export interface DefaultEventsMap {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [event: string]: (...args: any[]) => void;
}

/**
 * A catch-all listener (`onAny`, `onAnyOutgoing`): the event name, then its arguments, untyped as in socket.io (one
 * listener sees every event).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CatchAllListener = (eventName: string, ...args: any[]) => void;

/** Any callable: the constraint event-map values are checked against. */
export type AnyListener = (...args: never[]) => unknown;

/** The event names of a map. */
export type EventNames<Map> = keyof Map & string;

/** The parameters of event `E` (including a trailing ack callback, if the map declares one). */
export type EventParams<Map, E extends EventNames<Map>> = Map[E] extends (...args: infer P) => unknown ? P : never;

/**
 * A listener for event `E`. It returns `void`, so a listener may return anything — an arrow function returning what
 * its body returns (`(s) => s.emit(…)`), or a promise: an async listener that rejects is reported (`onError` or the
 * socket's "error" listeners), never left unhandled.
 */
export type EventListener<Map, E extends EventNames<Map>> = Map[E] extends (...args: infer P) => unknown
  ? (...args: P) => void
  : never;

type Last<T extends readonly unknown[]> = T extends readonly [...unknown[], infer L] ? L : never;
// a non-tuple list (an untyped map's `any[]`) keeps every parameter: emitWithAck("ev", ...anything)
type AllButLast<T extends readonly unknown[]> = T extends readonly [...infer H, unknown] ? H : number extends T["length"] ? T : [];
/** True for a map with an index signature (DefaultEventsMap): its events are not typed one by one. */
export type IsUntyped<Map> = string extends keyof Map ? true : false;

/** The arguments an ack callback of event `E` receives, with a leading `Error` (declared by the app) removed. */
export type AckArgs<Map, E extends EventNames<Map>> = Last<EventParams<Map, E>> extends (...args: infer A) => unknown
  ? A extends [Error | null | undefined, ...infer Rest]
    ? Rest
    : A
  : never;

/**
 * What `emitWithAck` resolves to: the first argument of the ack (after a leading `Error`, if the map declares one);
 * `any` for an event of an untyped map, as in socket.io. A broadcast resolves to an array of them.
 */
export type AckResult<Map, E extends EventNames<Map>> = number extends EventParams<Map, E>["length"]
  ? // eslint-disable-next-line @typescript-eslint/no-explicit-any
    any
  : AckArgs<Map, E> extends [infer First, ...unknown[]]
    ? First
    : void;

/** Event names whose last parameter is an ack callback (every name, for an untyped map). */
export type EventNamesWithAck<Map> = {
  [E in EventNames<Map>]: number extends EventParams<Map, E>["length"]
    ? E
    : EventParams<Map, E> extends readonly [...unknown[], (...args: never[]) => unknown]
      ? E
      : never;
}[EventNames<Map>];

/** The parameters of `E` without its ack callback (for `emitWithAck`). */
export type EventParamsWithoutAck<Map, E extends EventNames<Map>> = AllButLast<EventParams<Map, E>>;

/**
 * The ack callback of an emit with a timeout: `(err, ...args)`, `err` an Error when no ack came in time, null
 * otherwise. Declared as a method so that it is checked bivariantly: a callback written for socket.io's typings,
 * `(err: Error, …) => …`, is accepted; an unannotated `err` is `Error | null`, what roomcast passes.
 */
export type TimeoutAck<Args extends unknown[]> = {
  /** `err`: null when the ack came in time, an Error when it did not (then `args` are absent). */
  bivariant(err: Error | null, ...args: Args): void;
}["bivariant"];

/** The ack callback of a broadcast (and of serverSideEmit): `(err, responses)`, one response per socket (server). */
export type MultipleAcks<Response> = {
  /** `err`: null when every socket (server) answered, an Error when some did not in time (`responses` so far). */
  bivariant(err: Error | null, responses: Response[]): void;
}["bivariant"];

/** Emit signature after `.timeout()` on one socket: the ack callback gets `(err, ...args)`. Untyped maps stay untyped. */
export type WithTimeoutAck<Map> = true extends IsUntyped<Map>
  ? Map
  : {
      [E in EventNames<Map>]: E extends EventNamesWithAck<Map>
        ? (...args: [...EventParamsWithoutAck<Map, E>, TimeoutAck<AckArgs<Map, E>>]) => void
        : Map[E];
    };

/**
 * Emit signature of a broadcast or a server-side emit: the ack callback gets `(err, responses[])`, one response per
 * socket (or per other server), with or without `timeout()` — what roomcast calls it with. Untyped maps stay untyped.
 */
export type WithMultipleAcks<Map> = true extends IsUntyped<Map>
  ? Map
  : {
      [E in EventNames<Map>]: E extends EventNamesWithAck<Map>
        ? (...args: [...EventParamsWithoutAck<Map, E>, MultipleAcks<AckResult<Map, E>>]) => void
        : Map[E];
    };

/**
 * Named directions for one app-wide contract. Use the same object type on both sides:
 *   interface Chat extends EventContract { clientToServer: {...}; serverToClient: {...} }
 *   const io = new Server<Chat["clientToServer"], Chat["serverToClient"]>()   // server
 *   const socket: ClientSocketOf<Chat> = io(url)                                 // client (roomcast/client)
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
