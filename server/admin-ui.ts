/**
 * `roomcast/admin-ui`: the Socket.IO Admin UI (`@socket.io/admin-ui`, an optional peer dependency) on a roomcast
 * server, with roomcast's types. A socket.io app switches by changing one import:
 * `import { instrument } from "@socket.io/admin-ui"` → `import { instrument } from "roomcast/admin-ui"`.
 *
 * admin-ui types `instrument(io)` with socket.io's `Server` class, which has private members, so no other class can
 * be passed to it in TypeScript; at run time it uses only the public Socket.IO API plus `io._nsps`, which roomcast
 * provides. This module is the one place that bridges the two: it loads the real package (CommonJS, with `require`,
 * so `roomcast/admin-ui` stays loadable with `require()` — no top-level await) and hands it the roomcast server.
 *
 * @module roomcast/admin-ui
 */
import { loadPeer } from "./optional-peer.js";
import type * as AdminUi from "@socket.io/admin-ui";
import type { Server } from "./server.js";

const adminUi = loadPeer<typeof AdminUi>("roomcast/admin-ui", "@socket.io/admin-ui");

/** admin-ui's options (`namespaceName`, `auth`, `readonly`, `serverId`, `store`, `mode`), all optional. */
export type InstrumentOptions = NonNullable<Parameters<typeof AdminUi.instrument>[1]>;

/**
 * Instruments a roomcast server for the Socket.IO Admin UI, as `instrument()` from `@socket.io/admin-ui` does for a
 * socket.io server: it creates the admin namespace (`/admin` by default) that the UI connects to.
 *
 * @param io - the roomcast server, typed with any event maps.
 * @param opts - admin-ui's options; `auth` should be set in production (basic auth with a bcrypt hash).
 * @example
 * ```ts
 * import { Server } from "roomcast/server";
 * import { instrument } from "roomcast/admin-ui";
 *
 * const io = new Server(3000, { cors: { origin: ["https://admin.socket.io"], credentials: true } });
 * instrument(io, { auth: { type: "basic", username: "admin", password: "$2b$10$…" } });
 * ```
 */
export function instrument<
  ListenEvents extends object,
  EmitEvents extends object,
  ServerSideEvents extends object,
  SocketData,
>(io: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, opts: InstrumentOptions = {}): void {
  adminUi.instrument(io as unknown as Parameters<typeof AdminUi.instrument>[0], opts);
}

/** admin-ui's in-memory store of login sessions (the default). */
export const InMemoryStore: typeof AdminUi.InMemoryStore = adminUi.InMemoryStore;
/** admin-ui's Redis store of login sessions, for several instances behind one UI. */
export const RedisStore: typeof AdminUi.RedisStore = adminUi.RedisStore;
