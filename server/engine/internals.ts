/**
 * The one place in server/ that reads what engine.io, ws and Node do not type publicly: engine.io's Socket
 * (`writeBuffer`, the transport's WebSocket, the privately-typed session `id`), engine.io's Server (`opts`, the
 * protected `clients` table), the `_query` engine.io keeps on a request, ws's WebSocket (`_socket`, `_sender`,
 * `_extensions`) and Node's EventEmitter table (`_events`). Every other file calls the accessors below; the views of
 * private fields are not exported, so an upgrade of engine.io or ws that renames one of these is fixed here alone
 * (test/server/engine-internals.test.ts keeps it so).
 *
 * The accessors run on the write path (per packet): each is one cast and a property read, no allocation, no closure.
 */
import type { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import type { Socket as NetSocket } from "node:net";
import type { Server as EngineServer, Socket as EngineSocket } from "engine.io";
import { ServerWebSocket } from "./websocket/socket.js";

/** ws's WebSocket, as engine.io's websocket transport holds it (roomcast's ServerWebSocket has the same shape). */
export interface WsSocket {
  readonly readyState: number;
  /** Bytes handed to the WebSocket that the kernel has not accepted (the TCP socket's buffer + ws's own queue). */
  readonly bufferedAmount: number;
  terminate(): void;
}

/** ws's private fields (roomcast's ServerWebSocket has `_socket` and `_sender`, and never queues). */
interface WsInternals extends WsSocket {
  readonly _socket: NetSocket | null;
  readonly _extensions: Record<string, unknown>;
  readonly _sender: { readonly _queue: readonly unknown[]; readonly _state?: number } | undefined;
}

/** engine.io's transport (polling or websocket): `name` and `writable` are public, `socket` is the websocket's own. */
export interface EngineTransport extends EventEmitter {
  readonly name: string;
  readonly writable: boolean;
}

interface TransportInternals extends EngineTransport {
  /** The WebSocket of engine.io's websocket transport (private in its typings). */
  readonly socket?: WsInternals | ServerWebSocket;
  onError?: (msg: string, desc?: unknown) => void;
  discard?: () => void;
}

/** engine.io's Socket (one Engine.IO session), with what its typings declare private. */
interface EngineSocketInternals {
  readonly id: string;
  readonly writeBuffer: readonly unknown[];
  readonly transport: TransportInternals;
  close(): void;
}

/** engine.io's Server: its options as resolved (defaults filled in) and its protected table of sessions. */
interface EngineServerInternals {
  readonly opts: { readonly maxHttpBufferSize: number };
  readonly clients: Record<string, EngineSocketInternals>;
}

/** A request as engine.io keeps it: the parsed query (set by its `prepare`, or before it by engine/query.ts). */
interface EngineRequest extends IncomingMessage {
  _query?: Record<string, string>;
}

interface EmitterInternals {
  _events: Record<string | symbol, unknown> | undefined;
}

// The three casts: each view is read through one of these (inlined by V8: no cost on the write path).
function socketView(conn: EngineSocket): EngineSocketInternals {
  return conn as unknown as EngineSocketInternals;
}
function serverView(engine: EngineServer): EngineServerInternals {
  return engine as unknown as EngineServerInternals;
}
function emitterView(emitter: EventEmitter): EmitterInternals {
  return emitter as unknown as EmitterInternals;
}

// ---- engine.io's Socket ----------------------------------------------------------------------------------------

/** The session id (socket.io's `socket.client.id`): public at runtime, declared private by engine.io's typings. */
export function engineSessionId(conn: EngineSocket): string {
  return socketView(conn).id;
}

/** The session's current transport (changes on upgrade). */
export function engineTransport(conn: EngineSocket): EngineTransport {
  return socketView(conn).transport;
}

/** Packets engine.io holds for the session (its `writeBuffer`; the array is replaced on each flush). */
export function writeBufferLength(conn: EngineSocket): number {
  return socketView(conn).writeBuffer.length;
}

/** The session's WebSocket (ws's or roomcast's), or undefined on long-polling. */
export function engineWebSocket(conn: EngineSocket): WsSocket | undefined {
  const transport = socketView(conn).transport;
  return transport.name === "websocket" ? transport.socket : undefined;
}

/** The TCP socket under the session's current transport when it is a WebSocket (the only one with a `socket`). */
export function engineTcpSocket(conn: EngineSocket): NetSocket | null {
  return socketView(conn).transport.socket?._socket ?? null;
}

// ---- ws's WebSocket --------------------------------------------------------------------------------------------

/** The TCP socket under a WebSocket (ws's `_socket`; roomcast's ServerWebSocket names it the same). */
export function wsTcpSocket(ws: WsSocket): NetSocket | null {
  return (ws as WsInternals)._socket;
}

/**
 * Whether nothing handed to the WebSocket is still queued inside it: always for roomcast's own (it writes to the TCP
 * socket at once); for ws, when its sender has no queue and no permessage-deflate is negotiated.
 */
export function wsSenderIdle(ws: WsSocket): boolean {
  if (ws instanceof ServerWebSocket) return true;
  const w = ws as WsInternals;
  const sender = w._sender;
  return sender !== undefined && sender._queue.length === 0 && (sender._state ?? 0) === 0 && w._extensions["permessage-deflate"] === undefined;
}

// ---- engine.io's Server and requests ---------------------------------------------------------------------------

/** engine.io's `maxHttpBufferSize` as it applies it (its default filled in). */
export function engineMaxHttpBufferSize(engine: EngineServer): number {
  return serverView(engine).opts.maxHttpBufferSize;
}

/**
 * Fails the session `sid` from outside engine.io, as its transport fails on an error (its sockets get "transport
 * error"): the transport is discarded first (engine.io would otherwise hold the closed transport, and a 30 s timer,
 * for a GET to come). Nothing when there is no such session.
 */
export function failEngineSession(engine: EngineServer, sid: string, message: string, description: string): void {
  const clients = serverView(engine).clients;
  const session = Object.hasOwn(clients, sid) ? clients[sid] : undefined;
  if (session === undefined) return;
  const transport: TransportInternals | undefined = session.transport;
  transport?.discard?.();
  if (typeof transport?.onError === "function") transport.onError(message, description);
  else session.close();
}

/** The query engine.io parsed (or will use) for `req`; undefined before it is parsed. */
export function requestQuery(req: IncomingMessage): Record<string, string> | undefined {
  return (req as EngineRequest)._query;
}

/** Sets the query engine.io will use for `req` instead of parsing its URL itself. */
export function setRequestQuery(req: IncomingMessage, query: Record<string, string>): void {
  (req as EngineRequest)._query = query;
}

// ---- Node's EventEmitter ---------------------------------------------------------------------------------------

/** An emitter's table of listeners (`_events`); undefined if it has none yet. */
export function listenerTable(emitter: EventEmitter): Record<string | symbol, unknown> | undefined {
  return emitterView(emitter)._events;
}

/** Replaces an emitter's table of listeners (EventEmitter reads and writes it by key). */
export function setListenerTable(emitter: EventEmitter, table: Record<string | symbol, unknown>): void {
  emitterView(emitter)._events = table;
}
