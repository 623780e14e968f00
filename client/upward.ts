/**
 * The one public reference of the client that points up its layers: `socket.io`, the Manager that made the socket.
 * The Manager imports the Socket (it creates and routes to them), so socket.ts names the Manager's type through
 * {@link ClientUpward}, which manager.ts fills in by declaration merging: the full class type, with no import
 * running back up (no import cycle in client/). At runtime it is an ordinary reference, given by the Manager.
 */

/** The class above the Socket: manager.ts adds `manager`. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ClientUpward {}
