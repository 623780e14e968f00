/**
 * The `/chat` socket contract, shared by the demo server and the page (and usable by any Socket.IO client).
 */
export interface Message {
  id: string;
  room: string;
  user: string;
  text: string;
  ts: number;
}

export interface RoomInfo {
  name: string;
  members: number;
}

export interface ChatError {
  code: "bad_request" | "bad_room" | "too_long" | "empty" | "rate_limited" | "not_in_room" | "unavailable";
  message: string;
}

export type Result<T extends object> = ({ ok: true } & T) | { ok: false; error: ChatError };

export interface ClientToServer {
  "rooms:list": (ack: (rooms: RoomInfo[]) => void) => void;
  "room:join": (room: string, ack: (result: Result<{ history: Message[]; members: string[] }>) => void) => void;
  "room:leave": (room: string, ack: (result: Result<object>) => void) => void;
  "message:send": (message: { room: string; text: string }, ack: (result: Result<{ id: string; ts: number }>) => void) => void;
  typing: (room: string) => void;
}

export interface ServerToClient {
  "message:new": (message: Message) => void;
  presence: (presence: { room: string; members: string[] }) => void;
  typing: (typing: { room: string; user: string }) => void;
  "rooms:update": (rooms: RoomInfo[]) => void;
}

export interface ChatSocketData {
  user: string;
}

/** The contract with named directions (see shared/typed-events.ts EventContract). */
export interface ChatContract {
  clientToServer: ClientToServer;
  serverToClient: ServerToClient;
  socketData: ChatSocketData;
}

/** Limits, shared so the page can check before sending. */
export const LIMITS = {
  /** Longest message, in characters. */
  maxMessageLength: 2000,
  /** Room names: 1–32 of letters, digits, "-" and "_". */
  roomName: /^[A-Za-z0-9_-]{1,32}$/,
  /** Display names: 1–24 printable characters. */
  maxNameLength: 24,
  /** Messages a user may send: a burst of 10, refilled at 5 per second. */
  messageBurst: 10,
  messagesPerSecond: 5,
  /** Messages kept (and shown on join) per room. */
  historySize: 50,
} as const;
