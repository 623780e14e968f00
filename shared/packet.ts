/**
 * Socket.IO v5 packet model. One packet = one Engine.IO "message" (plus its binary attachments).
 * Spec: socket.io-protocol v5 (`<type>[<attachments>-][<nsp>,][<ack id>][<JSON>]`).
 */
export const PacketType = {
  /** Join a namespace (client → server, with `auth`), or accepted (server → client, with `sid`). */
  CONNECT: 0,
  /** Leave a namespace. */
  DISCONNECT: 1,
  /** An event: `[name, ...args]`, with an ack id when an acknowledgement is wanted. */
  EVENT: 2,
  /** The answer to an EVENT's ack id. */
  ACK: 3,
  /** Joining was refused: `{ message, data? }`. */
  CONNECT_ERROR: 4,
  /** An EVENT with binary attachments (sent as separate frames). */
  BINARY_EVENT: 5,
  /** An ACK with binary attachments. */
  BINARY_ACK: 6,
} as const;
export type PacketType = (typeof PacketType)[keyof typeof PacketType];

/** A decoded packet. Binary packets come out of the decoder as EVENT / ACK with their buffers in place. */
export interface Packet {
  /** The packet type. */
  type: PacketType;
  /** Namespace, "/" when absent on the wire. */
  nsp: string;
  /** Ack id: present when the sender wants an acknowledgement (EVENT) or answers one (ACK). */
  id?: number;
  /** EVENT: [name, ...args]; ACK: args; CONNECT: auth / handshake object; CONNECT_ERROR: {message, data?}. */
  data?: unknown;
}

/** Event names a peer may never send: they are emitted locally by the library itself. */
export const RESERVED_EVENTS: ReadonlySet<string> = new Set([
  "connect",
  "connect_error",
  "disconnect",
  "disconnecting",
  "newListener",
  "removeListener",
]);

/** The highest ack id accepted on the wire (2^31 - 1). Larger ids are a protocol error. */
export const MAX_ACK_ID = 0x7fffffff;
