/**
 * Packet → wire. A packet becomes one text frame, followed by one binary frame per attachment.
 */
import { deconstruct, hasBinary, type BinaryLike } from "./binary.js";
import { PacketType, type Packet } from "./packet.js";

/** The frames of one encoded packet: the text header/JSON first, then the attachments in order. */
export type EncodedPacket = [string, ...BinaryLike[]];

/**
 * Packet → wire: the text frame, then one frame per binary attachment (binary EVENT / ACK become BINARY_EVENT /
 * BINARY_ACK).
 *
 * @example
 * ```ts
 * encodePacket({ type: PacketType.EVENT, nsp: "/chat", id: 7, data: ["hello"] }); // ['2/chat,7["hello"]']
 * ```
 */
export function encodePacket(packet: Packet): EncodedPacket {
  const { type, data } = packet;
  if ((type === PacketType.EVENT || type === PacketType.ACK) && hasBinary(data)) {
    const attachments: BinaryLike[] = [];
    const json = deconstruct(data, attachments);
    const binaryType = type === PacketType.EVENT ? PacketType.BINARY_EVENT : PacketType.BINARY_ACK;
    return [header(binaryType, packet.nsp, packet.id, attachments.length) + JSON.stringify(json), ...attachments];
  }
  const text = header(type, packet.nsp, packet.id, 0);
  return [data === undefined ? text : text + JSON.stringify(data)];
}

/** Encodes a packet known to carry no binary (the caller checked): one string, no array. */
export function encodeText(packet: Packet): string {
  const text = header(packet.type, packet.nsp, packet.id, 0);
  return packet.data === undefined ? text : text + JSON.stringify(packet.data);
}

function header(type: number, nsp: string, id: number | undefined, attachments: number): string {
  let out = String(type);
  if (attachments > 0) out += attachments + "-";
  if (nsp !== "/" && nsp !== "") out += nsp + ",";
  if (id !== undefined) out += id;
  return out;
}
