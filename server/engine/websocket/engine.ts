/**
 * roomcast's WebSocket server for engine.io's `wsEngine` option: the opening handshake (RFC 6455 §4.2) and a
 * `ServerWebSocket` per connection. It is the default when `perMessageDeflate` is off (engine.io's default);
 * with compression on, or with an app's own `wsEngine`, engine.io uses that (`ws`) instead.
 *
 * What engine.io calls: `new Engine({ noServer, clientTracking, perMessageDeflate, maxPayload })`, `on("headers")`
 * (engine.io adds its response headers — cookies, the app's "headers" / "initial_headers" listeners — to the
 * array before it is written), `handleUpgrade(req, socket, head, cb)` and `close()`.
 *
 * Refusals, as ws answers them: 405 for a method other than GET; 400 for a missing or wrong `Upgrade`, a missing or
 * malformed `Sec-WebSocket-Key`, a malformed `Sec-WebSocket-Protocol`, or a version other than 13 or 8 (then with
 * `Sec-WebSocket-Version: 13, 8`); 503 once closed. Offered extensions are declined (none is negotiated).
 */
import { hash } from "node:crypto";
import { EventEmitter } from "node:events";
import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Socket as NetSocket } from "node:net";
import { ServerWebSocket, socketLimits, type SocketLimits, type WebSocketLimits } from "./socket.js";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const KEY = /^[+/0-9A-Za-z]{22}==$/;
/** A subprotocol name: an HTTP token (RFC 7230 §3.2.6). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export interface WebSocketEngineOptions extends Partial<WebSocketLimits> {
  /** Largest message in bytes (engine.io passes `maxHttpBufferSize`); 0 or less: no limit. Default 100 MiB. */
  maxPayload?: number;
}

type EngineConstructor = new (options?: WebSocketEngineOptions) => WebSocketEngine;

export class WebSocketEngine extends EventEmitter {
  readonly #limits: SocketLimits;
  #closed = false;

  constructor(options: WebSocketEngineOptions = {}) {
    super();
    const { maxPayload = 100 * 1024 * 1024, maxFragments, maxBufferedBytes, maxBufferedPackets } = options;
    this.#limits = socketLimits({ maxPayload, maxFragments, maxBufferedBytes, maxBufferedPackets }); // once per engine
  }

  /**
   * The class to give engine.io as `wsEngine` (engine.io constructs it with its own options — `maxPayload` among
   * them): the same engine with `limits` (the server's outgoing bounds) added to what engine.io passes.
   */
  static withLimits(limits: Omit<WebSocketEngineOptions, "maxPayload">): EngineConstructor {
    return class extends WebSocketEngine {
      constructor(options: WebSocketEngineOptions = {}) {
        super({ ...options, ...limits });
      }
    };
  }

  handleUpgrade(req: IncomingMessage, socket: NetSocket, head: Buffer, cb: (ws: ServerWebSocket, req: IncomingMessage) => void): void {
    socket.on("error", destroyOnError);
    const headers = req.headers;
    const upgrade = headers.upgrade;
    const key = headers["sec-websocket-key"];
    const version = headers["sec-websocket-version"];
    if (req.method !== "GET") return refuse(socket, 405, "Invalid HTTP method");
    if (upgrade === undefined || upgrade.toLowerCase() !== "websocket") return refuse(socket, 400, "Invalid Upgrade header");
    if (key === undefined || !KEY.test(key)) return refuse(socket, 400, "Missing or invalid Sec-WebSocket-Key header");
    if (version !== "13" && version !== "8") {
      return refuse(socket, 400, "Missing or invalid Sec-WebSocket-Version header", "Sec-WebSocket-Version: 13, 8\r\n");
    }
    let protocol: string | undefined;
    const offered = headers["sec-websocket-protocol"];
    if (offered !== undefined) {
      protocol = firstProtocol(offered);
      if (protocol === undefined) return refuse(socket, 400, "Invalid Sec-WebSocket-Protocol header");
    }
    if (this.#closed) return refuse(socket, 503, "Server closed");
    if (!socket.readable || !socket.writable) return void socket.destroy();

    const accept = hash("sha1", key + GUID, "base64"); // one-shot: no Hash object per handshake
    const lines = ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade", `Sec-WebSocket-Accept: ${accept}`];
    if (protocol !== undefined) lines.push(`Sec-WebSocket-Protocol: ${protocol}`);
    this.emit("headers", lines, req);
    lines.push("", "");
    // the 101 response and engine.io's open packet leave in one writev: engine.io writes that packet after an
    // `await` in its handshake (a microtask later); the socket is uncorked as soon as it is written (or, should
    // engine.io write nothing, in the check phase of this turn: see ServerWebSocket.hold)
    socket.cork();
    socket.write(lines.join("\r\n"));
    socket.removeListener("error", destroyOnError);
    const ws = new ServerWebSocket(socket, head, this.#limits);
    ws.hold();
    cb(ws, req);
  }

  /** Refuses later upgrades with 503 (open connections are engine.io's to close). */
  close(cb?: () => void): void {
    this.#closed = true;
    if (cb !== undefined) process.nextTick(cb);
  }
}

/** The first subprotocol offered (what ws selects without a `handleProtocols`); undefined if the list is invalid. */
function firstProtocol(header: string): string | undefined {
  const names = header.split(",").map((p) => p.trim());
  if (!names.every((p) => TOKEN.test(p)) || new Set(names).size !== names.length) return undefined;
  return names[0];
}

function destroyOnError(this: NetSocket): void {
  this.destroy();
}

function refuse(socket: NetSocket, status: number, message: string, extraHeaders = ""): void {
  if (!socket.writable) return void socket.destroy();
  socket.once("finish", () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/html\r\n` +
      `Content-Length: ${Buffer.byteLength(message)}\r\n${extraHeaders}\r\n${message}`,
  );
}
