/**
 * Loopback TCP pairs for the conformance suite's TCP runner: a real `ServerWebSocket` on the accepted socket, a raw
 * client on the other end. Everything the server does is recorded — "message", "error" and "close" events, and every
 * frame it writes (parsed off the client's socket) — so a test can assert what reached the application and what
 * went on the wire.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from "node:net";
import { ServerWebSocket, socketLimits, type WebSocketProtocolError } from "../../server/engine/websocket/socket.js";
import { ServerFrames, type ServerFrame } from "../helpers/raw-websocket.js";
import type { Limits } from "./cases.js";
import { chunks } from "./chunkings.js";
import { E, F, OP, messageEvent } from "./wire.js";

/** A server frame as one line: `pong <hex>`, `close frame 1000 "reason"`, `close frame (no code)`, else its opcode. */
export function frameLine(f: ServerFrame): string {
  const flags = `${f.fin ? "" : "non-final "}${f.rsv ? `rsv ${f.rsv} ` : ""}${f.masked ? "masked " : ""}`;
  if (f.opcode === OP.pong) return `${flags}pong ${f.payload.toString("hex")}`;
  if (f.opcode === OP.close) {
    if (f.payload.length < 2) return `${flags}close frame (no code)${f.payload.length ? " + 1 byte" : ""}`;
    return `${flags}close frame ${f.payload.readUInt16BE(0)} ${JSON.stringify(f.payload.subarray(2).toString())}`;
  }
  return `${flags}opcode ${f.opcode} ${f.payload.toString("hex")}`;
}

/** One listening TCP server on 127.0.0.1 for many pairs. */
export class Loopback {
  readonly #server: Server;
  readonly #port: number;
  readonly #peers = new Set<Peer>();

  private constructor(server: Server) {
    this.#server = server;
    this.#port = (server.address() as AddressInfo).port;
  }

  static async open(): Promise<Loopback> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return new Loopback(server);
  }

  /** A new pair whose ServerWebSocket has `limits`. */
  async connect(limits: Limits): Promise<Peer> {
    const accepted = new Promise<Socket>((resolve) => this.#server.once("connection", resolve));
    // allowHalfOpen: the client keeps writing after the server has closed its side (bytes after a close frame)
    const client = connect({ port: this.#port, host: "127.0.0.1", allowHalfOpen: true });
    client.setNoDelay(true);
    const peer = new Peer(client, await accepted, limits);
    this.#peers.add(peer);
    void peer.clientClosed.then(() => this.#peers.delete(peer));
    return peer;
  }

  async close(): Promise<void> {
    for (const peer of this.#peers) peer.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

export class Peer {
  readonly ws: ServerWebSocket;
  readonly client: Socket;
  readonly serverTcp: Socket;
  /** Messages delivered to the application (wire.ts's lines). */
  readonly messages: string[] = [];
  readonly errors: WebSocketProtocolError[] = [];
  /** Frames the server wrote, not yet taken. */
  readonly frames: ServerFrame[];
  /** The "close" event, as an `E.close` line. */
  readonly closed: Promise<string>;
  /** The client saw the server's FIN. */
  readonly serverEnded: Promise<void>;
  /** The client's socket closed (both directions). */
  readonly clientClosed: Promise<void>;
  readonly #reader: ServerFrames;
  #syncs = 0;

  constructor(client: Socket, serverTcp: Socket, limits: Limits) {
    this.client = client;
    this.serverTcp = serverTcp;
    this.ws = new ServerWebSocket(serverTcp, Buffer.alloc(0), socketLimits({ maxPayload: limits.maxPayload, maxFragments: limits.maxFragments }));
    this.ws.on("message", (data: Buffer, binary: boolean) => this.messages.push(messageEvent(data, binary)));
    this.ws.on("error", (err: WebSocketProtocolError) => this.errors.push(err));
    this.closed = new Promise((resolve) => this.ws.on("close", (code: number, reason: Buffer) => resolve(E.close(code, reason))));
    this.serverEnded = new Promise((resolve) => client.once("end", resolve));
    this.clientClosed = new Promise((resolve) => client.once("close", () => resolve()));
    client.on("error", () => {}); // a reset after a test's own destroy(): the assertions are on what arrived
    this.#reader = new ServerFrames(client);
    this.frames = this.#reader.pending;
  }

  /** Writes `bytes` in one write, or cut at `cuts` with each piece awaited on the server's socket (real chunk boundaries). */
  async write(bytes: Buffer, cuts: readonly number[]): Promise<void> {
    if (cuts.length === 0) {
      this.client.write(bytes);
      return;
    }
    for (const piece of chunks(bytes, cuts)) {
      const arrived = new Promise((resolve) => this.serverTcp.once("data", resolve));
      this.client.write(piece);
      await arrived;
    }
  }

  /** Resolves once a written frame satisfies `found` (its index in `frames`). */
  async #until(found: (f: ServerFrame) => boolean): Promise<number> {
    const i = await this.#reader.find(found);
    if (i < 0) throw new Error(`the connection closed first; frames written: ${this.frames.map(frameLine).join(", ") || "none"}`);
    return i;
  }

  /**
   * Sends a ping of its own and waits for the pong: everything the server does for bytes sent before it has been
   * done. Returns the frames written before that pong (taken from `frames`; the pong is dropped).
   */
  async sync(): Promise<ServerFrame[]> {
    const tag = Buffer.from(`sync ${++this.#syncs}`);
    this.client.write(F.ping(tag));
    const i = await this.#until((f) => f.opcode === OP.pong && f.payload.equals(tag));
    const before = this.frames.splice(0, i + 1);
    before.pop();
    return before;
  }

  /** Waits for the server's close frame. */
  async closeFrame(): Promise<ServerFrame> {
    return this.frames[await this.#until((f) => f.opcode === OP.close)]!;
  }

  destroy(): void {
    this.client.destroy();
    this.serverTcp.destroy();
  }
}
