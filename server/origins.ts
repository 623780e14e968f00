/** The `allowedOrigins` option: which browser origins may open a session (cross-site WebSocket hijacking guard). */
import { ServerResponse, type IncomingMessage } from "node:http";
export type AllowedOrigins = readonly string[] | ((origin: string) => boolean);

/** Returns a predicate over the Origin header. A request without Origin (not from a browser page) is allowed. */
export function originChecker(allowed: AllowedOrigins): (origin: string | undefined) => boolean {
  if (typeof allowed === "function") {
    return (origin) => {
      if (origin === undefined) return true;
      try {
        return allowed(origin);
      } catch {
        return false;
      }
    };
  }
  const set = new Set(allowed.map((o) => o.toLowerCase().replace(/\/$/, "")));
  return (origin) => origin === undefined || set.has("*") || set.has(origin.toLowerCase());
}

interface UpgradeResponse {
  socket?: { writable: boolean; write(data: string): unknown; destroy(): unknown; on(ev: "error", fn: () => void): unknown };
}

/**
 * engine.io middleware: refuses a request from a foreign Origin with HTTP 403, for every request of a session
 * (handshake, later polls, and WebSocket upgrades, which engine.io itself would only answer with 400).
 */
export function refuseForeignOrigins(allowed: (origin: string | undefined) => boolean) {
  return (req: IncomingMessage, res: ServerResponse | UpgradeResponse, next: (err?: unknown) => void): void => {
    if (allowed(req.headers.origin)) return next();
    const body = JSON.stringify({ code: 4, message: "Forbidden" });
    if (res instanceof ServerResponse) {
      res.writeHead(403, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    // a WebSocket upgrade: engine.io passes a stand-in response; answer on the raw socket
    const socket = res.socket;
    if (socket === undefined) return next(new Error("origin not allowed"));
    socket.on("error", () => {});
    if (socket.writable) {
      socket.write(
        "HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: application/json\r\n" +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
