/**
 * Shared parts of the @socket.io/admin-ui tests: the same app behind roomcast or the official socket.io 4.8 server,
 * instrumented by the real admin-ui package, and an admin client (the official socket.io-client, as the UI uses)
 * that records what the UI would receive.
 */
import { createServer, type Server as HttpServer } from "node:http";
import { instrument } from "@socket.io/admin-ui";
import { Server as SocketIOServer, type ServerOptions as SocketIOOptions } from "socket.io";
import { io as ioc, type Socket as ClientSocket } from "socket.io-client";
import { createClient } from "redis";
import { Server, type ServerOptions } from "../../server/index.js";
import { instrument as instrumentRoomcast } from "../../server/admin-ui.js";
import { createAdapter } from "../../server/adapter/redis/index.js";
import { clusterReady } from "../adapter/conformance.js";
import { listen } from "../helpers/server.js";

export type InstrumentOptions = NonNullable<Parameters<typeof instrument>[1]>;

/** The password of admin-ui's README example: "changeit", hashed with bcrypt. */
export const ADMIN_PASSWORD = "changeit";
export const ADMIN_PASSWORD_HASH = "$2b$10$heqvAkYMez.Va6Et2uXInOnkCT6/uQj1brkrbyG3LpopDklcq7ZOS";

/** What the app code below needs of a server-side socket (both servers' sockets have it). */
interface AppSocket {
  id: string;
  data: Record<string, unknown>;
  handshake: { auth: Record<string, unknown> };
  join(room: string): unknown;
  emit(ev: string, ...args: unknown[]): unknown;
  on(ev: string, fn: (...args: never[]) => void): unknown;
}

/**
 * The app, identical on both servers: every socket joins "room-<name>" (its `auth.name`) and keeps its name in
 * `socket.data`; "echo" answers with an event and an ack.
 */
function appCode(io: { on(ev: "connection", fn: (socket: AppSocket) => void): unknown }): void {
  io.on("connection", (socket) => {
    const name = String(socket.handshake.auth["name"] ?? "anonymous");
    socket.join(`room-${name}`);
    socket.data["name"] = name;
    socket.on("echo", (value: unknown, ack: (v: unknown) => void) => {
      socket.emit("echoed", value);
      if (typeof ack === "function") ack(value);
    });
  });
}

export type Kind = "roomcast" | "socket.io";

export interface AdminApp {
  kind: Kind;
  url: string;
  port: number;
  /** Rooms of a socket of the main namespace on this instance (undefined when it is not here). */
  roomsOf(id: string): string[] | undefined;
  /** Ids of the sockets connected to the main namespace on this instance. */
  socketIds(): string[];
  close(): Promise<void>;
}

export interface AppOptions {
  instrument: InstrumentOptions;
  roomcast?: Partial<ServerOptions>;
  socketio?: Partial<SocketIOOptions>;
  /** Runs before instrument() (e.g. a middleware that sets socket.data). */
  setup?: (io: Server | SocketIOServer) => void;
}

/** The app behind a roomcast Server, instrumented. */
export async function startRoomcastApp(opts: AppOptions): Promise<AdminApp & { io: Server }> {
  const http = createServer();
  const io = new Server(http, opts.roomcast ?? {});
  appCode(io as unknown as Parameters<typeof appCode>[0]);
  opts.setup?.(io);
  instrumentRoomcast(io, opts.instrument);
  const port = await listen(http);
  return {
    kind: "roomcast",
    io,
    port,
    url: `http://127.0.0.1:${port}`,
    roomsOf: (id) => {
      const socket = io.sockets.sockets.get(id);
      return socket && [...socket.rooms].sort();
    },
    socketIds: () => [...io.sockets.sockets.keys()],
    close: () => io.close(),
  };
}

/** The same app behind the official socket.io server, instrumented. */
export async function startSocketIOApp(opts: AppOptions): Promise<AdminApp & { io: SocketIOServer }> {
  const http = createServer();
  const io = new SocketIOServer(http, opts.socketio ?? {});
  appCode(io as unknown as Parameters<typeof appCode>[0]);
  opts.setup?.(io);
  instrument(io, opts.instrument);
  const port = await listen(http);
  return {
    kind: "socket.io",
    io,
    port,
    url: `http://127.0.0.1:${port}`,
    roomsOf: (id) => {
      const socket = io.sockets.sockets.get(id);
      return socket && [...socket.rooms].sort();
    },
    socketIds: () => [...io.sockets.sockets.keys()],
    close: () => new Promise<void>((resolve) => void io.close(() => resolve())),
  };
}

export function startApp(kind: Kind, opts: AppOptions): Promise<AdminApp> {
  return kind === "roomcast" ? startRoomcastApp(opts) : startSocketIOApp(opts);
}

/** One message the admin namespace sent to the UI. */
export interface AdminMessage {
  event: string;
  args: unknown[];
}

/**
 * An admin client as the UI makes it (socket.io-client on the admin namespace) that records every message. `waitFor`
 * resolves with the first recorded message (from `from` on) that matches, or rejects after `timeoutMs`.
 */
export class AdminRecorder {
  readonly socket: ClientSocket;
  readonly messages: AdminMessage[] = [];
  readonly #waiters = new Set<() => void>();

  constructor(url: string, opts: { namespace?: string; auth?: Record<string, unknown>; transports?: string[] } = {}) {
    this.socket = ioc(url + (opts.namespace ?? "/admin"), {
      forceNew: true,
      reconnection: false,
      transports: opts.transports ?? ["websocket"],
      auth: opts.auth ?? {},
    });
    this.socket.onAny((event: string, ...args: unknown[]) => {
      this.messages.push({ event, args });
      for (const wake of this.#waiters) wake();
    });
  }

  /** Resolves once connected; rejects with the connect_error's message. */
  connected(timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.connected) return resolve();
      const timer = setTimeout(() => reject(new Error("admin client: not connected in time")), timeoutMs);
      this.socket.once("connect", () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.once("connect_error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  waitFor(event: string, match: (args: unknown[]) => boolean = () => true, timeoutMs = 5000, from = 0): Promise<AdminMessage> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        for (let i = from; i < this.messages.length; i++) {
          const m = this.messages[i]!;
          if (m.event === event && match(m.args)) {
            this.#waiters.delete(check);
            clearTimeout(timer);
            resolve(m);
            return true;
          }
        }
        return false;
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`admin client: no "${event}" matching within ${timeoutMs} ms; got ${this.messages.map((m) => m.event).join(", ")}`));
      }, timeoutMs);
      if (!check()) this.#waiters.add(check);
    });
  }

  close(): void {
    this.socket.close();
  }
}

/** An app client (socket.io-client) named `name`, connected; rejects after `timeoutMs`. */
export async function appClient(url: string, name: string, transports: string[] = ["websocket"], timeoutMs = 5000): Promise<ClientSocket> {
  const socket = ioc(url, { forceNew: true, reconnection: false, transports, auth: { name } });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`client ${name}: not connected in time`)), timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once("connect_error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  return socket;
}

const ISO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * A message with everything that differs from run to run replaced: socket ids and client ids by their labels
 * (`labels`: id → label; a client id is the first 12 characters of the Engine.IO id), dates, ports, WebSocket keys,
 * timing figures. What remains is what the UI reads, and must be the same on both servers.
 */
export function normalize(value: unknown, labels: ReadonlyMap<string, string>, key?: string): unknown {
  if (typeof value === "string") {
    if (labels.has(value)) return labels.get(value);
    if (ISO_DATE.test(value)) return "<date>";
    if (key === "time") return "<time>";
    if (key === "sec-websocket-key") return "<key>";
    if (key === "host") return value.replace(/:\d+$/, ":<port>");
    return value;
  }
  if (typeof value === "number" && (key === "issued" || key === "uptime" || key === "pid" || key === "timestamp")) return `<${key}>`;
  if (Array.isArray(value)) return value.map((v) => normalize(v, labels));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = normalize((value as Record<string, unknown>)[k], labels, k);
    return out;
  }
  return value;
}

/**
 * `n` roomcast instances of the app on one Redis (roomcast/redis, its own key prefix), instrumented with serverIds
 * "server-1", "server-2"…; resolves once every instance sees the others on the main and admin namespaces.
 */
export async function startRedisCluster(
  redisUrl: string,
  n: number,
  opts: Omit<AppOptions, "instrument"> & { instrument: InstrumentOptions },
): Promise<Array<AdminApp & { io: Server }>> {
  const key = `admin-ui-${process.pid}-${clusterCount++}`;
  const apps = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      startRoomcastApp({
        ...opts,
        instrument: { ...opts.instrument, serverId: `server-${i + 1}` },
        roomcast: { ...opts.roomcast, adapter: createAdapter(createClient({ url: redisUrl }), undefined, { key, heartbeatInterval: 1000 }) },
      }),
    ),
  );
  try {
    for (const nsp of ["/", opts.instrument.namespaceName ?? "/admin"]) await clusterReady(apps, nsp);
  } catch (err) {
    await Promise.all(apps.map((a) => a.close()));
    throw err;
  }
  return apps;
}
let clusterCount = 0;
