/**
 * The churn workload of the emptiness test and the soak: an app (join a room, say something to it, the server asks
 * the client a question) and socket.io-client sockets that connect, join, broadcast, ack and disconnect in a loop.
 * Every wait is bounded (ack timeouts, a deadline); errors are counted, never thrown.
 */
import { EventEmitter } from "node:events";
import { io as ioc, type Socket as ClientSocket } from "socket.io-client";
import type { Server, ServerStats } from "../../server/index.js";

export const ROOMS = 20;

/** Installs the churn app on `io`. */
export function installChurnApp(io: Server): void {
  io.on("connection", (socket) => {
    socket.on("join", async (room: string, ack: (ok: boolean) => void) => {
      await socket.join(room);
      ack(true);
      // the server asks too: an ack the server waits for
      socket.timeout(5000).emit("ping", () => undefined);
    });
    socket.on("say", (room: string, text: string, ack: (n: number) => void) => {
      socket.to(room).emit("said", text);
      ack(text.length);
    });
  });
}

export interface ChurnCounts {
  connections: number;
  messages: number;
  acks: number;
  pings: number;
  errors: number;
  /** The first few error messages (to tell timeouts from refusals). */
  errorSamples?: string[];
}

export interface ChurnOptions {
  /** Sockets kept busy at once (each loops: connect, join, say ×1–4, disconnect). */
  sockets: number;
  durationMs: number;
  /** Share of cycles that end abruptly (engine closed: "transport close") instead of a clean disconnect. Default 0.2. */
  abrupt?: number;
  /** Share of cycles over HTTP long-polling instead of WebSocket. Default 0.1. */
  polling?: number;
}

/** Runs the client side of the churn until the deadline; resolves once every socket is closed. */
export async function churn(url: string, opts: ChurnOptions): Promise<ChurnCounts> {
  const counts: ChurnCounts = { connections: 0, messages: 0, acks: 0, pings: 0, errors: 0 };
  const deadline = Date.now() + opts.durationMs;
  const abrupt = opts.abrupt ?? 0.2;
  const polling = opts.polling ?? 0.1;
  let seq = 0;
  const worker = async (): Promise<void> => {
    while (Date.now() < deadline) await cycle(url, counts, seq++, Math.random() < polling, Math.random() < abrupt);
  };
  await Promise.all(Array.from({ length: opts.sockets }, worker));
  return counts;
}

async function cycle(url: string, counts: ChurnCounts, n: number, usePolling: boolean, abrupt: boolean): Promise<void> {
  const socket: ClientSocket = ioc(url, {
    forceNew: true,
    reconnection: false,
    transports: usePolling ? ["polling"] : ["websocket"],
    timeout: 10_000,
  });
  socket.on("said", () => void counts.messages++);
  socket.on("ping", (ack: () => void) => {
    counts.pings++;
    ack();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      // bounded whatever happens (a session closed before the CONNECT answer emits neither event)
      const timer = setTimeout(() => reject(new Error("no connect within 15 s")), 15_000);
      socket.once("connect", () => (clearTimeout(timer), resolve()));
      socket.once("connect_error", (err) => (clearTimeout(timer), reject(err)));
      socket.io.once("close", (reason) => (clearTimeout(timer), reject(new Error("closed before connect: " + reason))));
    });
    counts.connections++;
    const room = "room-" + (n % ROOMS);
    await socket.timeout(10_000).emitWithAck("join", room);
    const rounds = 1 + (n % 4);
    for (let i = 0; i < rounds; i++) {
      await socket.timeout(10_000).emitWithAck("say", room, "hello " + i);
      counts.acks++;
    }
  } catch (err) {
    counts.errors++;
    const samples = (counts.errorSamples ??= []);
    if (samples.length < 5) samples.push(`${usePolling ? "polling" : "websocket"}: ${(err as Error).message}`);
  } finally {
    if (abrupt && socket.connected) socket.io.engine.close(); // "transport close" on the server
    socket.close();
  }
}

/** The tables that must be empty once every client is gone (recovery sessions only count when `recovery`). */
export function leftovers(stats: ServerStats, recovery = true): Partial<ServerStats> {
  const left: Partial<ServerStats> = {};
  const keys = ["engineClients", "sockets", "rooms", "sids", "acksAwaited", "acksOwed", "rateLimitBuckets", "trackedAddresses"] as const;
  for (const key of keys) if (stats[key] !== 0) left[key] = stats[key];
  if (recovery && stats.recoverySessions !== 0) left.recoverySessions = stats.recoverySessions;
  return left;
}

/**
 * An emitter that ticks whenever a socket or an Engine.IO session of `io` closes: await it (test/helpers/events.ts
 * `until`) instead of polling for the tables to empty.
 */
export function closeTicker(io: Server): EventEmitter {
  const ticker = new EventEmitter();
  ticker.setMaxListeners(0);
  io.engine.on("connection", (conn: { once(ev: "close", fn: () => void): unknown }) => {
    conn.once("close", () => setImmediate(() => ticker.emit("tick")));
  });
  for (const nsp of io.namespaces.values()) {
    nsp.on("connection", (socket) => {
      socket.on("disconnect", () => setImmediate(() => ticker.emit("tick")));
    });
  }
  return ticker;
}
