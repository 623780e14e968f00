/**
 * Write coalescing for WebSocket sessions: the frames written to one client during one event-loop turn leave in at
 * most two writes (the first at once, the rest corked and sent in one `writev` from `process.nextTick`), and a
 * text packet skips engine.io's per-packet path (packet object, "packetCreate"/"flush"/"drain" events, write
 * callbacks, the transport's `writable` hand-off) when nothing can overtake it or be overtaken by it.
 *
 * Same bytes, same order: the direct path is taken only when engine.io has nothing queued for the session (its
 * `writeBuffer` is empty — packets already handed to the transport are already in the TCP socket, ahead of ours),
 * the WebSocket has nothing queued (roomcast's own never has; ws's sender: no permessage-deflate negotiated, no message being deflated), the WebSocket is
 * OPEN, and no one observes engine.io's per-packet events ("packetCreate", "flush") on this session. Otherwise the
 * packet goes through engine.io as before (still coalesced by the cork).
 */
import type { Socket as NetSocket } from "node:net";
import type { Socket as EngineSocket } from "engine.io";
import { engineTcpSocket, engineTransport, engineWebSocket, writeBufferLength, wsSenderIdle, wsTcpSocket } from "./internals.js";

const WS_OPEN = 1;

/** TCP sockets written to during this turn, and those of them corked (second write on), uncorked at its end. */
const touched = new Set<NetSocket>();
const held: NetSocket[] = [];
let scheduled = false;

function endOfTurn(): void {
  scheduled = false;
  touched.clear();
  // uncorking may run write callbacks that write again (and hold again): take the list first
  const sockets = held.splice(0, held.length);
  for (let i = 0; i < sockets.length; i++) sockets[i]!.uncork();
}

/**
 * Called before each write to `socket`: the first write of a turn leaves at once (a lone packet — an ack, a paced
 * broadcast — is not delayed); from the second one on, the socket is corked until the end of the turn, so a burst
 * leaves in one `writev`.
 */
export function holdWrites(socket: NetSocket): void {
  if (!touched.has(socket)) {
    touched.add(socket);
    if (!scheduled) {
      scheduled = true;
      process.nextTick(endOfTurn);
    }
    return;
  }
  if (socket.writableCorked !== 0 || socket.destroyed) return; // already held (or corked by its owner)
  socket.cork();
  held.push(socket);
}

/**
 * The TCP socket of a WebSocket session when a frame can be written straight to it (see the file comment), held
 * for this turn; `undefined` when the packet must go through engine.io. For a WebSocket session that must take
 * engine.io's path, the socket is still held so engine.io's writes of this turn are coalesced too.
 */
export function directSocket(conn: EngineSocket): NetSocket | undefined {
  const ws = engineWebSocket(conn);
  if (ws === undefined) return undefined;
  const tcp = wsTcpSocket(ws);
  if (tcp == null || ws.readyState !== WS_OPEN) return undefined;
  holdWrites(tcp);
  if (
    writeBufferLength(conn) !== 0 ||
    conn.readyState !== "open" ||
    !wsSenderIdle(ws) ||
    conn.listenerCount("packetCreate") !== 0 ||
    conn.listenerCount("flush") !== 0
  ) {
    return undefined;
  }
  return tcp;
}

/** Writes a prepared [header, payload] (or single-buffer) WebSocket frame to a held socket. */
export function writeFrame(tcp: NetSocket, frame: Buffer[]): void {
  for (let i = 0; i < frame.length; i++) tcp.write(frame[i]!);
}

/**
 * Whether a volatile packet should be dropped: engine.io's transport is busy, or the TCP socket's buffer is above
 * its high-water mark (the direct path never makes the transport busy, so both are checked).
 */
export function congested(conn: EngineSocket): boolean {
  if (!engineTransport(conn).writable) return true;
  const tcp = engineTcpSocket(conn);
  return tcp != null && tcp.writableNeedDrain;
}
