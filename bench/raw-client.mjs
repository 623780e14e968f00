// Minimal loopback clients for the load generator, straight over `node:net`: a WebSocket (RFC 6455) client and an
// HTTP/1.1 keep-alive client. They do only what the benchmark needs, so the load generator spends its CPU on the
// scenario rather than on client machinery (`ws`'s streams, `http.Agent`'s pooling) and the server stays the
// bottleneck. Both servers see exactly the same bytes.
import { connect } from "node:net";

// ---- WebSocket ----------------------------------------------------------------------------------------------------

// A fixed key is fine for a benchmark (the server only hashes it); its accept value is from RFC 6455 §1.3.
export const WS_KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const WS_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
// Client frames must be masked (RFC 6455 §5.3); a fixed key keeps that cheap.
const MASK = [0x5a, 0xc3, 0x96, 0x3c];

// Every connection reads into this one buffer (`onread`: no allocation per read, no stream machinery). Each read is
// consumed synchronously, so bytes kept past the callback (an incomplete frame, a fragment) are copied out.
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

const FIN = 0x80;
const OP_CONT = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;

/** One masked client frame: `b0` is FIN | RSV | opcode, `payload` a Buffer or a string. */
export function clientFrame(b0, payload) {
  const data = typeof payload === "string" ? Buffer.from(payload) : payload;
  const len = data.length;
  const h = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const buf = Buffer.allocUnsafe(h + 4 + len);
  buf[0] = b0;
  if (h === 2) buf[1] = 0x80 | len;
  else if (h === 4) {
    buf[1] = 0x80 | 126;
    buf.writeUInt16BE(len, 2);
  } else {
    buf[1] = 0x80 | 127;
    buf.writeUInt32BE(Math.floor(len / 2 ** 32), 2);
    buf.writeUInt32BE(len >>> 0, 6);
  }
  buf[h] = MASK[0];
  buf[h + 1] = MASK[1];
  buf[h + 2] = MASK[2];
  buf[h + 3] = MASK[3];
  const o = h + 4;
  for (let i = 0; i < len; i++) buf[o + i] = data[i] ^ MASK[i & 3];
  return buf;
}

/** A text frame for an (ASCII or UTF-8) string, encoded straight into the frame buffer. */
function textFrame(text) {
  const len = Buffer.byteLength(text);
  const h = len < 126 ? 2 : len < 65536 ? 4 : 10;
  if (h === 10) return clientFrame(FIN | OP_TEXT, text);
  const buf = Buffer.allocUnsafe(h + 4 + len);
  buf[0] = 0x80 | OP_TEXT;
  if (h === 2) buf[1] = 0x80 | len;
  else {
    buf[1] = 0x80 | 126;
    buf.writeUInt16BE(len, 2);
  }
  buf[h] = MASK[0];
  buf[h + 1] = MASK[1];
  buf[h + 2] = MASK[2];
  buf[h + 3] = MASK[3];
  const o = h + 4;
  buf.write(text, o);
  for (let i = 0; i < len; i++) buf[o + i] ^= MASK[i & 3];
  return buf;
}

/**
 * A WebSocket client connection. Messages (text or binary) arrive as Buffers through `onmessage(data)`, called with
 * `this` = the RawWebSocket; the Buffer is a view valid for the duration of the call. `onopen()` after the 101,
 * `onclose(err?)` once when the TCP connection is gone (err set if it never opened or failed); `closed` from then on.
 */
export class RawWebSocket {
  constructor(port, path) {
    this.open = false;
    this.closed = false;
    this.closeSent = false;
    this.onopen = undefined;
    this.onmessage = undefined;
    this.onclose = undefined;
    this.rest = undefined; // bytes of an incomplete response head / frame
    this.fragments = undefined; // payloads of a fragmented message so far
    this.error = undefined;
    const socket = connect({
      host: "127.0.0.1",
      port,
      noDelay: true,
      onread: { buffer: READ_BUFFER, callback: (n, buf) => void (this.open ? this.onData(buf.subarray(0, n)) : this.onHandshake(buf.subarray(0, n))) },
    });
    this.socket = socket;
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${WS_KEY}\r\n\r\n`,
    );
    socket.on("error", (err) => (this.error ??= err));
    socket.on("close", () => {
      const err = this.error ?? (this.open ? undefined : new Error("closed before open"));
      this.open = false;
      this.closed = true;
      this.onclose?.(err);
    });
  }

  /** The HTTP response to the Upgrade request: must be a 101 with the right accept value. */
  onHandshake(chunk) {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = undefined;
    const end = buf.indexOf("\r\n\r\n");
    if (end < 0) {
      this.rest = Buffer.from(buf);
      return;
    }
    const head = buf.toString("latin1", 0, end);
    if (!head.startsWith("HTTP/1.1 101 ") || !head.includes(WS_ACCEPT)) {
      this.error = new Error(`unexpected handshake response: ${head.slice(0, head.indexOf("\r\n"))}`);
      this.socket.destroy();
      return;
    }
    this.open = true;
    this.onopen?.();
    // the server may have sent its first frames in the same chunk
    if (end + 4 < buf.length && this.open) this.onData(buf.subarray(end + 4));
  }

  /** Frames: server frames are unmasked; a chunk may hold several frames and a frame may span chunks. */
  onData(chunk) {
    let buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = undefined;
    let off = 0;
    while (buf.length - off >= 2) {
      const b0 = buf[off];
      const b1 = buf[off + 1];
      let len = b1 & 0x7f;
      let h = 2;
      if (len === 126) {
        if (buf.length - off < 4) break;
        len = buf.readUInt16BE(off + 2);
        h = 4;
      } else if (len === 127) {
        if (buf.length - off < 10) break;
        len = buf.readUInt32BE(off + 2) * 2 ** 32 + buf.readUInt32BE(off + 6);
        h = 10;
      }
      if (b1 & 0x80) {
        this.error = new Error("masked frame from the server");
        this.socket.destroy();
        return;
      }
      if (buf.length - off < h + len) break;
      const payload = buf.subarray(off + h, off + h + len);
      off += h + len;
      this.onFrame(b0, payload);
      if (this.socket.destroyed) return;
    }
    if (off < buf.length) this.rest = Buffer.from(buf.subarray(off));
  }

  onFrame(b0, payload) {
    const fin = b0 & 0x80;
    const opcode = b0 & 0x0f;
    if (opcode === OP_TEXT || opcode === OP_BINARY) {
      if (fin) this.onmessage?.(payload);
      else this.fragments = [Buffer.from(payload)];
    } else if (opcode === OP_CONT) {
      if (!this.fragments) return;
      this.fragments.push(Buffer.from(payload));
      if (fin) {
        const data = Buffer.concat(this.fragments);
        this.fragments = undefined;
        this.onmessage?.(data);
      }
    } else if (opcode === OP_CLOSE) {
      // echo the close (same status code) unless we started it, then end our side
      if (!this.closeSent) {
        this.closeSent = true;
        this.socket.write(clientFrame(FIN | OP_CLOSE, payload.subarray(0, 2)));
      }
      this.socket.end();
    } else if (opcode === OP_PING) this.socket.write(clientFrame(FIN | 0xa, payload));
  }

  send(text) {
    this.socket.write(textFrame(text));
  }

  /** Starts the closing handshake (empty close frame, as `ws.close()` sends); `onclose` follows. */
  close() {
    if (this.closeSent || this.socket.destroyed) return;
    this.closeSent = true;
    this.socket.write(clientFrame(FIN | OP_CLOSE, Buffer.alloc(0)));
  }

  terminate() {
    this.socket.destroy();
  }
}

// ---- HTTP/1.1 keep-alive --------------------------------------------------------------------------------------------

const CONTENT_LENGTH = /\r\ncontent-length: *(\d+)/i;
const CONNECTION_CLOSE = /\r\nconnection: *close/i;

/**
 * One keep-alive connection; requests on it run one at a time (queued, no pipelining). engine.io answers with a
 * Content-Length body (it streams chunked only when compressing, and the benchmark sends no Accept-Encoding), so a
 * response without one is treated as a failed request and the connection dropped. A closed connection is reopened
 * by the next request; the request in flight when it closed is rejected.
 */
export class HttpConnection {
  constructor(port) {
    this.port = port;
    this.socket = undefined;
    this.queue = []; // { text, resolve, reject }; queue[0] is in flight
    this.rest = undefined;
  }

  /** Resolves with the body of a 200, rejects on any other status or a lost connection. */
  request(method, path, body) {
    let text = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${this.port}\r\nConnection: keep-alive\r\n`;
    if (body !== undefined) text += `Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    else text += "\r\n";
    return new Promise((resolve, reject) => {
      this.queue.push({ text, resolve, reject });
      if (this.queue.length === 1) this.sendNext();
    });
  }

  sendNext() {
    if (!this.socket) {
      const socket = connect({ host: "127.0.0.1", port: this.port, noDelay: true });
      this.socket = socket;
      this.rest = undefined;
      socket.on("data", (chunk) => this.onData(chunk));
      socket.on("error", () => {}); // "close" follows
      socket.on("close", () => {
        if (this.socket !== socket) return; // already dropped
        this.socket = undefined;
        this.rest = undefined;
        this.queue.shift()?.reject(new Error("connection closed"));
        if (this.queue.length) this.sendNext();
      });
    }
    this.socket.write(this.queue[0].text);
  }

  /** Drops the connection without failing the request in flight (the caller settles it). */
  drop() {
    const socket = this.socket;
    this.socket = undefined;
    this.rest = undefined;
    socket?.destroy();
  }

  onData(chunk) {
    const socket = this.socket;
    let buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = undefined;
    for (;;) {
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) break;
      const head = buf.toString("latin1", 0, end);
      const status = head.slice(9, 12); // "HTTP/1.1 200 OK"
      const m = CONTENT_LENGTH.exec(head);
      const p = this.queue[0];
      if (!m || !p) {
        this.drop();
        if (p) this.queue.shift().reject(new Error(`HTTP ${status} without Content-Length`));
        if (this.queue.length) this.sendNext();
        return;
      }
      const bodyEnd = end + 4 + Number(m[1]);
      if (buf.length < bodyEnd) break;
      const body = buf.toString("utf8", end + 4, bodyEnd);
      buf = buf.subarray(bodyEnd);
      this.queue.shift();
      if (CONNECTION_CLOSE.test(head)) this.drop();
      if (status === "200") p.resolve(body);
      else p.reject(new Error(`HTTP ${status}`));
      if (this.queue.length) this.sendNext();
      if (this.socket !== socket) return; // dropped (a queued request went out on a new connection)
    }
    if (buf.length) this.rest = buf;
  }

  /** Ends the connection; requests still in flight or queued are rejected. */
  close() {
    const socket = this.socket;
    this.socket = undefined;
    socket?.end();
    for (const p of this.queue.splice(0)) p.reject(new Error("connection closed"));
  }
}
