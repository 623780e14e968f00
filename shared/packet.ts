/**
 * Socket.IO v5 packet model. One packet = one Engine.IO "message" (plus its binary attachments).
 * Spec: socket.io-protocol v5 (`<type>[<attachments>-][<nsp>,][<ack id>][<JSON>]`).
 */
export const PacketType = {
  CONNECT: 0,
  DISCONNECT: 1,
  EVENT: 2,
  ACK: 3,
  CONNECT_ERROR: 4,
  BINARY_EVENT: 5,
  BINARY_ACK: 6,
} as const;
export type PacketType = (typeof PacketType)[keyof typeof PacketType];

/** A decoded packet. Binary packets come out of the decoder as EVENT / ACK with their buffers in place. */
export interface Packet {
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
