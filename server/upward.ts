/**
 * The two public references that point up the layers: `socket.nsp` (a Namespace) and `namespace.server` (a Server).
 *
 * The server's objects are layered top-down — Server, Namespace, Socket, then the adapter and the client session —
 * and a file imports only from the layers below it. These two back-references are part of socket.io's public types,
 * so they must name the class above. A lower file names it through {@link Upward}, which the upper file fills in by
 * declaration merging (namespace.ts adds `namespace`, server.ts adds `server`): the full class type, with no import
 * running back up. At runtime they are ordinary references, passed down by their creator.
 */

/**
 * The classes above a layer, by the four event-map generics (`ListenEvents`, `EmitEvents`, `ServerSideEvents`,
 * `SocketData`). Filled in by namespace.ts (`namespace`) and server.ts (`server`).
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export interface Upward<ListenEvents extends object, EmitEvents extends object, ServerSideEvents extends object, SocketData> {}
