/**
 * Malformed Socket.IO frames and the ProtocolError code each must raise. Shared by the codec tests
 * (test/shared/codec-errors.test.ts) and the live-connection tests (test/protocol/malformed.test.ts): every frame
 * but the last is accepted; the last one is refused. All target the main namespace "/".
 */
import { ProtocolErrorCode as Code } from "../../shared/errors.js";

export interface MalformedCase {
  name: string;
  frames: Array<string | Buffer>;
  code: Code;
}

const ph = (num: unknown) => `{"_placeholder":true,"num":${JSON.stringify(num)}}`;
const deep = (n: number, inner = "1") => "[".repeat(n) + inner + "]".repeat(n);
const one = Buffer.from([1, 2, 3]);

export const MALFORMED: readonly MalformedCase[] = [
  // packet type
  { name: "unknown type 7", frames: ['7["e"]'], code: Code.UNKNOWN_TYPE },
  { name: "unknown type letter", frames: ['x["e"]'], code: Code.UNKNOWN_TYPE },
  { name: "empty frame", frames: [""], code: Code.UNKNOWN_TYPE },
  // attachments
  { name: "attachment count missing", frames: ['5-["e",' + ph(0) + "]"], code: Code.BAD_ATTACHMENTS },
  { name: "attachment count not a number", frames: ['5a-["e",' + ph(0) + "]"], code: Code.BAD_ATTACHMENTS },
  { name: "attachment count zero", frames: ['50-["e"]'], code: Code.BAD_ATTACHMENTS },
  { name: "attachment count without dash", frames: ['51["e",' + ph(0) + "]"], code: Code.BAD_ATTACHMENTS },
  { name: "attachment count of 7 digits", frames: ["61000000-[]"], code: Code.BAD_ATTACHMENTS },
  { name: "too many attachments", frames: ['511-["e",' + ph(0) + "]"], code: Code.TOO_MANY_ATTACHMENTS },
  // placeholders
  { name: "placeholder out of range", frames: ['51-["e",' + ph(1) + "]", one], code: Code.BAD_PLACEHOLDER },
  { name: "placeholder negative", frames: ['51-["e",' + ph(-1) + "]", one], code: Code.BAD_PLACEHOLDER },
  { name: "placeholder num is a string", frames: ['51-["e",' + ph("0") + "]", one], code: Code.BAD_PLACEHOLDER },
  { name: "placeholder num not an integer", frames: ['51-["e",' + ph(0.5) + "]", one], code: Code.BAD_PLACEHOLDER },
  { name: "placeholder without num", frames: ['51-["e",{"_placeholder":true}]', one], code: Code.BAD_PLACEHOLDER },
  { name: "binary ack placeholder out of range", frames: ["61-3[" + ph(4) + "]", one], code: Code.BAD_PLACEHOLDER },
  // namespace
  { name: "namespace too long", frames: [`2/${"n".repeat(300)},["e"]`], code: Code.BAD_NAMESPACE },
  { name: "namespace without slash", frames: ['2chat,["e"]'], code: Code.BAD_NAMESPACE },
  // ack id
  { name: "ack id 2^31", frames: ['22147483648["e"]'], code: Code.BAD_ACK_ID },
  { name: "ack id of 12 digits", frames: ['2999999999999["e"]'], code: Code.BAD_ACK_ID },
  { name: "ack id not an integer", frames: ['21.5["e"]'], code: Code.BAD_ACK_ID },
  { name: "ack id with exponent", frames: ["31e3[]"], code: Code.BAD_ACK_ID },
  { name: "ack id negative", frames: ['2-1["e"]'], code: Code.BAD_ACK_ID },
  // JSON
  { name: "truncated JSON", frames: ['2["e"'], code: Code.BAD_JSON },
  { name: "single-quoted JSON", frames: ["2['e']"], code: Code.BAD_JSON },
  { name: "JSON with trailing garbage", frames: ['2["e"]x'], code: Code.BAD_JSON },
  { name: "bad JSON in a binary packet", frames: ['51-["e",' + ph(0)], code: Code.BAD_JSON },
  // payload shape
  { name: "event payload is an object", frames: ['2{"e":1}'], code: Code.BAD_PAYLOAD },
  { name: "event payload is a string", frames: ['2"e"'], code: Code.BAD_PAYLOAD },
  { name: "event payload is empty", frames: ["2[]"], code: Code.BAD_PAYLOAD },
  { name: "event without payload", frames: ["2"], code: Code.BAD_PAYLOAD },
  { name: "event name is null", frames: ["2[null]"], code: Code.BAD_PAYLOAD },
  { name: "event name is an object", frames: ['2[{"a":1}]'], code: Code.BAD_PAYLOAD },
  { name: "event name is a placeholder", frames: ["51-[" + ph(0) + "]"], code: Code.BAD_PAYLOAD },
  ...["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"].map((name) => ({
    name: `reserved event name "${name}"`,
    frames: [`2${JSON.stringify([name, 1])}`],
    code: Code.BAD_PAYLOAD,
  })),
  { name: "reserved event name in a binary event", frames: ['51-["disconnect",' + ph(0) + "]"], code: Code.BAD_PAYLOAD },
  { name: "ack without id", frames: ['3["r"]'], code: Code.BAD_PAYLOAD },
  { name: "binary ack without id", frames: ["61-[" + ph(0) + "]"], code: Code.BAD_PAYLOAD },
  { name: "ack payload not an array", frames: ['31{"r":1}'], code: Code.BAD_PAYLOAD },
  { name: "ack without payload", frames: ["31"], code: Code.BAD_PAYLOAD },
  { name: "connect payload is an array", frames: ["0[1]"], code: Code.BAD_PAYLOAD },
  { name: "connect with an ack id", frames: ["01{}"], code: Code.BAD_PAYLOAD },
  { name: "disconnect with a payload", frames: ['1{"a":1}'], code: Code.BAD_PAYLOAD },
  { name: "connect_error payload is a number", frames: ["41"], code: Code.BAD_PAYLOAD },
  // framing
  { name: "binary frame when none expected", frames: [one], code: Code.UNEXPECTED_BINARY },
  { name: "binary frame after a complete binary packet", frames: ['51-["e",' + ph(0) + "]", one, one], code: Code.UNEXPECTED_BINARY },
  { name: "text frame while awaiting attachments", frames: ['51-["e",' + ph(0) + "]", '2["e"]'], code: Code.UNEXPECTED_TEXT },
  { name: "text frame while awaiting the 2nd attachment", frames: ['52-["e",' + ph(0) + "," + ph(1) + "]", one, "2[1]"], code: Code.UNEXPECTED_TEXT },
  // nesting
  { name: "text payload nesting too deep", frames: [`2["e",${deep(150)}]`], code: Code.TOO_DEEP },
  { name: "very deep text payload", frames: [`2["e",${deep(100_000)}]`], code: Code.TOO_DEEP },
  { name: "object nesting too deep", frames: [`2["e",${'{"a":'.repeat(150)}1${"}".repeat(150)}]`], code: Code.TOO_DEEP },
  { name: "binary payload nesting too deep", frames: [`51-["e",${deep(150, ph(0))}]`], code: Code.TOO_DEEP },
];
