export { PacketType, RESERVED_EVENTS, MAX_ACK_ID, type Packet } from "./packet.js";
export { encodePacket, encodeText, type EncodedPacket } from "./encoder.js";
export { Decoder, DEFAULT_MAX_ATTACHMENTS, DEFAULT_MAX_NAMESPACE_LENGTH, type DecoderOptions } from "./decoder.js";
export { isBinary, hasBinary, type BinaryLike } from "./binary.js";
export { ProtocolError, ProtocolErrorCode, toError } from "./errors.js";
export type * from "./typed-events.js";
