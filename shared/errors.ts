/**
 * Stable error codes for everything the codec and the connection layer refuse.
 * Each one closes the offending connection with the Socket.IO reason "parse error".
 * The codec throws them as string literals (checked against the ProtocolErrorCode type), so this table stays out of
 * the client's browser bundle.
 */
export const ProtocolErrorCode = {
  /** The first character is not a known packet type. */
  UNKNOWN_TYPE: "ERR_UNKNOWN_TYPE",
  /** The attachment count of a binary packet is missing, not a positive integer or not followed by "-". */
  BAD_ATTACHMENTS: "ERR_BAD_ATTACHMENTS",
  /** More attachments announced than the decoder's `maxAttachments` cap. */
  TOO_MANY_ATTACHMENTS: "ERR_TOO_MANY_ATTACHMENTS",
  /** A placeholder points outside the attachments received, or is malformed. */
  BAD_PLACEHOLDER: "ERR_BAD_PLACEHOLDER",
  /** The namespace is not of the form "/name" or is too long. */
  BAD_NAMESPACE: "ERR_BAD_NAMESPACE",
  /** The ack id is not an integer in [0, 2^31 - 1]. */
  BAD_ACK_ID: "ERR_BAD_ACK_ID",
  /** The JSON payload does not parse. */
  BAD_JSON: "ERR_BAD_JSON",
  /** The payload has the wrong shape for the packet type (e.g. an event that is not a non-empty array). */
  BAD_PAYLOAD: "ERR_BAD_PAYLOAD",
  /** A binary frame arrived while no binary packet was awaiting attachments. */
  UNEXPECTED_BINARY: "ERR_UNEXPECTED_BINARY",
  /** A text frame arrived while a binary packet was still awaiting attachments. */
  UNEXPECTED_TEXT: "ERR_UNEXPECTED_TEXT",
  /** The payload nests deeper than the decoder allows. */
  TOO_DEEP: "ERR_TOO_DEEP",
} as const;
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

export class ProtocolError extends Error {
  declare readonly code: ProtocolErrorCode;
  constructor(code: ProtocolErrorCode, message: string) {
    super(message);
    this.name = "ProtocolError";
    this.code = code;
  }
}

/** Turns anything thrown into an Error without ever leaking a stack or a non-Error over the wire. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === "string") return new Error(value);
  try {
    return new Error(JSON.stringify(value) ?? String(value));
  } catch {
    return new Error(String(value));
  }
}
