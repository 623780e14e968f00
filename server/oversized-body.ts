/**
 * engine.io answers HTTP 413 to a long-polling POST over `maxHttpBufferSize` but leaves the session open: a client
 * that keeps polling and answering pings may go on sending oversized bodies. roomcast closes that session at once,
 * as the WebSocket transport does (close 1009): its sockets get `disconnect` with "transport error", and any later
 * request for the session gets engine.io's 400 "Session ID unknown".
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Server as EngineServer } from "engine.io";

interface EngineSession {
  transport?: { onError?: (msg: string, desc?: unknown) => void };
  close(): void;
}

/** An engine.io middleware (`engine.use(...)`). */
export function closeSessionOnOversizedBody(engine: EngineServer) {
  const maxBytes = (engine as unknown as { opts: { maxHttpBufferSize: number } }).opts.maxHttpBufferSize;
  return (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void => {
    // engine.io counts the UTF-8 bytes of the decoded body, and a byte that is not valid UTF-8 decodes to 3 of them:
    // a body declared at most a third of the limit cannot be refused, so the common POST gets no listener
    const declared = Number(req.headers["content-length"]);
    if (req.method === "POST" && !(declared * 3 <= maxBytes)) {
      res.once("finish", () => {
        if (res.statusCode !== 413) return;
        const sid = (req as IncomingMessage & { _query?: Record<string, string> })._query?.sid ?? null; // parsed before middlewares run
        const clients = (engine as unknown as { clients: Record<string, EngineSession> }).clients;
        const session = sid !== null && Object.hasOwn(clients, sid) ? clients[sid] : undefined;
        if (session === undefined) return;
        if (typeof session.transport?.onError === "function") session.transport.onError("payload too large", "polling body over maxHttpBufferSize");
        else session.close();
      });
    }
    next();
  };
}
