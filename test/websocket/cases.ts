/**
 * The conformance case table: what a client sends (its byte stream, frame by frame) and exactly what the server's
 * frame reader must report for it — messages, pings, pongs, then the peer's close frame or the failure (close code
 * and ERR_WS_* code) — in the categories of the Autobahn|Testsuite (RFC 6455 §5, §7, §8, §10). Written for roomcast;
 * the byte sequences are ours. Run twice: conformance.test.ts feeds each case to a FrameReader in every chunking,
 * conformance-tcp.test.ts sends it to a ServerWebSocket over loopback TCP.
 *
 * Where roomcast knowingly differs from ws, the case says so in `note` and expects roomcast's behaviour.
 */
import { WebSocketErrorCode as Err } from "../../server/engine/websocket/reader.js";
import { E, F, OP, binaryData, frame, utf8Text } from "./wire.js";
import { utf8Cases } from "./utf8-cases.js";

export type Category = "1 framing" | "2 ping/pong" | "3 reserved bits" | "4 opcodes" | "5 fragmentation" | "6 UTF-8" | "7 close" | "9 limits";

export interface Limits {
  /** Largest message (0: no limit). */
  maxPayload: number;
  /** Most frames per message (undefined: the reader's default, 16,384). */
  maxFragments?: number;
}

/** The limits a case runs with unless it says otherwise (room for the 2 MiB cases). */
export const DEFAULT_LIMITS: Limits = { maxPayload: 4 * 1024 * 1024 };

/** Streams longer than this are not split at every byte boundary (the case must say `sampled`). */
export const EVERY_SPLIT_LIMIT = 16 * 1024;

export interface CaseInput {
  id: string;
  name: string;
  /** RFC 6455 section(s). */
  rfc: string;
  /** The client's byte stream, frame by frame (a "frame" may be a bad one, or bytes that never form one). */
  frames: Buffer[];
  /** Expected events in order (`E.*`); the last is the close or the failure, if any. */
  events: string[];
  limits?: Limits;
  /** The stream is long: it is split at every boundary in and around frame headers and at sampled payload boundaries. */
  sampled?: boolean;
  /** The stream ends inside a fragmented message (the connection is open but not at a message boundary). */
  unfinished?: boolean;
  /** A deliberate difference from ws, or what the case relies on. */
  note?: string;
}

export interface Case extends Required<Omit<CaseInput, "note">> {
  category: Category;
  note: string | undefined;
  /** The whole stream. */
  bytes: Buffer;
  /** Where each frame starts in `bytes`. */
  starts: number[];
  /** How the case ends: the connection stays open, the peer closed it, or it was failed. */
  end: "open" | "close" | "fail";
}

export const cases: Case[] = [];

function add(category: Category, input: CaseInput): void {
  if (cases.some((c) => c.id === input.id)) throw new Error(`duplicate case id ${input.id}`);
  const bytes = Buffer.concat(input.frames);
  const sampled = input.sampled ?? false;
  if (bytes.length > EVERY_SPLIT_LIMIT && !sampled) throw new Error(`case ${input.id}: ${bytes.length} bytes must be marked sampled`);
  const starts: number[] = [];
  let at = 0;
  for (const f of input.frames) {
    starts.push(at);
    at += f.length;
  }
  const last = input.events.at(-1) ?? "";
  const end = last.startsWith("close ") ? "close" : last.startsWith("fail ") ? "fail" : "open";
  cases.push({
    limits: DEFAULT_LIMITS,
    unfinished: false,
    ...input,
    sampled,
    note: input.note,
    category,
    bytes,
    starts,
    end,
  });
}

const section =
  (category: Category) =>
  (input: CaseInput): void =>
    add(category, input);

const fin0 = { fin: false } as const;

// ---- 1 framing (§5.2): every length encoding, text and binary, several frames per stream --------------------------

const framing = section("1 framing");
const LENGTHS = [0, 125, 126, 127, 128, 65535, 65536];
for (const [i, n] of LENGTHS.entries()) {
  const text = utf8Text(n);
  const data = binaryData(n, i);
  const sampled = n > 1024;
  const how = n < 126 ? "7-bit length" : n < 65536 ? "16-bit length" : "64-bit length";
  framing({ id: `1.1.${i + 1}`, name: `text message of ${n} bytes (${how})`, rfc: "§5.2, §5.6", frames: [F.text(text)], events: [E.text(text)], sampled });
  framing({ id: `1.2.${i + 1}`, name: `binary message of ${n} bytes (${how})`, rfc: "§5.2, §5.6", frames: [F.binary(data)], events: [E.binary(data)], sampled });
}
{
  const mib = utf8Text(1 << 20);
  framing({ id: "1.3.1", name: "text message of 1 MiB", rfc: "§5.2", frames: [F.text(mib)], events: [E.text(mib)], sampled: true });
  const two = binaryData(2 << 20, 7);
  framing({ id: "1.3.2", name: "binary message of 2 MiB", rfc: "§5.2", frames: [F.binary(two)], events: [E.binary(two)], sampled: true });
  const odd = binaryData((1 << 20) + 1, 3);
  framing({ id: "1.3.3", name: "binary message of 1 MiB + 1 byte", rfc: "§5.2", frames: [F.binary(odd)], events: [E.binary(odd)], sampled: true });
}
framing({
  id: "1.4.1",
  name: "five messages in one stream: text, binary, empty text, empty binary, text",
  rfc: "§5.6",
  frames: [F.text("one"), F.binary(Buffer.from([0, 1, 2])), F.text(""), F.binary(Buffer.alloc(0)), F.text("fünf")],
  events: [E.text("one"), E.binary(Buffer.from([0, 1, 2])), E.text(""), E.binary(Buffer.alloc(0)), E.text("fünf")],
});
framing({
  id: "1.4.2",
  name: "a 5-byte text with a 16-bit length field, then one with a 64-bit length field (not the shortest encoding)",
  rfc: "§5.2",
  frames: [F.text("short", { lengthField: 16 }), F.text("tiny!", { lengthField: 64 })],
  events: [E.text("short"), E.text("tiny!")],
  note: "§5.2's shortest-length rule binds senders; roomcast accepts a longer encoding (as ws does for data frames)",
});
framing({
  id: "1.4.3",
  name: "masking key 00 00 00 00 (the payload goes unchanged)",
  rfc: "§5.3",
  frames: [F.text("zero key", { key: [0, 0, 0, 0] }), F.binary(Buffer.from([0xff, 0]), { key: [0, 0, 0, 0] })],
  events: [E.text("zero key"), E.binary(Buffer.from([0xff, 0]))],
});
framing({
  id: "1.4.4",
  name: "binary message holding every byte value, masking key ff ff ff ff",
  rfc: "§5.3",
  frames: [F.binary(binaryData(256, 0), { key: [255, 255, 255, 255] })],
  events: [E.binary(binaryData(256, 0))],
});

// ---- 2 ping/pong (§5.5.2, §5.5.3) --------------------------------------------------------------------------------

const pings = section("2 ping/pong");
const b125 = binaryData(125, 9);
pings({ id: "2.1", name: "ping without payload", rfc: "§5.5.2", frames: [F.ping()], events: [E.ping()] });
pings({ id: "2.2", name: "ping with a text payload", rfc: "§5.5.2", frames: [F.ping("Hello, world!")], events: [E.ping("Hello, world!")] });
{
  const raw = Buffer.from([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff]);
  pings({ id: "2.3", name: "ping with a binary payload", rfc: "§5.5.2", frames: [F.ping(raw)], events: [E.ping(raw)] });
}
pings({ id: "2.4", name: "ping with a 125-byte payload", rfc: "§5.5", frames: [F.ping(b125)], events: [E.ping(b125)] });
pings({
  id: "2.5",
  name: "ping with a 126-byte payload fails (control frames carry at most 125 bytes)",
  rfc: "§5.5",
  frames: [F.ping(binaryData(126)), F.ping("after")],
  events: [E.fail(1002, Err.WS_BAD_CONTROL_FRAME)],
});
pings({
  id: "2.6",
  name: "ping of 125 bytes with a 16-bit length field fails from its first two bytes (not the minimal encoding)",
  rfc: "§5.2, §5.5",
  frames: [F.ping(b125, { lengthField: 16 }), F.ping("after")],
  events: [E.fail(1002, Err.WS_BAD_CONTROL_FRAME)],
  note: "as ws: a control frame whose 7-bit length is 126 or 127 fails (1002) whatever the extended length holds (§5.2 wants the minimal encoding, §5.5 at most 125 bytes)",
});
pings({ id: "2.7", name: "unsolicited pong without payload is reported and not answered", rfc: "§5.5.3", frames: [F.pong()], events: [E.pong()] });
pings({ id: "2.8", name: "unsolicited pong with payload", rfc: "§5.5.3", frames: [F.pong("unsolicited")], events: [E.pong("unsolicited")] });
pings({
  id: "2.9",
  name: "unsolicited pong, then a ping: only the ping is answered",
  rfc: "§5.5.3",
  frames: [F.pong("unsolicited"), F.ping("solicited")],
  events: [E.pong("unsolicited"), E.ping("solicited")],
});
{
  const ten = Array.from({ length: 10 }, (_, i) => `ping #${i}`);
  pings({ id: "2.10", name: "ten pings in a row, answered in order", rfc: "§5.5.2", frames: ten.map((p) => F.ping(p)), events: ten.map((p) => E.ping(p)) });
  const sizes = Array.from({ length: 126 }, (_, n) => binaryData(n, n));
  pings({
    id: "2.11",
    name: "126 pings with payloads of 0 to 125 bytes, answered in order",
    rfc: "§5.5.2",
    frames: sizes.map((p) => F.ping(p)),
    events: sizes.map((p) => E.ping(p)),
    sampled: true, // 8.6 KB: every split would be 8,600 chunkings of 126 frames; 2.1-2.4 split each kind at every byte
  });
}
pings({ id: "2.12", name: "pong with a 126-byte payload fails", rfc: "§5.5", frames: [F.pong(binaryData(126))], events: [E.fail(1002, Err.WS_BAD_CONTROL_FRAME)] });
pings({
  id: "2.13",
  name: "ping with a 64-bit length of 126 fails from its first two bytes",
  rfc: "§5.5",
  frames: [frame(OP.ping, Buffer.alloc(0), { length: 126, lengthField: 64 })],
  events: [E.fail(1002, Err.WS_BAD_CONTROL_FRAME)],
});
pings({
  id: "2.14",
  name: "pings and pongs between messages keep their order",
  rfc: "§5.5",
  frames: [F.text("a"), F.ping("1"), F.binary(Buffer.from([0xb])), F.pong("2"), F.ping("3"), F.text("c")],
  events: [E.text("a"), E.ping("1"), E.binary(Buffer.from([0xb])), E.pong("2"), E.ping("3"), E.text("c")],
});

// ---- 3 reserved bits (§5.2): every RSV combination on every frame kind ---------------------------------------------

const rsv = section("3 reserved bits");
const KINDS: Array<[string, (r: number) => Buffer[]]> = [
  ["text", (r) => [F.text("rsv", { rsv: r })]],
  ["binary", (r) => [F.binary(Buffer.from([1, 2]), { rsv: r })]],
  ["continuation", (r) => [F.text("frag", fin0), F.cont("ment", { rsv: r })]],
  ["ping", (r) => [F.ping("rsv", { rsv: r })]],
  ["pong", (r) => [F.pong("rsv", { rsv: r })]],
  ["close", (r) => [F.close(1000, "", { rsv: r })]],
];
for (const [k, [kind, bad]] of KINDS.entries()) {
  for (let r = 1; r <= 7; r++) {
    const bits = [4, 2, 1].filter((b) => r & b).map((b) => `RSV${b === 4 ? 1 : b === 2 ? 2 : 3}`);
    rsv({
      id: `3.${k + 1}.${r}`,
      name: `${kind} frame with ${bits.join("+")} after a good message; a ping behind it is not answered`,
      rfc: "§5.2",
      frames: [F.text("ok"), ...bad(r), F.ping("after")],
      events: [E.text("ok"), E.fail(1002, Err.WS_RSV_BITS)],
    });
  }
}

// ---- 4 opcodes (§5.2, §11.8): reserved data opcodes 3-7, reserved control opcodes 11-15 ----------------------------

const opcodes = section("4 opcodes");
for (const op of [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]) {
  const kind = op < 8 ? "data" : "control";
  const id = `4.${op < 8 ? 1 : 2}.${op}`;
  opcodes({ id: `${id}.1`, name: `reserved ${kind} opcode ${op}, empty payload`, rfc: "§5.2", frames: [frame(op)], events: [E.fail(1002, Err.WS_UNKNOWN_OPCODE)] });
  opcodes({
    id: `${id}.2`,
    name: `reserved ${kind} opcode ${op} with a payload after a good message, a ping behind it`,
    rfc: "§5.2",
    frames: [F.text("ok"), frame(op, "reserved"), F.ping("after")],
    events: [E.text("ok"), E.fail(1002, Err.WS_UNKNOWN_OPCODE)],
  });
  opcodes({
    id: `${id}.3`,
    name: `reserved ${kind} opcode ${op} between the fragments of a message`,
    rfc: "§5.2, §5.4",
    frames: [F.text("frag", fin0), frame(op, "x"), F.cont("ment")],
    events: [E.fail(1002, Err.WS_UNKNOWN_OPCODE)],
  });
}

// ---- 5 fragmentation (§5.4) --------------------------------------------------------------------------------------

const frag = section("5 fragmentation");
const badCtl = [E.fail(1002, Err.WS_BAD_CONTROL_FRAME)];
frag({ id: "5.1", name: "ping in two fragments", rfc: "§5.4, §5.5", frames: [F.ping("frag", fin0), F.cont("ment")], events: badCtl });
frag({ id: "5.2", name: "pong in two fragments", rfc: "§5.4, §5.5", frames: [F.pong("frag", fin0), F.cont("ment")], events: badCtl });
frag({ id: "5.3", name: "close in two fragments", rfc: "§5.4, §5.5", frames: [F.close(1000, "fr", fin0), F.cont("ag")], events: badCtl });
frag({ id: "5.4", name: "text in two fragments", rfc: "§5.4", frames: [F.text("frag", fin0), F.cont("ment")], events: [E.text("fragment")] });
frag({
  id: "5.5",
  name: "binary in two fragments",
  rfc: "§5.4",
  frames: [F.binary(Buffer.from([1, 2]), fin0), F.cont(Buffer.from([3]))],
  events: [E.binary(Buffer.from([1, 2, 3]))],
});
frag({
  id: "5.6",
  name: "text in two fragments with a ping between them: answered before the message ends",
  rfc: "§5.4, §5.5",
  frames: [F.text("frag", fin0), F.ping("between"), F.cont("ment")],
  events: [E.ping("between"), E.text("fragment")],
});
frag({
  id: "5.7",
  name: "text in two fragments with a pong between them",
  rfc: "§5.4, §5.5",
  frames: [F.text("frag", fin0), F.pong("between"), F.cont("ment")],
  events: [E.pong("between"), E.text("fragment")],
});
frag({
  id: "5.8",
  name: "text in five fragments with pings after the second and the fourth",
  rfc: "§5.4",
  frames: [F.text("f1", fin0), F.cont("f2", fin0), F.ping("p1"), F.cont("f3", fin0), F.cont("f4", fin0), F.ping("p2"), F.cont("f5")],
  events: [E.ping("p1"), E.ping("p2"), E.text("f1f2f3f4f5")],
});
const badCont = [E.fail(1002, Err.WS_BAD_CONTINUATION)];
frag({ id: "5.9", name: "final continuation with no message to continue", rfc: "§5.4", frames: [F.cont("nothing")], events: badCont });
frag({ id: "5.10", name: "non-final continuation with no message to continue", rfc: "§5.4", frames: [F.cont("nothing", fin0)], events: badCont });
frag({
  id: "5.11",
  name: "a fragmented message, then a continuation with nothing to continue, then a text",
  rfc: "§5.4",
  frames: [F.text("one", fin0), F.cont("two"), F.cont("three", fin0), F.text("four")],
  events: [E.text("onetwo"), ...badCont],
});
frag({ id: "5.12", name: "a text message begun inside a fragmented text", rfc: "§5.4", frames: [F.text("a", fin0), F.text("b")], events: badCont });
frag({ id: "5.13", name: "a non-final binary inside a fragmented text", rfc: "§5.4", frames: [F.text("a", fin0), F.binary(Buffer.from([1]), fin0)], events: badCont });
frag({ id: "5.14", name: "a text inside a fragmented binary", rfc: "§5.4", frames: [F.binary(Buffer.from([1]), fin0), F.text("b")], events: badCont });
frag({ id: "5.15", name: "empty first fragment", rfc: "§5.4", frames: [F.text("", fin0), F.cont("abc")], events: [E.text("abc")] });
frag({ id: "5.16", name: "empty middle fragment", rfc: "§5.4", frames: [F.text("ab", fin0), F.cont("", fin0), F.cont("c")], events: [E.text("abc")] });
frag({ id: "5.17", name: "empty final fragment", rfc: "§5.4", frames: [F.text("ab", fin0), F.cont("c", fin0), F.cont("")], events: [E.text("abc")] });
frag({ id: "5.18", name: "text of three empty fragments", rfc: "§5.4", frames: [F.text("", fin0), F.cont("", fin0), F.cont("")], events: [E.text("")] });
frag({
  id: "5.19",
  name: "binary of two empty fragments",
  rfc: "§5.4",
  frames: [F.binary(Buffer.alloc(0), fin0), F.cont("")],
  events: [E.binary(Buffer.alloc(0))],
});
frag({
  id: "5.20",
  name: "a close between fragments: the unfinished message is never delivered, its last fragment not read",
  rfc: "§5.4, §7.1.5",
  frames: [F.text("frag", fin0), F.close(1000, "mid-message"), F.cont("ment")],
  events: [E.close(1000, "mid-message")],
});
{
  const letters = "twenty one fragments";
  frag({
    id: "5.21",
    name: "text in one-byte fragments",
    rfc: "§5.4",
    frames: [...letters].map((ch, i) => (i === 0 ? F.text(ch, fin0) : F.cont(ch, i === letters.length - 1 ? {} : fin0))),
    events: [E.text(letters)],
  });
}
frag({
  id: "5.22",
  name: "two fragmented messages back to back (text in three, binary in two)",
  rfc: "§5.4",
  frames: [F.text("a", fin0), F.cont("b", fin0), F.cont("c"), F.binary(Buffer.from([0xd]), fin0), F.cont(Buffer.from([0xe]))],
  events: [E.text("abc"), E.binary(Buffer.from([0xd, 0xe]))],
});
{
  const [a, b, c] = [utf8Text(125), utf8Text(126), utf8Text(65536)];
  frag({
    id: "5.23",
    name: "fragments with 7-, 16- and 64-bit lengths (125 + 126 + 65,536 bytes), a ping between each",
    rfc: "§5.2, §5.4",
    frames: [F.text(a, fin0), F.ping("1"), F.cont(b, fin0), F.ping("2"), F.cont(c)],
    events: [E.ping("1"), E.ping("2"), E.text(Buffer.concat([a, b, c]))],
    sampled: true,
  });
  const two = binaryData(2 << 20, 5);
  frag({
    id: "5.24",
    name: "binary of 2 MiB in four 512 KiB fragments",
    rfc: "§5.4",
    frames: [0, 1, 2, 3].map((i) => (i === 0 ? F.binary : F.cont)(two.subarray(i << 19, (i + 1) << 19), i === 3 ? {} : fin0)),
    events: [E.binary(two)],
    sampled: true,
  });
}

// ---- 6 UTF-8 (§5.6, §8.1) ----------------------------------------------------------------------------------------

for (const c of utf8Cases()) add("6 UTF-8", c);

// ---- 7 close (§5.5.1, §7.1, §7.4) --------------------------------------------------------------------------------

const close = section("7 close");
close({ id: "7.1.1", name: "a message, then close 1000", rfc: "§7.1.2", frames: [F.text("last"), F.close(1000)], events: [E.text("last"), E.close(1000)] });
close({ id: "7.1.2", name: "two close frames: the second is not read", rfc: "§5.5.1", frames: [F.close(1000), F.close(1001)], events: [E.close(1000)] });
close({ id: "7.1.3", name: "a ping after the close frame is not answered", rfc: "§5.5.1", frames: [F.close(1000), F.ping("late")], events: [E.close(1000)] });
close({ id: "7.1.4", name: "a text after the close frame is not delivered", rfc: "§5.5.1", frames: [F.close(1000), F.text("late")], events: [E.close(1000)] });
close({
  id: "7.1.5",
  name: "bytes after the close frame are not parsed (an unmasked frame with RSV bits and a reserved opcode)",
  rfc: "§5.5.1",
  frames: [F.close(1001, "bye"), frame(5, "junk", { masked: false, rsv: 7 }), Buffer.from([0xff, 0xff, 0xff])],
  events: [E.close(1001, "bye")],
});
close({ id: "7.3.1", name: "empty close frame (no code: 1005)", rfc: "§5.5.1, §7.1.5", frames: [F.close()], events: [E.close(1005)] });
close({
  id: "7.3.2",
  name: "close frame with a 1-byte payload",
  rfc: "§5.5.1",
  frames: [frame(OP.close, Buffer.from([0x03]))],
  events: [E.fail(1002, Err.WS_BAD_CLOSE_FRAME)],
});
close({ id: "7.3.3", name: "close 1000 with no reason", rfc: "§5.5.1", frames: [F.close(1000)], events: [E.close(1000)] });
close({ id: "7.3.4", name: "close 1000 with a reason", rfc: "§5.5.1", frames: [F.close(1000, "Hello World!")], events: [E.close(1000, "Hello World!")] });
{
  const ascii = "r".repeat(123);
  const euros = "€".repeat(41); // 123 bytes, every code point 3 bytes
  close({ id: "7.3.5", name: "close with a 123-byte reason (the largest)", rfc: "§5.5", frames: [F.close(1000, ascii)], events: [E.close(1000, ascii)] });
  close({ id: "7.3.6", name: "close with a 123-byte reason of 3-byte code points", rfc: "§5.5", frames: [F.close(1000, euros)], events: [E.close(1000, euros)] });
  close({
    id: "7.3.7",
    name: "close with a 124-byte reason (a 126-byte payload) fails",
    rfc: "§5.5",
    frames: [F.close(1000, ascii + "r")],
    events: [E.fail(1002, Err.WS_BAD_CONTROL_FRAME)],
  });
}
close({ id: "7.3.8", name: "close reason with 2-, 3- and 4-byte code points", rfc: "§5.5.1", frames: [F.close(4000, "κόσμε € 😀")], events: [E.close(4000, "κόσμε € 😀")] });
{
  const kosme = Buffer.from("κόσμε", "utf8");
  const reasons: Array<[string, Buffer]> = [
    ["a surrogate (ED A0 80)", Buffer.concat([kosme, Buffer.from([0xed, 0xa0, 0x80]), Buffer.from("edited")])],
    ["a truncated € (E2 82)", Buffer.from([0x61, 0xe2, 0x82])],
    ["an overlong '/' (C0 AF)", Buffer.from([0xc0, 0xaf])],
    ["a stray continuation byte (80)", Buffer.from([0x6f, 0x6b, 0x80])],
  ];
  for (const [i, [what, reason]] of reasons.entries()) {
    close({
      id: `7.5.${i + 1}`,
      name: `close reason that is not UTF-8: ${what}`,
      rfc: "§5.5.1, §8.1",
      frames: [F.close(1000, reason)],
      events: [E.fail(1007, Err.WS_INVALID_UTF8)],
    });
  }
}
for (const [i, code] of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999].entries()) {
  close({ id: `7.7.${i + 1}`, name: `close code ${code} (valid)`, rfc: "§7.4", frames: [F.close(code, "code")], events: [E.close(code, "code")] });
}
for (const [i, code] of [0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535].entries()) {
  close({
    id: `7.9.${i + 1}`,
    name: `close code ${code} (may not be sent)`,
    rfc: "§7.4",
    frames: [F.close(code, "code")],
    events: [E.fail(1002, Err.WS_BAD_CLOSE_FRAME)],
  });
}

// ---- 9 limits (§10.4) and masking (§5.1, §5.3) -------------------------------------------------------------------

const limits = section("9 limits");
const small: Limits = { maxPayload: 1000 };
const tooBig = E.fail(1009, Err.WS_TOO_BIG);
limits({ id: "9.1.1", name: "text of exactly maxPayload (1000)", rfc: "§10.4", frames: [F.text(utf8Text(1000))], events: [E.text(utf8Text(1000))], limits: small });
limits({ id: "9.1.2", name: "text of maxPayload + 1", rfc: "§10.4", frames: [F.text(utf8Text(1001))], events: [tooBig], limits: small });
limits({
  id: "9.1.3",
  name: "a header announcing maxPayload + 1 fails before any payload byte",
  rfc: "§10.4",
  frames: [frame(OP.binary, Buffer.alloc(0), { length: 1001 })],
  events: [tooBig],
  limits: small,
});
{
  const [a, b, c] = [binaryData(400, 1), binaryData(400, 2), binaryData(200, 3)];
  limits({
    id: "9.1.4",
    name: "maxPayload exactly, summed over three fragments (400 + 400 + 200)",
    rfc: "§10.4",
    frames: [F.binary(a, fin0), F.cont(b, fin0), F.cont(c)],
    events: [E.binary(Buffer.concat([a, b, c]))],
    limits: small,
  });
  limits({
    id: "9.1.5",
    name: "maxPayload + 1 summed over fragments (400 + 400 + 201): fails at the third header; a ping before it answered",
    rfc: "§10.4",
    frames: [F.binary(a, fin0), F.cont(b, fin0), F.ping("before"), F.cont(binaryData(201, 3))],
    events: [E.ping("before"), tooBig],
    limits: small,
  });
  limits({
    id: "9.1.6",
    name: "maxPayload, then an empty final fragment (empty fragments add nothing)",
    rfc: "§10.4",
    frames: [F.binary(binaryData(1000), fin0), F.cont("")],
    events: [E.binary(binaryData(1000))],
    limits: small,
  });
  limits({
    id: "9.1.7",
    name: "maxPayload, then a 1-byte final fragment",
    rfc: "§10.4",
    frames: [F.binary(binaryData(1000), fin0), F.cont("x")],
    events: [tooBig],
    limits: small,
  });
}
limits({
  id: "9.1.8",
  name: "a ping of 125 bytes under maxPayload 100 is answered (control frames are bounded by 125 bytes, not maxPayload)",
  rfc: "§5.5",
  frames: [F.ping(b125)],
  events: [E.ping(b125)],
  limits: { maxPayload: 100 },
});
const unlimited: Limits = { maxPayload: 0 };
for (const [i, [what, length]] of (
  [
    ["2^53 (over 2^53 - 1)", 2n ** 53n],
    ["2^63 (most significant bit set)", 2n ** 63n],
    ["2^64 - 1", 2n ** 64n - 1n],
  ] as const
).entries()) {
  limits({
    id: `9.1.${9 + i}`,
    name: `64-bit length ${what} with no maxPayload: fails from the header`,
    rfc: "§5.2, §10.4",
    frames: [frame(OP.binary, Buffer.alloc(0), { length, lengthField: 64 })],
    events: [tooBig],
    limits: unlimited,
  });
}
{
  /** A text message "a…b" in `n` frames: "a", n - 2 empty continuations, "b". */
  const inFrames = (n: number): Buffer[] => [F.text("a", fin0), ...Array.from({ length: n - 2 }, () => F.cont("", fin0)), F.cont("b")];
  const tooMany = E.fail(1008, Err.WS_TOO_MANY_FRAGMENTS);
  limits({ id: "9.2.1", name: "a message in 16,384 frames (the default maxFragments)", rfc: "§10.4", frames: inFrames(16_384), events: [E.text("ab")], sampled: true });
  limits({ id: "9.2.2", name: "a message in 16,385 frames", rfc: "§10.4", frames: inFrames(16_385), events: [tooMany], sampled: true });
  const four: Limits = { maxPayload: 1000, maxFragments: 4 };
  limits({ id: "9.2.3", name: "maxFragments 4: a message in 4 frames", rfc: "§10.4", frames: inFrames(4), events: [E.text("ab")], limits: four });
  limits({ id: "9.2.4", name: "maxFragments 4: a message in 5 frames", rfc: "§10.4", frames: inFrames(5), events: [tooMany], limits: four });
  limits({
    id: "9.2.5",
    name: "maxFragments 4: pings between the fragments do not count",
    rfc: "§10.4",
    frames: [F.text("a", fin0), F.ping("1"), F.cont("", fin0), F.ping("2"), F.cont("", fin0), F.ping("3"), F.cont("b")],
    events: [E.ping("1"), E.ping("2"), E.ping("3"), E.text("ab")],
    limits: four,
  });
}
const unmasked = { masked: false } as const;
const notMasked = [E.fail(1002, Err.WS_UNMASKED)];
const UNMASKED: Array<[string, Buffer[], string[]?]> = [
  ["text", [F.text("plain", unmasked)]],
  ["empty text", [F.text("", unmasked)]],
  ["binary", [F.binary(Buffer.from([1]), unmasked)]],
  ["continuation", [F.text("masked", fin0), F.cont("plain", unmasked)]],
  ["ping (not answered)", [F.ping("plain", unmasked)]],
  ["pong", [F.pong("plain", unmasked)]],
  ["close", [F.close(1000, "", unmasked)]],
  ["text after a masked one", [F.text("masked"), F.text("plain", unmasked)], [E.text("masked")]],
];
for (const [i, [what, frames, before = []]] of UNMASKED.entries()) {
  limits({ id: `9.3.${i + 1}`, name: `unmasked ${what}`, rfc: "§5.1, §5.3", frames, events: [...before, ...notMasked] });
}
