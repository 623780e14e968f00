/**
 * One Engine.IO session (socket.io's "Client"): decodes its frames, routes packets to the namespace sockets it
 * multiplexes, and writes encoded packets. A protocol error closes this connection only.
 */
import type { Socket as EngineSocket } from "engine.io";
import { Decoder } from "../shared/decoder.js";
import { encodePacket } from "../shared/encoder.js";
import { ProtocolError } from "../shared/errors.js";
import { PacketType, type Packet } from "../shared/packet.js";
import type { BroadcastFlags } from "./adapter/types.js";
import { textFrame, type EngineWriteOptions, type OutgoingFrames } from "./outgoing.js";
import { DisconnectReason } from "./reasons.js";
import type { Server } from "./server.js";
import { congested, directSocket, writeFrame } from "./write-coalescing.js";
import type { Socket } from "./socket.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySocket = Socket<any, any, any, any>;

export class Connection {
  /** The Engine.IO socket. */
  readonly conn: EngineSocket;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly #server: Server<any, any, any, any>;
  readonly #decoder: Decoder;
  /** The connected socket of the first namespace (most clients use one): no Map per connection. */
  #socket: AnySocket | undefined;
  /** Namespace name → connected socket, for the other namespaces (created on demand). */
  #more: Map<string, AnySocket> | undefined;
  /** Namespaces with a CONNECT in progress (middlewares running); undefined when none. */
  #connecting: Set<string> | undefined;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  constructor(server: Server<any, any, any, any>, conn: EngineSocket) {
    this.#server = server;
    this.conn = conn;
    this.#decoder = new Decoder({ maxAttachments: server.maxAttachments });
    conn.on("data", (data: unknown) => this.#ondata(data));
    conn.on("error", ignoreError);
    // engine.io emits "close" once per session (`on`, not `once`: no wrapper object per connection)
    conn.on("close", (reason: string, description?: unknown) => this.#onclose(reason, description));
    this.#connectTimer = setTimeout(() => {
      this.#connectTimer = undefined;
      if (this.#socketCount === 0) this.conn.close();
    }, server.connectTimeout);
  }

  /** The client's address as seen by the server (see `trustProxy` for the handshake address). */
  get remoteAddress(): string {
    return this.conn.remoteAddress;
  }

  get isOpen(): boolean {
    return this.conn.readyState === "open";
  }

  /** Number of namespaces this connection is in (or connecting to). */
  get namespaceCount(): number {
    return this.#socketCount + (this.#connecting?.size ?? 0);
  }

  get #socketCount(): number {
    return (this.#socket === undefined ? 0 : 1) + (this.#more?.size ?? 0);
  }

  #get(nsp: string): AnySocket | undefined {
    const socket = this.#socket;
    if (socket !== undefined && socket.nsp.name === nsp) return socket;
    return this.#more?.get(nsp);
  }

  #all(): AnySocket[] {
    const all = this.#more === undefined ? [] : [...this.#more.values()];
    if (this.#socket !== undefined) all.unshift(this.#socket);
    return all;
  }

  #doneConnecting(nsp: string): void {
    const connecting = this.#connecting;
    if (connecting !== undefined && connecting.delete(nsp) && connecting.size === 0) this.#connecting = undefined;
  }

  /** Encodes and writes one packet to this client. */
  writePacket(packet: Packet, flags: BroadcastFlags): void {
    if (!this.isOpen) return;
    if (flags.volatile && congested(this.conn)) return;
    const frames = encodePacket(packet);
    const tcp = directSocket(this.conn);
    if (tcp !== undefined && frames.length === 1) {
      writeFrame(tcp, textFrame("4" + frames[0]));
      return;
    }
    const opts: EngineWriteOptions = flags.compress === false ? { compress: false } : {};
    for (let i = 0; i < frames.length; i++) this.conn.write(frames[i] as string | Buffer, opts);
  }

  /** Writes a packet already encoded (broadcasts), reusing its prepared WebSocket frame. */
  writeFrames(outgoing: OutgoingFrames): void {
    if (!this.isOpen) return;
    if (outgoing.volatile && congested(this.conn)) return;
    const frames = outgoing.frames;
    const opts = outgoing.writeOptions;
    const tcp = directSocket(this.conn);
    if (frames.length === 1) {
      if (tcp !== undefined && opts.wsPreEncodedFrame !== undefined) {
        writeFrame(tcp, opts.wsPreEncodedFrame);
        return;
      }
      this.conn.write(frames[0], opts);
      return;
    }
    const plain: EngineWriteOptions = opts.compress === false ? { compress: false } : {};
    for (let i = 0; i < frames.length; i++) this.conn.write(frames[i] as string | Buffer, plain);
  }

  /** @internal */
  attach(socket: AnySocket): void {
    this.#doneConnecting(socket.nsp.name);
    if (this.#socket === undefined && this.#more?.has(socket.nsp.name) !== true) this.#socket = socket;
    else (this.#more ??= new Map()).set(socket.nsp.name, socket);
    if (this.#connectTimer !== undefined) {
      clearTimeout(this.#connectTimer);
      this.#connectTimer = undefined;
    }
  }

  /** @internal a CONNECT was refused by a middleware */
  connectFailed(nsp: string): void {
    this.#doneConnecting(nsp);
  }

  /** @internal a socket left its namespace */
  remove(socket: AnySocket): void {
    if (this.#socket === socket) {
      this.#socket = undefined;
    } else if (this.#more !== undefined && this.#more.get(socket.nsp.name) === socket) {
      this.#more.delete(socket.nsp.name);
      if (this.#more.size === 0) this.#more = undefined;
    }
  }

  /** Sends DISCONNECT for every namespace, then closes the connection. */
  disconnectAll(): void {
    for (const socket of this.#all()) socket.disconnect();
    this.conn.close();
  }

  /** Closes the connection; every socket gets `reason`. */
  close(reason: DisconnectReason, description?: unknown): void {
    this.#closeSockets(reason, description);
    this.conn.close();
  }

  #ondata(data: unknown): void {
    let packet: Packet | undefined;
    try {
      packet = this.#decoder.add(data);
    } catch (err) {
      if (err instanceof ProtocolError) {
        this.close(DisconnectReason.PARSE_ERROR, err);
        return;
      }
      throw err;
    }
    if (packet === undefined) return;
    try {
      this.#onpacket(packet);
    } catch (err) {
      this.#server.reportError(err instanceof Error ? err : new Error(String(err)), "packet handling");
    }
  }

  #onpacket(packet: Packet): void {
    if (packet.type === PacketType.CONNECT) {
      this.#onconnect(packet.nsp, (packet.data as Record<string, unknown> | undefined) ?? {});
      return;
    }
    // packets for a namespace this client is not connected to are ignored (as socket.io does)
    this.#get(packet.nsp)?.onpacket(packet);
  }

  #onconnect(name: string, auth: Record<string, unknown>): void {
    if (this.#get(name) !== undefined || this.#connecting?.has(name) === true) return;
    if (this.namespaceCount >= this.#server.maxNamespacesPerConnection) {
      this.close(DisconnectReason.PARSE_ERROR, new Error("too many namespaces on one connection"));
      return;
    }
    (this.#connecting ??= new Set()).add(name);
    this.#server
      .resolveNamespace(name, auth)
      .then((nsp) => {
        if (!this.isOpen) return;
        if (nsp === undefined) {
          this.#doneConnecting(name);
          this.writePacket({ type: PacketType.CONNECT_ERROR, nsp: name, data: { message: "Invalid namespace" } }, {});
          return;
        }
        return nsp.add(this, auth);
      })
      .catch((err: unknown) => {
        this.#doneConnecting(name);
        this.#server.reportError(err instanceof Error ? err : new Error(String(err)), "namespace connection");
      });
  }

  #onclose(reason: string, description?: unknown): void {
    if (this.#connectTimer !== undefined) clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    this.#decoder.reset();
    this.#closeSockets(reason as DisconnectReason, description);
  }

  #closeSockets(reason: DisconnectReason, description?: unknown): void {
    for (const socket of this.#all()) socket.onclose(reason, description);
    this.#socket = undefined;
    this.#more = undefined;
    this.#connecting = undefined;
  }
}

/** engine.io closes the session itself after a transport error; the "close" event carries the reason. */
function ignoreError(): void {}
