/**
 * The one inter-instance wire format of roomcast's cluster adapters: a JSON object with short keys; app values that
 * JSON cannot carry (binary, Dates) are encoded as cluster-values.ts describes and the message is flagged `"x":1`.
 * `decodeMessage` validates every field and throws a MalformedMessageError on anything else, so garbage on the
 * channel is dropped, never trusted.
 *
 *   {"v":2,"u":"<sender uid>","s":<seq>,"n":"<nsp>","t":<type>,"x":1?,"to":"<target uid>"?, ...type fields}
 */
import { needsExtendedJson, reviveExtended, stringifyFlagged } from "./cluster-values.js";
import { RoomcastError } from "../../shared/errors.js";
import type { Handshake } from "../handshake.js";
import type { BroadcastOptions, Room, Session, SocketId } from "./types.js";

/** 2: binary, Dates and marker-like app keys as cluster-values.ts encodes them (1 revived every `{"\u0000b":…}`). */
export const WIRE_VERSION = 2;

export const MessageType = {
  HEARTBEAT: 0,
  CLOSE: 1,
  BROADCAST: 2,
  BROADCAST_CLIENT_COUNT: 3,
  BROADCAST_ACK: 4,
  SOCKETS_JOIN: 5,
  SOCKETS_LEAVE: 6,
  DISCONNECT_SOCKETS: 7,
  FETCH_SOCKETS: 8,
  FETCH_SOCKETS_RESPONSE: 9,
  SERVER_SIDE_EMIT: 10,
  SERVER_SIDE_EMIT_RESPONSE: 11,
  RESTORE_SESSION: 12,
  RESTORE_SESSION_RESPONSE: 13,
  ALL_ROOMS: 14,
  ALL_ROOMS_RESPONSE: 15,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Broadcast options on the wire: rooms, except, and the flags that matter remotely. */
export interface WireOptions {
  rooms: Room[];
  except: Room[];
  volatile?: boolean;
  compress?: boolean;
  /** Ack timeout (ms) of a broadcast with acks: remote instances forget the acks after it. */
  timeout?: number;
}

export interface WireSocket {
  id: SocketId;
  handshake: Handshake;
  rooms: Room[];
  data: unknown;
}

export interface WireSession extends Session {
  missedPackets: unknown[][];
}

interface Header {
  /** Sender instance id. */
  uid: string;
  /** Per-sender sequence number: receivers drop duplicates. 0 = not sequenced. */
  seq: number;
  nsp: string;
  /** Responses and targeted requests: the instance they are meant for. */
  to?: string;
}

export type ClusterMessage = Header &
  (
    | { type: typeof MessageType.HEARTBEAT | typeof MessageType.CLOSE }
    | { type: typeof MessageType.BROADCAST; data: unknown[]; opts: WireOptions; rid?: number }
    | { type: typeof MessageType.BROADCAST_CLIENT_COUNT; rid: number; count: number }
    | { type: typeof MessageType.BROADCAST_ACK; rid: number; response: unknown; gone?: boolean }
    | { type: typeof MessageType.SOCKETS_JOIN | typeof MessageType.SOCKETS_LEAVE; opts: WireOptions; rooms: Room[] }
    | { type: typeof MessageType.DISCONNECT_SOCKETS; opts: WireOptions; close: boolean }
    | { type: typeof MessageType.FETCH_SOCKETS; rid: number; opts: WireOptions }
    | {
        type: typeof MessageType.FETCH_SOCKETS_RESPONSE;
        rid: number;
        sockets: WireSocket[];
        /** The answer comes in this many parts (absent: 1); the asker waits for all of them. */
        parts?: number;
      }
    | { type: typeof MessageType.SERVER_SIDE_EMIT; args: unknown[]; rid?: number }
    | { type: typeof MessageType.SERVER_SIDE_EMIT_RESPONSE; rid: number; response: unknown }
    | { type: typeof MessageType.RESTORE_SESSION; rid: number; pid: string; offset: string }
    | { type: typeof MessageType.RESTORE_SESSION_RESPONSE; rid: number; session: WireSession | null }
    | { type: typeof MessageType.ALL_ROOMS; rid: number }
    | { type: typeof MessageType.ALL_ROOMS_RESPONSE; rid: number; rooms: Room[] }
  );

/** Distributes over the union: a message without its header, as adapters build them. */
export type MessageBody = ClusterMessage extends infer M ? (M extends Header ? Omit<M, keyof Header> : never) : never;

/** Most parts an answer may be split into (1,000 sockets per part: 100 million sockets). */
export const MAX_PARTS = 100_000;

/** What decodeMessage throws for a message it refuses (reported, and the message dropped). */
export class MalformedMessageError extends RoomcastError<"ERR_MALFORMED_CLUSTER_MESSAGE"> {
  constructor(reason: string) {
    super("ERR_MALFORMED_CLUSTER_MESSAGE", `malformed cluster message dropped: ${reason}`);
    this.name = "MalformedMessageError";
  }
}

/** Serialises a message. */
export function encodeMessage(msg: ClusterMessage): string {
  return encodeParts(msg.uid, msg.seq, msg.nsp, msg.to, msg);
}

/** `encodeMessage` of a header and a body, without first merging them into one object (the hub's send path). */
export function encodeParts(uid: string, seq: number, nsp: string, to: string | undefined, body: MessageBody): string {
  const out: Record<string, unknown> = { v: WIRE_VERSION, u: uid, s: seq, n: nsp, t: body.type };
  if (to !== undefined) out["to"] = to;
  let extended = false;
  for (const k of Object.keys(body)) {
    if (k === "type" || k === "uid" || k === "seq" || k === "nsp" || k === "to") continue;
    const v = (body as Record<string, unknown>)[k];
    if (v === undefined) continue;
    out[k] = v;
    if (!extended && needsExtendedJson(v)) extended = true;
  }
  return stringifyFlagged(out, extended);
}

/** Parses and validates one message; throws MalformedMessageError on any deviation. */
export function decodeMessage(text: string): ClusterMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new MalformedMessageError("not JSON");
  }
  let m = obj(raw, "message");
  if (m["x"] === 1) {
    try {
      m = reviveExtended(m) as Record<string, unknown>;
    } catch {
      throw new MalformedMessageError("nesting too deep");
    }
  }
  if (m["v"] !== WIRE_VERSION) throw new MalformedMessageError(`unknown version ${String(m["v"])}`);
  const header: Header = { uid: str(m["u"], "u"), seq: int(m["s"], "s"), nsp: str(m["n"], "n") };
  if (m["to"] !== undefined) header.to = str(m["to"], "to");
  const type = int(m["t"], "t");
  switch (type) {
    case MessageType.HEARTBEAT:
    case MessageType.CLOSE:
      return { ...header, type };
    case MessageType.BROADCAST: {
      const data = arr(m["data"], "data");
      if (typeof data[0] !== "string") throw new MalformedMessageError("event name is not a string");
      const msg: ClusterMessage = { ...header, type, data, opts: opts(m["opts"]) };
      if (m["rid"] !== undefined) msg.rid = int(m["rid"], "rid");
      return msg;
    }
    case MessageType.BROADCAST_CLIENT_COUNT:
      return { ...header, type, rid: int(m["rid"], "rid"), count: int(m["count"], "count") };
    case MessageType.BROADCAST_ACK: {
      const msg: ClusterMessage = { ...header, type, rid: int(m["rid"], "rid"), response: m["response"] };
      if (m["gone"] !== undefined) msg.gone = bool(m["gone"], "gone");
      return msg;
    }
    case MessageType.SERVER_SIDE_EMIT_RESPONSE:
      return { ...header, type, rid: int(m["rid"], "rid"), response: m["response"] };
    case MessageType.SOCKETS_JOIN:
    case MessageType.SOCKETS_LEAVE:
      return { ...header, type, opts: opts(m["opts"]), rooms: rooms(m["rooms"], "rooms") };
    case MessageType.DISCONNECT_SOCKETS:
      return { ...header, type, opts: opts(m["opts"]), close: bool(m["close"], "close") };
    case MessageType.FETCH_SOCKETS:
      return { ...header, type, rid: int(m["rid"], "rid"), opts: opts(m["opts"]) };
    case MessageType.FETCH_SOCKETS_RESPONSE: {
      const msg: ClusterMessage = { ...header, type, rid: int(m["rid"], "rid"), sockets: arr(m["sockets"], "sockets").map(socket) };
      if (m["parts"] !== undefined) {
        const parts = int(m["parts"], "parts");
        if (parts < 1 || parts > MAX_PARTS) throw new MalformedMessageError(`parts ${parts} out of range 1…${MAX_PARTS}`);
        msg.parts = parts;
      }
      return msg;
    }
    case MessageType.SERVER_SIDE_EMIT: {
      const args = arr(m["args"], "args");
      if (typeof args[0] !== "string") throw new MalformedMessageError("event name is not a string");
      const msg: ClusterMessage = { ...header, type, args };
      if (m["rid"] !== undefined) msg.rid = int(m["rid"], "rid");
      return msg;
    }
    case MessageType.RESTORE_SESSION:
      return { ...header, type, rid: int(m["rid"], "rid"), pid: str(m["pid"], "pid"), offset: str(m["offset"], "offset") };
    case MessageType.RESTORE_SESSION_RESPONSE:
      return { ...header, type, rid: int(m["rid"], "rid"), session: m["session"] === null ? null : session(m["session"]) };
    case MessageType.ALL_ROOMS:
      return { ...header, type, rid: int(m["rid"], "rid") };
    case MessageType.ALL_ROOMS_RESPONSE:
      return { ...header, type, rid: int(m["rid"], "rid"), rooms: rooms(m["rooms"], "rooms") };
    default:
      throw new MalformedMessageError(`unknown type ${type}`);
  }
}

function opts(value: unknown): WireOptions {
  const o = obj(value, "opts");
  const out: WireOptions = { rooms: rooms(o["rooms"], "opts.rooms"), except: rooms(o["except"], "opts.except") };
  if (o["volatile"] !== undefined) out.volatile = bool(o["volatile"], "opts.volatile");
  if (o["compress"] !== undefined) out.compress = bool(o["compress"], "opts.compress");
  if (o["timeout"] !== undefined) out.timeout = int(o["timeout"], "opts.timeout");
  return out;
}

function socket(value: unknown): WireSocket {
  const s = obj(value, "socket");
  const handshake = obj(s["handshake"], "socket.handshake") as unknown as Handshake;
  return { id: str(s["id"], "socket.id"), handshake, rooms: rooms(s["rooms"], "socket.rooms"), data: s["data"] };
}

function session(value: unknown): WireSession {
  const s = obj(value, "session");
  const missed = arr(s["missedPackets"], "session.missedPackets").map((p) => arr(p, "session.missedPackets[]"));
  return {
    sid: str(s["sid"], "session.sid"),
    pid: str(s["pid"], "session.pid"),
    rooms: rooms(s["rooms"], "session.rooms"),
    data: s["data"],
    missedPackets: missed,
  };
}

function obj(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value) || Buffer.isBuffer(value)) {
    throw new MalformedMessageError(`${what} is not an object`);
  }
  return value as Record<string, unknown>;
}

function arr(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new MalformedMessageError(`${what} is not an array`);
  return value;
}

/**
 * A list of rooms: strings, or finite numbers — socket.io accepts `socket.join(123)` from JavaScript, and a number
 * stays a number on every instance (123 and "123" are two rooms, on one instance as across instances).
 */
function rooms(value: unknown, what: string): Room[] {
  const a = arr(value, what);
  for (const r of a) {
    if (typeof r !== "string" && !(typeof r === "number" && Number.isFinite(r))) throw new MalformedMessageError(`${what} holds a room that is neither a string nor a number`);
  }
  return a as Room[];
}

function str(value: unknown, what: string): string {
  if (typeof value !== "string") throw new MalformedMessageError(`${what} is not a string`);
  return value;
}

function int(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new MalformedMessageError(`${what} is not a non-negative integer`);
  }
  return value;
}

function bool(value: unknown, what: string): boolean {
  if (typeof value !== "boolean") throw new MalformedMessageError(`${what} is not a boolean`);
  return value;
}

/** Broadcast options → wire (sets become arrays; `local` never travels). */
export function wire(opts: BroadcastOptions): WireOptions {
  const out: WireOptions = { rooms: [...opts.rooms], except: [...(opts.except ?? [])] };
  if (opts.flags?.volatile) out.volatile = true;
  if (opts.flags?.compress !== undefined) out.compress = opts.flags.compress;
  if (opts.flags?.timeout !== undefined) out.timeout = opts.flags.timeout;
  return out;
}

/** Wire → broadcast options. */
export function unwire(w: WireOptions): BroadcastOptions {
  const flags: BroadcastOptions["flags"] = {};
  if (w.volatile) flags.volatile = true;
  if (w.compress !== undefined) flags.compress = w.compress;
  return { rooms: new Set(w.rooms), except: new Set(w.except), flags };
}
