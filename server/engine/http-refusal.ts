/**
 * Refusing an Engine.IO request from an engine.io middleware, with an HTTP status and engine.io's JSON error shape
 * `{"code","message"}`: on the ServerResponse for an ordinary request, or on the raw socket for a WebSocket upgrade
 * (engine.io hands upgrade middlewares a stand-in response that only carries the socket).
 */
import { ServerResponse, STATUS_CODES } from "node:http";
import { RoomcastError, type ErrorCode } from "../../shared/errors.js";

/** The response engine.io passes a middleware for a WebSocket upgrade. */
export interface UpgradeResponse {
  socket?: { writable: boolean; write(data: string): unknown; destroy(): unknown; on(ev: "error", fn: () => void): unknown };
}

export type MiddlewareResponse = ServerResponse | UpgradeResponse;

/**
 * Answers `status` with `{"code": code, "message": message}` and ends the request (the connection, for an upgrade).
 * An upgrade without a socket is left to engine.io: `next` gets a RoomcastError with `message` and `errorCode`.
 */
export function refuseRequest(
  res: MiddlewareResponse,
  status: number,
  code: number,
  message: string,
  errorCode: ErrorCode,
  next: (err?: unknown) => void,
): void {
  const body = JSON.stringify({ code, message });
  if (res instanceof ServerResponse) {
    res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  const socket = res.socket;
  if (socket === undefined) return next(new RoomcastError(errorCode, message));
  socket.on("error", () => {});
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
