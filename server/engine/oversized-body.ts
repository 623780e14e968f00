/**
 * Guards on long-polling POST bodies, ahead of engine.io (which reads them):
 *
 * - Over `maxHttpBufferSize`: engine.io answers HTTP 413 but leaves the session open, so a client that keeps
 *   polling and answering pings may go on sending oversized bodies. roomcast closes that session at once, as the
 *   WebSocket transport does (close 1009): its sockets get `disconnect` with "transport error", and any later request
 *   for the session gets engine.io's 400 "Session ID unknown".
 * - In too many pieces: engine.io appends every chunk of a text body to a string, and each chunk costs V8 a string
 *   node (~10–30 bytes) whatever its size, so a body sent one byte per TCP segment, or as one-byte HTTP chunks, would
 *   hold ~10–30× its size. A body in more than `MAX_SMALL_PIECES` pieces averaging under `MIN_PIECE_BYTES` is refused:
 *   HTTP 400 `{"code":3,"message":"Bad request"}`, the connection closed, the session closed ("transport error").
 *   A body of at most `UNGUARDED_BYTES` (declared by Content-Length) cannot hold much and gets no listener: the
 *   small POSTs of every ack and event stay on engine.io's path alone.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Server as EngineServer } from "engine.io";
import { engineMaxHttpBufferSize, failEngineSession, requestQuery } from "./internals.js";

/** Pieces a body may arrive in before their average size is looked at. */
export const MAX_SMALL_PIECES = 1024;
/** Smallest average piece (bytes) of a body in more than MAX_SMALL_PIECES pieces. */
export const MIN_PIECE_BYTES = 256;
/** Bodies declared at most this long are not watched (at most this many pieces). */
export const UNGUARDED_BYTES = 4096;

/** An engine.io middleware (`engine.use(...)`). */
export function closeSessionOnOversizedBody(engine: EngineServer) {
  const maxBytes = engineMaxHttpBufferSize(engine);
  const failSession = (req: IncomingMessage, message: string, description: string): void => {
    const sid = requestQuery(req)?.sid; // parsed before middlewares run
    if (sid !== undefined) failEngineSession(engine, sid, message, description);
  };
  return (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void => {
    if (req.method !== "POST") return next();
    const declared = Number(req.headers["content-length"]);
    // engine.io counts the UTF-8 bytes of the decoded body, and a byte that is not valid UTF-8 decodes to 3 of them:
    // a body declared at most a third of the limit cannot be refused, so the common POST gets no listener
    if (!(declared * 3 <= maxBytes)) {
      res.once("finish", () => {
        if (res.statusCode === 413) failSession(req, "payload too large", "polling body over maxHttpBufferSize");
      });
    }
    if (!(declared <= UNGUARDED_BYTES)) watchPieces(req, res, () => failSession(req, "payload in too many pieces", "polling body in too many small pieces"));
    next();
  };
}

/**
 * Counts the pieces of a body as they arrive; refuses it when they are many and small. The count starts when
 * engine.io starts reading the body (its "data" listener): a listener of ours alone would start the flow before
 * engine.io listens (its checks may be asynchronous) and part of the body would be lost.
 */
function watchPieces(req: IncomingMessage, res: ServerResponse, fail: () => void): void {
  let pieces = 0;
  let bytes = 0;
  const onData = (chunk: string | Buffer): void => {
    bytes += chunk.length;
    if (++pieces <= MAX_SMALL_PIECES || bytes >= pieces * MIN_PIECE_BYTES) return;
    req.off("data", onData);
    req.pause();
    if (!res.headersSent) {
      const body = JSON.stringify({ code: 3, message: "Bad request" });
      res.writeHead(400, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body), Connection: "close" });
      res.end(body, () => req.socket.destroy());
    } else {
      req.socket.destroy();
    }
    fail();
  };
  const onNewListener = (event: string | symbol): void => {
    if (event !== "data") return;
    req.off("newListener", onNewListener);
    req.on("data", onData);
  };
  req.on("newListener", onNewListener);
  req.once("end", () => req.off("data", onData));
}
