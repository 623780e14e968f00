/**
 * One Engine.IO session, socket.io's "Client" (`socket.client`): decodes its frames, routes packets to the namespace
 * sockets it multiplexes, and writes encoded packets. A protocol error closes this session only.
 *
 * The bottom of the server's object layers: it imports no class above it. What it needs from the server (limits,
 * namespace lookup, error reporting) arrives as a {@link ClientContext}; the sockets it routes to are
 * {@link ClientMember}s.
 */
import type { IncomingMessage } from "node:http";
import type { Socket as EngineSocket } from "engine.io";
import { compactListeners } from "./engine/listener-table.js";
import { engineSessionId, engineTransport } from "./engine/internals.js";
import { Decoder } from "../shared/decoder.js";
import { encodePacket } from "../shared/encoder.js";
import { ProtocolError, RoomcastError } from "../shared/errors.js";
import { PacketType, type Packet } from "../shared/packet.js";
import type { BroadcastFlags } from "./adapter/types.js";
import type { EngineWriteOptions, OutgoingFrames } from "./outgoing.js";
import { textFrameBuffer } from "./engine/websocket/frame.js";
import { abandon, countQueued, measureBytes, measurePackets, PressureWatch, type BufferLimits, type QueueCount } from "./engine/backpressure.js";
import { releaseSession } from "./rate-limit.js";
import { DisconnectReason } from "./reasons.js";
import { congested, directSocket, writeFrame } from "./engine/write-coalescing.js";

/** A namespace's socket as its Client sees it (the server's Socket implements it). */
export interface ClientMember {
  /** The namespace the socket is connected to. */
  readonly nsp: {
    /** Its name. */
    readonly name: string;
  };
  /** One packet from the client, for this namespace. */
  onpacket(packet: Packet): void;
  /** The session closed (or the socket was closed by its client): leave rooms, fail acks, emit "disconnect". */
  onclose(reason: DisconnectReason, description?: unknown): void;
  /** The session's outgoing buffer fell back under its soft mark. */
  ondrain(): void;
  /** Sends DISCONNECT and leaves the namespace. */
  disconnect(): unknown;
}

/** A namespace a client may join: the Client hands it the session and the CONNECT payload. */
export interface JoinableNamespace {
  /** Runs the namespace's middlewares and, when they accept, attaches a new socket to `client`. */
  add(client: Client, auth: Record<string, unknown>): Promise<void>;
}

/** What a Client needs from the server, given by the server when it creates the Client. */
export interface ClientContext {
  /** Outgoing buffer bounds (`maxBufferedBytes`, `maxBufferedPackets`). */
  readonly bufferLimits: BufferLimits;
  /** The decoder's cap on binary attachments per packet (`maxAttachments`). */
  readonly maxAttachments: number;
  /** Namespaces one session may join or be joining (`maxNamespacesPerConnection`). */
  readonly maxNamespacesPerConnection: number;
  /** How long (ms) a session may stay without joining a namespace (`connectTimeout`). */
  readonly connectTimeout: number;
  /** Finds or creates (dynamic namespaces) the namespace a client asks for. */
  resolveNamespace(name: string, auth: Record<string, unknown>): Promise<JoinableNamespace | undefined>;
  /** Reports an error (the server's `onError`, or the log). Never throws. */
  reportError(err: unknown, context: string): void;
}


/** Flags of a plain write (no volatile, default compression): shared, never mutated. */
export const NO_FLAGS: Readonly<BroadcastFlags> = Object.freeze({});
// engine.io sets `compress` on the options it is given: these two are shared by every write (not frozen)
const WRITE_DEFAULT: EngineWriteOptions = {};
const WRITE_UNCOMPRESSED: EngineWriteOptions = { compress: false };

const kClient = Symbol("roomcast.client");
type Tagged = EngineSocket & { [kClient]?: Client };

/**
 * One Engine.IO session (`socket.client`, socket.io's `Client`): the namespaces it joined, its packet decoder and
 * outgoing buffer. Created by the server for each accepted session.
 */
export class Client {
  /** The Engine.IO socket. */
  readonly conn: EngineSocket;
  readonly #context: ClientContext;
  readonly #decoder: Decoder;
  /** The connected socket of the first namespace (most clients use one): no Map per connection. */
  #socket: ClientMember | undefined;
  /** Namespace name → connected socket, for the other namespaces (created on demand). */
  #more: Map<string, ClientMember> | undefined;
  /** Namespaces with a CONNECT in progress (middlewares running); undefined when none. */
  #connecting: Set<string> | undefined;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  /** Backpressure (server/engine/backpressure.ts): bounds, bytes of ours in engine.io's writeBuffer, watch while pressured. */
  readonly #limits: BufferLimits;
  #queue: QueueCount | undefined;
  #pressure: PressureWatch | undefined;

  /** @internal made by the server for each accepted Engine.IO session */
  constructor(context: ClientContext, conn: EngineSocket) {
    this.#context = context;
    this.conn = conn;
    this.#decoder = new Decoder({ maxAttachments: context.maxAttachments });
    this.#limits = context.bufferLimits;
    compactListeners(conn);
    compactListeners(engineTransport(conn));
    // shared listeners that find this object on the engine.io socket: no closures per connection
    (conn as Tagged)[kClient] = this;
    conn.on("data", Client.#onEngineData);
    conn.on("error", ignoreError);
    // engine.io emits "close" once per session (`on`, not `once`: no wrapper object per connection)
    conn.on("close", Client.#onEngineClose);
    this.#connectTimer = setTimeout(() => {
      this.#connectTimer = undefined;
      if (this.#socketCount === 0) this.conn.close();
    }, context.connectTimeout);
  }

  /**
   * The Engine.IO session id, as socket.io's `socket.client.id` (tools such as `@socket.io/admin-ui` group a
   * client's namespace sockets by it). It is the session's credential on the polling transport: never send it to
   * other clients (the socket's own `id` is a separate random id for that reason).
   */
  get id(): string {
    return engineSessionId(this.conn); // public at runtime (socket.io reads it); engine.io's typings declare it private
  }

  /** The first HTTP request of the Engine.IO session (socket.io's `socket.client.request`). */
  get request(): IncomingMessage {
    return this.conn.request;
  }

  /** The client's address as seen by the server (see `trustProxy` for the handshake address). */
  get remoteAddress(): string {
    return this.conn.remoteAddress;
  }

  /** Whether the Engine.IO session is still open. */
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

  #get(nsp: string): ClientMember | undefined {
    const socket = this.#socket;
    if (socket !== undefined && socket.nsp.name === nsp) return socket;
    return this.#more?.get(nsp);
  }

  #all(): ClientMember[] {
    const all = this.#more === undefined ? [] : [...this.#more.values()];
    if (this.#socket !== undefined) all.unshift(this.#socket);
    return all;
  }

  #doneConnecting(nsp: string): void {
    const connecting = this.#connecting;
    if (connecting !== undefined && connecting.delete(nsp) && connecting.size === 0) this.#connecting = undefined;
  }

  /** Encodes and writes one packet to this client. */
  writePacket(packet: Packet, flags: Readonly<BroadcastFlags> = NO_FLAGS): void {
    if (!this.isOpen) return;
    if (this.#pressure !== undefined && !this.#admit(flags.volatile === true)) return;
    if (flags.volatile && congested(this.conn)) return;
    const frames = encodePacket(packet);
    const tcp = directSocket(this.conn);
    if (tcp !== undefined && frames.length === 1) {
      tcp.write(textFrameBuffer("4" + frames[0])); // one buffer: header and payload
    } else {
      const opts = flags.compress === false ? WRITE_UNCOMPRESSED : WRITE_DEFAULT;
      for (let i = 0; i < frames.length; i++) this.#write(frames[i] as string | Buffer, opts);
    }
    if (this.#pressure === undefined) this.#checkPressure();
  }

  /** Writes a packet already encoded (broadcasts), reusing its prepared WebSocket frame. */
  writeFrames(outgoing: OutgoingFrames): void {
    if (!this.isOpen) return;
    if (this.#pressure !== undefined && !this.#admit(outgoing.volatile)) return;
    if (outgoing.volatile && congested(this.conn)) return;
    const frames = outgoing.frames;
    const opts = outgoing.writeOptions;
    const tcp = directSocket(this.conn);
    if (frames.length === 1) {
      if (tcp !== undefined && opts.wsPreEncodedFrame !== undefined) writeFrame(tcp, opts.wsPreEncodedFrame);
      else this.#write(frames[0], opts);
    } else {
      const plain = opts.compress === false ? WRITE_UNCOMPRESSED : WRITE_DEFAULT;
      for (let i = 0; i < frames.length; i++) this.#write(frames[i] as string | Buffer, plain);
    }
    if (this.#pressure === undefined) this.#checkPressure();
  }

  /** Bytes written to this client that it has not received yet (engine.io's buffer and the WebSocket's TCP buffer). */
  get bufferedAmount(): number {
    return this.isOpen ? measureBytes(this.conn, this.#queue) : 0;
  }

  /** Packets engine.io holds for this client (not yet handed to the transport). */
  get bufferedPackets(): number {
    return this.isOpen ? measurePackets(this.conn) : 0;
  }

  /** A frame through engine.io: it may stay in engine.io's writeBuffer, so its bytes are counted. */
  #write(frame: string | Buffer, opts: EngineWriteOptions): void {
    this.conn.write(frame, opts);
    countQueued(this.conn, (this.#queue ??= { length: 0, bytes: 0 }), frame.length);
  }

  /** After a write: above a soft mark, volatile packets are refused and the buffer is watched until it drains. */
  #checkPressure(): void {
    const limits = this.#limits;
    if (measurePackets(this.conn) > limits.softPackets || measureBytes(this.conn, this.#queue) > limits.softBytes) {
      this.#pressure = new PressureWatch(this.conn, () => this.#recheckPressure());
    }
  }

  /** Before a write while above a soft mark: false when the packet is dropped (volatile) or the bound is hit. */
  #admit(volatile: boolean): boolean {
    const limits = this.#limits;
    const bytes = measureBytes(this.conn, this.#queue);
    const packets = measurePackets(this.conn);
    if (bytes >= limits.maxBytes || packets >= limits.maxPackets) {
      this.#overflow();
      return false;
    }
    if (bytes <= limits.softBytes && packets <= limits.softPackets) this.#pressure?.schedule();
    return !volatile;
  }

  /** Next tick after a flush or a TCP "drain": back under the soft marks ends the pressure, with "drain" on the sockets. */
  #recheckPressure(): void {
    const pressure = this.#pressure;
    if (pressure === undefined || !this.isOpen) return;
    const limits = this.#limits;
    if (measurePackets(this.conn) > limits.softPackets || measureBytes(this.conn, this.#queue) > limits.softBytes) {
      pressure.follow();
      return;
    }
    pressure.stop();
    this.#pressure = undefined;
    for (const socket of this.#all()) socket.ondrain();
  }

  /** The hard bound: the sockets get "transport buffer full", the session is closed without waiting for its buffer. */
  #overflow(): void {
    this.#pressure?.stop();
    this.#pressure = undefined;
    this.#closeSockets(DisconnectReason.TRANSPORT_BUFFER_FULL);
    abandon(this.conn);
  }

  /** @internal */
  attach(socket: ClientMember): void {
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
  remove(socket: ClientMember): void {
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

  static #onEngineData(this: Tagged, data: unknown): void {
    this[kClient]!.#ondata(data);
  }

  static #onEngineClose(this: Tagged, reason: string, description?: unknown): void {
    this[kClient]!.#onclose(reason, description);
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
      this.#context.reportError(err, "packet handling");
    }
  }

  #onpacket(packet: Packet): void {
    const socket = this.#get(packet.nsp);
    if (socket !== undefined && packet.type !== PacketType.CONNECT) {
      socket.onpacket(packet);
    } else if (packet.type === PacketType.CONNECT) {
      // a second CONNECT for a connected namespace: socket.io closes the session; one while the first is still
      // running its middlewares is ignored (socket.io would run a second socket through them)
      if (socket !== undefined) this.#forceClose();
      else this.#onconnect(packet.nsp, (packet.data as Record<string, unknown> | undefined) ?? {});
    } else if (packet.type === PacketType.EVENT) {
      // an EVENT for a namespace this client has not joined: closed as socket.io does (gracefully: close packets)
      this.#forceClose();
    }
    // an ACK or DISCONNECT for a namespace not joined (the late half of a race with a server-side disconnect):
    // ignored, where socket.io closes the whole session
  }

  /** socket.io's answer to a packet out of sequence: engine.io's graceful close; sockets left get "forced server close". */
  #forceClose(): void {
    this.conn.close();
    this.#closeSockets(DisconnectReason.FORCED_SERVER_CLOSE);
  }

  #onconnect(name: string, auth: Record<string, unknown>): void {
    if (this.#connecting?.has(name) === true) return;
    if (this.namespaceCount >= this.#context.maxNamespacesPerConnection) {
      this.close(DisconnectReason.PARSE_ERROR, new RoomcastError("ERR_TOO_MANY_NAMESPACES", "too many namespaces on one connection"));
      return;
    }
    (this.#connecting ??= new Set()).add(name);
    this.#context
      .resolveNamespace(name, auth)
      .then((nsp) => {
        if (!this.isOpen) return;
        if (nsp === undefined) {
          this.#doneConnecting(name);
          this.writePacket({ type: PacketType.CONNECT_ERROR, nsp: name, data: { message: "Invalid namespace" } });
          return;
        }
        return nsp.add(this, auth);
      })
      .catch((err: unknown) => {
        this.#doneConnecting(name);
        this.#context.reportError(err, "namespace connection");
      });
  }

  #onclose(reason: string, description?: unknown): void {
    releaseSession(this.conn.request);
    if (this.#connectTimer !== undefined) clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    this.#pressure?.stop();
    this.#pressure = undefined;
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
