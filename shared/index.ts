/**
 * roomcast/shared: what the server and the client share: the Socket.IO v5 packet codec ({@link encodePacket},
 * {@link Decoder}), roomcast's errors (every one has a stable `code`: {@link ErrorCode}, {@link RoomcastError},
 * {@link ProtocolError}), and the typed-event helpers (event maps, {@link EventContract}).
 *
 * @module roomcast/shared
 */
export { PacketType, RESERVED_EVENTS, MAX_ACK_ID, type Packet } from "./packet.js";
export { encodePacket, encodeText, type EncodedPacket } from "./encoder.js";
export { Decoder, DEFAULT_MAX_ATTACHMENTS, DEFAULT_MAX_NAMESPACE_LENGTH, type DecoderOptions } from "./decoder.js";
export { isBinary, hasBinary, type BinaryLike } from "./binary.js";
export {
  ErrorCode,
  ProtocolError,
  ProtocolErrorCode,
  RoomcastError,
  toError,
  type CodedError,
} from "./errors.js";
export type * from "./typed-events.js";
