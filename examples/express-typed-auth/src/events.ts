/**
 * The app's events, shared by the server (src/server.ts) and the Node client (src/client.ts): socket.io's four
 * event maps, as `Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>` takes them.
 */

/** A chat message, as the server broadcasts it to a room. */
export interface ChatMessage {
  room: string;
  from: string;
  text: string;
}

/** What the server answers to "join". */
export type JoinResult = { ok: true; members: number } | { ok: false; error: string };

/** Events a client sends; the server listens to them. */
export interface ClientToServerEvents {
  /** Joins a room; the ack gets the number of members (this socket included). */
  join: (room: string, ack: (result: JoinResult) => void) => void;
  /** Sends a message to a room the socket has joined. */
  say: (room: string, text: string) => void;
}

/** Events the server sends; clients listen to them. */
export interface ServerToClientEvents {
  /** Sent once, after the auth middleware accepted the socket. */
  welcome: (user: string) => void;
  /** Someone else joined one of your rooms. */
  joined: (room: string, user: string) => void;
  message: (message: ChatMessage) => void;
}

/** Events between server instances (`io.serverSideEmit`): none in this app. */
export type InterServerEvents = Record<string, never>;

/** What the auth middleware stores on each socket (`socket.data`). */
export interface SocketData {
  user: string;
}
