/**
 * A raw WebSocket peer for attack tests: client frames built byte by byte (masked or not, any opcode, RSV bits,
 * FIN, a declared length that differs from the payload), the server's frames read off the TCP socket, and the
 * server-side objects of the session (its TCP socket and `ServerWebSocket`) for white-box measurements.
 * `using ws = await rawWebSocket(srv.port)` destroys the TCP socket at the end of the block.
 */
import { once } from "node:events";
import { connect, type Socket as NetSocket } from "node:net";
import type { Server } from "../../server/index.js";
import type { ServerWebSocket } from "../../server/engine/websocket/socket.js";

const MASK = [0x12, 0x34, 0x56, 0x78] as const;
const KEY = "dGhlIHNhbXBsZSBub25jZQ==";

export interface ClientFrameOptions {
  /** FIN bit (default true). */
  fin?: boolean;
  /** MASK bit (default true: every client frame must be masked, RFC 6455 §5.3). */
  mask?: boolean;
  /** RSV bits as a 3-bit number: RSV1 = 4, RSV2 = 2, RSV3 = 1 (default 0). */
  rsv?: number;
  /** The length written in the header (default: the payload's; a bigint for 64-bit values). */
  length?: number | bigint;
  /** How the length is written: 7 bits, 7 + 16 or 7 + 64 (default: the shortest, as RFC 6455 §5.2 asks of senders). */
  lengthField?: 7 | 16 | 64;
  /** The masking key (default 12 34 56 78). */
  key?: readonly [number, number, number, number];
}

/** A client frame: masked unless told otherwise. */
export function clientFrame(opcode: number, payload: Buffer | string = Buffer.alloc(0), opts: ClientFrameOptions = {}): Buffer {
  const data = typeof payload === "string" ? Buffer.from(payload) : payload;
  const length = BigInt(opts.length ?? data.length);
  const field = opts.lengthField ?? (length < 126n ? 7 : length < 65536n ? 16 : 64);
  const mask = opts.mask !== false;
  const ext = field === 7 ? 0 : field === 16 ? 2 : 8;
  const head = Buffer.alloc(2 + ext + (mask ? 4 : 0));
  head[0] = (opts.fin === false ? 0 : 0x80) | ((opts.rsv ?? 0) << 4) | opcode;
  head[1] = (mask ? 0x80 : 0) | (field === 7 ? Number(length) : field === 16 ? 126 : 127);
  if (field === 16) head.writeUInt16BE(Number(length), 2);
  if (field === 64) head.writeBigUInt64BE(length, 2);
  if (!mask) return Buffer.concat([head, data]);
  const key = opts.key ?? MASK;
  head.set(key, 2 + ext);
  const masked = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) masked[i] = data[i]! ^ key[i & 3]!;
  return Buffer.concat([head, masked]);
}

export interface ServerFrame {
  fin: boolean;
  /** RSV1..3 as a 3-bit number (4 = RSV1). */
  rsv: number;
  /** The MASK bit (a server must not set it; the payload is then the masked bytes, the key skipped). */
  masked: boolean;
  opcode: number;
  payload: Buffer;
}

/** Reads the server's frames from a TCP socket, after the HTTP response head (if any) has been taken off. */
export class ServerFrames {
  #buf: Buffer;
  /** Frames read and not yet taken, in order. */
  readonly pending: ServerFrame[] = [];
  #waiters: Array<() => void> = [];
  /** The TCP connection closed. */
  ended = false;

  constructor(socket: NetSocket, initial: Buffer = Buffer.alloc(0)) {
    this.#buf = initial;
    this.#parse();
    socket.on("data", (chunk: Buffer) => {
      this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
      this.#parse();
    });
    socket.on("close", () => {
      this.ended = true;
      this.#wake();
    });
  }

  #parse(): void {
    for (;;) {
      const b = this.#buf;
      if (b.length < 2) return;
      let len = b[1]! & 0x7f;
      let off = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        off = 10;
      }
      const masked = (b[1]! & 0x80) !== 0;
      if (masked) off += 4;
      if (b.length < off + len) return;
      const payload = Buffer.from(b.subarray(off, off + len));
      this.pending.push({ fin: (b[0]! & 0x80) !== 0, rsv: (b[0]! >> 4) & 7, masked, opcode: b[0]! & 0x0f, payload });
      this.#buf = b.subarray(off + len);
      this.#wake();
    }
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Waits until a pending frame satisfies `found`: its index in `pending`, or -1 once the TCP connection closed without one. */
  async find(found: (f: ServerFrame) => boolean): Promise<number> {
    for (;;) {
      const i = this.pending.findIndex(found);
      if (i >= 0 || this.ended) return i;
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  /** The next frame, or undefined once the TCP connection closed with none left. */
  async next(): Promise<ServerFrame | undefined> {
    await this.find(() => true);
    return this.pending.shift();
  }

  /** Skips frames until one with `opcode` (undefined if the connection closed first). */
  async nextOf(opcode: number): Promise<ServerFrame | undefined> {
    for (;;) {
      const f = await this.next();
      if (f === undefined || f.opcode === opcode) return f;
    }
  }

  /** Skips frames until a close frame; its code (1005 when it has none), or undefined if TCP closed without one. */
  async closeCode(): Promise<number | undefined> {
    const f = await this.nextOf(8);
    if (f === undefined) return undefined;
    return f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
  }
}

export interface RawWebSocket extends Disposable {
  socket: NetSocket;
  frames: ServerFrames;
  /** The Engine.IO session id (from the open packet; for a `sid` upgrade, the one given). */
  sid: string;
}

/**
 * Opens a WebSocket to a roomcast (or socket.io) server at `port`: a new Engine.IO session, or the upgrade of
 * polling session `sid`. Resolves once the 101 arrived (and, for a new session, the open packet).
 */
export async function rawWebSocket(port: number, opts: { sid?: string; path?: string; headers?: Record<string, string> } = {}): Promise<RawWebSocket> {
  const socket = connect(port, "127.0.0.1");
  socket.setNoDelay(true);
  const query = `EIO=4&transport=websocket${opts.sid !== undefined ? `&sid=${opts.sid}` : ""}`;
  const lines = [
    `GET ${opts.path ?? "/socket.io/"}?${query} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    "Connection: Upgrade",
    "Upgrade: websocket",
    "Sec-WebSocket-Version: 13",
    `Sec-WebSocket-Key: ${KEY}`,
  ];
  for (const [k, v] of Object.entries(opts.headers ?? {})) lines.push(`${k}: ${v}`);
  socket.write(lines.join("\r\n") + "\r\n\r\n");
  let buf = Buffer.alloc(0);
  for (;;) {
    const [chunk] = (await once(socket, "data")) as [Buffer];
    buf = Buffer.concat([buf, chunk]);
    const end = buf.indexOf("\r\n\r\n");
    if (end < 0) continue;
    const head = buf.subarray(0, end).toString();
    if (!head.startsWith("HTTP/1.1 101 ")) throw new Error(`upgrade refused: ${head.split("\r\n")[0]}`);
    socket.removeAllListeners("data");
    const frames = new ServerFrames(socket, buf.subarray(end + 4));
    const dispose = () => void socket.destroy();
    if (opts.sid !== undefined) return { socket, frames, sid: opts.sid, [Symbol.dispose]: dispose };
    const open = await frames.next();
    const text = open?.payload.toString() ?? "";
    if (!text.startsWith("0")) throw new Error(`expected an open packet, got ${JSON.stringify(text)}`);
    return { socket, frames, sid: (JSON.parse(text.slice(1)) as { sid: string }).sid, [Symbol.dispose]: dispose };
  }
}

/** Writes `data` and resolves once it has been handed to the kernel. */
export function write(socket: NetSocket, data: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve())));
}

interface EngineClientView {
  transport: { name: string; socket?: ServerWebSocket };
}

/** The server-side `ServerWebSocket` of Engine.IO session `sid` (undefined when it is not on roomcast's engine). */
export function serverWebSocket(io: Server, sid: string): ServerWebSocket | undefined {
  const clients = (io.engine as unknown as { clients: Record<string, EngineClientView | undefined> }).clients;
  const client = clients[sid];
  return client?.transport.name === "websocket" ? client.transport.socket : undefined;
}
