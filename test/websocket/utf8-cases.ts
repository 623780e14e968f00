/**
 * Category 6 of the case table: text messages that are valid UTF-8 and ones that are not (§5.6, §8.1), after the
 * sections of Markus Kuhn's UTF-8 decoder stress test (byte sequences written out here). Every sequence is sent
 * twice: in one text frame, and in one-byte fragments (every code point split across fragments); the chunkings of
 * both runners split it across TCP chunks too.
 *
 * roomcast checks UTF-8 once per text message, when its last fragment arrives (as ws does): an invalid fragment
 * fails the connection with 1007 at the end of its message, not on arrival (6.4.x).
 */
import { WebSocketErrorCode as Err } from "../../server/engine/websocket/reader.js";
import type { CaseInput } from "./cases.js";
import { E, F } from "./wire.js";

const x = (...bytes: number[]): Buffer => Buffer.from(bytes);
const s = (text: string): Buffer => Buffer.from(text, "utf8");
/** Each byte of `bytes` followed by a space. */
const spaced = (bytes: number[]): Buffer => Buffer.from(bytes.flatMap((b) => [b, 0x20]));
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

type Sequence = [name: string, bytes: Buffer];

const VALID: Sequence[] = [
  ["κόσμε (Greek)", x(0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5)],
  ["Hello-µ@ßöäüàá-UTF-8!!", s("Hello-µ@ßöäüàá-UTF-8!!")],
  ["ASCII 00-7F, NUL included", Buffer.from(range(0, 0x7f))],
  ["first code point of each length: U+0000 U+0080 U+0800 U+10000", x(0x00, 0xc2, 0x80, 0xe0, 0xa0, 0x80, 0xf0, 0x90, 0x80, 0x80)],
  ["last code point of each length: U+007F U+07FF U+FFFF U+10FFFF", x(0x7f, 0xdf, 0xbf, 0xef, 0xbf, 0xbf, 0xf4, 0x8f, 0xbf, 0xbf)],
  ["U+D7FF (just below the surrogates)", x(0xed, 0x9f, 0xbf)],
  ["U+E000 (just above the surrogates)", x(0xee, 0x80, 0x80)],
  ["U+FFFD (replacement character)", x(0xef, 0xbf, 0xbd)],
  ["U+FEFF byte-order mark at the start (kept)", x(0xef, 0xbb, 0xbf, 0x61)],
  ["noncharacters U+FFFE U+FFFF U+FDD0 U+FDEF U+1FFFE U+10FFFE", x(0xef, 0xbf, 0xbe, 0xef, 0xbf, 0xbf, 0xef, 0xb7, 0x90, 0xef, 0xb7, 0xaf, 0xf0, 0x9f, 0xbf, 0xbe, 0xf4, 0x8f, 0xbf, 0xbe)],
  ["emoji with a skin-tone modifier and a ZWJ family", s("👍🏽 👨‍👩‍👧")],
  ["CJK and Devanagari", s("漢字 हिन्दी")],
];

const INVALID: Sequence[] = [
  // boundaries: 5- and 6-byte forms, beyond U+10FFFF
  ["first 5-byte sequence F8 88 80 80 80", x(0xf8, 0x88, 0x80, 0x80, 0x80)],
  ["first 6-byte sequence FC 84 80 80 80 80", x(0xfc, 0x84, 0x80, 0x80, 0x80, 0x80)],
  ["last 4-byte form F7 BF BF BF (U+1FFFFF)", x(0xf7, 0xbf, 0xbf, 0xbf)],
  ["last 5-byte form FB BF BF BF BF", x(0xfb, 0xbf, 0xbf, 0xbf, 0xbf)],
  ["last 6-byte form FD BF BF BF BF BF", x(0xfd, 0xbf, 0xbf, 0xbf, 0xbf, 0xbf)],
  ["U+110000 (F4 90 80 80)", x(0xf4, 0x90, 0x80, 0x80)],
  ["F5 80 80 80 (lead byte of nothing)", x(0xf5, 0x80, 0x80, 0x80)],
  // stray continuation bytes
  ["continuation byte 80", x(0x80)],
  ["continuation byte BF", x(0xbf)],
  ["continuation bytes 80 BF", x(0x80, 0xbf)],
  ["continuation bytes 80 BF 80", x(0x80, 0xbf, 0x80)],
  ["continuation bytes 80 BF 80 BF", x(0x80, 0xbf, 0x80, 0xbf)],
  ["continuation bytes 80 BF 80 BF 80 BF 80", x(0x80, 0xbf, 0x80, 0xbf, 0x80, 0xbf, 0x80)],
  ["all 64 continuation bytes 80-BF", Buffer.from(range(0x80, 0xbf))],
  ["a continuation byte after a complete code point (€ 80)", x(0xe2, 0x82, 0xac, 0x80)],
  ["a continuation byte after ASCII (a 80 b)", x(0x61, 0x80, 0x62)],
  // lonely start bytes
  ["every 2-byte lead C0-DF followed by a space", spaced(range(0xc0, 0xdf))],
  ["every 3-byte lead E0-EF followed by a space", spaced(range(0xe0, 0xef))],
  ["every 4-byte lead F0-F7 followed by a space", spaced(range(0xf0, 0xf7))],
  ["every 5-byte lead F8-FB followed by a space", spaced(range(0xf8, 0xfb))],
  ["6-byte leads FC FD followed by a space", spaced([0xfc, 0xfd])],
  ["C2 followed by a space", x(0xc2, 0x20)],
  ["E1 80 followed by a space", x(0xe1, 0x80, 0x20)],
  ["F1 80 80 followed by a space", x(0xf1, 0x80, 0x80, 0x20)],
  // sequences with their last byte missing, at the end of the message
  ["C0 (2-byte, last byte missing)", x(0xc0)],
  ["E0 80 (3-byte, last byte missing)", x(0xe0, 0x80)],
  ["F0 80 80 (4-byte, last byte missing)", x(0xf0, 0x80, 0x80)],
  ["F8 80 80 80 (5-byte, last byte missing)", x(0xf8, 0x80, 0x80, 0x80)],
  ["FC 80 80 80 80 (6-byte, last byte missing)", x(0xfc, 0x80, 0x80, 0x80, 0x80)],
  ["DF (U+07FF, last byte missing)", x(0xdf)],
  ["EF BF (U+FFFF, last byte missing)", x(0xef, 0xbf)],
  ["F7 BF BF (last byte missing)", x(0xf7, 0xbf, 0xbf)],
  ["C2 (U+0080 truncated)", x(0xc2)],
  ["E2 82 (€ truncated)", x(0x61, 0xe2, 0x82)],
  ["F0 9F 98 (😀 truncated)", x(0x61, 0xf0, 0x9f, 0x98)],
  ["F0 9F (😀 truncated after 2 bytes), then ASCII", x(0xf0, 0x9f, 0x61)],
  ["the ten truncated sequences concatenated", x(0xc0, 0xe0, 0x80, 0xf0, 0x80, 0x80, 0xf8, 0x80, 0x80, 0x80, 0xfc, 0x80, 0x80, 0x80, 0x80, 0xdf, 0xef, 0xbf, 0xf7, 0xbf, 0xbf, 0xfb, 0xbf, 0xbf, 0xbf, 0xfd, 0xbf, 0xbf, 0xbf, 0xbf)],
  // impossible bytes
  ["FE", x(0xfe)],
  ["FF", x(0xff)],
  ["FE FE FF FF", x(0xfe, 0xfe, 0xff, 0xff)],
  // overlong forms
  ["overlong '/' C0 AF", x(0xc0, 0xaf)],
  ["overlong '/' E0 80 AF", x(0xe0, 0x80, 0xaf)],
  ["overlong '/' F0 80 80 AF", x(0xf0, 0x80, 0x80, 0xaf)],
  ["overlong '/' F8 80 80 80 AF", x(0xf8, 0x80, 0x80, 0x80, 0xaf)],
  ["overlong '/' FC 80 80 80 80 AF", x(0xfc, 0x80, 0x80, 0x80, 0x80, 0xaf)],
  ["largest overlong 2-byte C1 BF", x(0xc1, 0xbf)],
  ["largest overlong 3-byte E0 9F BF", x(0xe0, 0x9f, 0xbf)],
  ["largest overlong 4-byte F0 8F BF BF", x(0xf0, 0x8f, 0xbf, 0xbf)],
  ["largest overlong 5-byte F8 87 BF BF BF", x(0xf8, 0x87, 0xbf, 0xbf, 0xbf)],
  ["largest overlong 6-byte FC 83 BF BF BF BF", x(0xfc, 0x83, 0xbf, 0xbf, 0xbf, 0xbf)],
  ["overlong NUL C0 80", x(0xc0, 0x80)],
  ["overlong NUL E0 80 80", x(0xe0, 0x80, 0x80)],
  ["overlong NUL F0 80 80 80", x(0xf0, 0x80, 0x80, 0x80)],
  ["overlong NUL F8 80 80 80 80", x(0xf8, 0x80, 0x80, 0x80, 0x80)],
  ["overlong NUL FC 80 80 80 80 80", x(0xfc, 0x80, 0x80, 0x80, 0x80, 0x80)],
  // UTF-16 surrogates, alone and paired (CESU-8)
  ["surrogate U+D800", x(0xed, 0xa0, 0x80)],
  ["surrogate U+DB7F", x(0xed, 0xad, 0xbf)],
  ["surrogate U+DB80", x(0xed, 0xae, 0x80)],
  ["surrogate U+DBFF", x(0xed, 0xaf, 0xbf)],
  ["surrogate U+DC00", x(0xed, 0xb0, 0x80)],
  ["surrogate U+DF80", x(0xed, 0xbe, 0x80)],
  ["surrogate U+DFFF", x(0xed, 0xbf, 0xbf)],
  ["surrogate pair U+D800 U+DC00", x(0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80)],
  ["surrogate pair U+D800 U+DFFF", x(0xed, 0xa0, 0x80, 0xed, 0xbf, 0xbf)],
  ["surrogate pair U+DB7F U+DC00", x(0xed, 0xad, 0xbf, 0xed, 0xb0, 0x80)],
  ["surrogate pair U+DB7F U+DFFF", x(0xed, 0xad, 0xbf, 0xed, 0xbf, 0xbf)],
  ["surrogate pair U+DB80 U+DC00", x(0xed, 0xae, 0x80, 0xed, 0xb0, 0x80)],
  ["surrogate pair U+DB80 U+DFFF", x(0xed, 0xae, 0x80, 0xed, 0xbf, 0xbf)],
  ["surrogate pair U+DBFF U+DC00", x(0xed, 0xaf, 0xbf, 0xed, 0xb0, 0x80)],
  ["surrogate pair U+DBFF U+DFFF", x(0xed, 0xaf, 0xbf, 0xed, 0xbf, 0xbf)],
  // valid text around an invalid sequence
  ["κόσμε, a surrogate, 'edited'", Buffer.concat([s("κόσμε"), x(0xed, 0xa0, 0x80), s("edited")])],
];

/** `bytes` as a text message in one-byte fragments (with an empty final fragment when there is only one byte). */
function oneBytePerFragment(bytes: Buffer): Buffer[] {
  const frames = [...bytes].map((b, i) => (i === 0 ? F.text : F.cont)(x(b), { fin: i === bytes.length - 1 && i > 0 }));
  if (bytes.length === 1) frames.push(F.cont(""));
  return frames;
}

export function utf8Cases(): CaseInput[] {
  const out: CaseInput[] = [];
  const invalid = E.fail(1007, Err.WS_INVALID_UTF8);
  for (const [group, list, valid] of [
    ["1", VALID, true],
    ["2", INVALID, false],
  ] as const) {
    for (const [i, [name, bytes]] of list.entries()) {
      const events = valid ? [E.text(bytes)] : [invalid];
      const what = valid ? "valid" : "invalid";
      out.push({ id: `6.${group}.${i + 1}.a`, name: `${what}: ${name}, one frame`, rfc: "§5.6, §8.1", frames: [F.text(bytes)], events });
      out.push({ id: `6.${group}.${i + 1}.b`, name: `${what}: ${name}, one byte per fragment`, rfc: "§5.4, §8.1", frames: oneBytePerFragment(bytes), events });
    }
  }
  const mixed = Buffer.from("Grüße, κόσμε, 漢字, 😀! ".repeat(8), "utf8");
  const sevens: Buffer[] = [];
  for (let o = 0; o < mixed.length; o += 7) sevens.push((o === 0 ? F.text : F.cont)(mixed.subarray(o, o + 7), { fin: o + 7 >= mixed.length }));
  out.push({
    id: "6.3.1",
    name: `valid ${mixed.length}-byte text in 7-byte fragments: code points split at every offset`,
    rfc: "§5.4, §5.6",
    frames: sevens,
    events: [E.text(mixed)],
  });
  out.push({ id: "6.3.2", name: "empty text message", rfc: "§5.6", frames: [F.text("")], events: [E.text("")] });
  out.push({
    id: "6.3.3",
    name: "a 4-byte code point split over two fragments with a ping between them",
    rfc: "§5.4, §5.6",
    frames: [F.text(x(0x61, 0xf0, 0x9f), { fin: false }), F.ping("mid code point"), F.cont(x(0x98, 0x80))],
    events: [E.ping("mid code point"), E.text("a😀")],
  });
  const note = "UTF-8 is checked when the message ends, as ws does (Autobahn 6.4.x 'non-strict'): not on the fragment's arrival";
  out.push({
    id: "6.4.1",
    name: "invalid first fragment of a message that never ends: no failure yet, a ping behind it answered",
    rfc: "§8.1",
    frames: [F.text(x(0xce, 0xba, 0xed, 0xa0, 0x80), { fin: false }), F.ping("still open")],
    events: [E.ping("still open")],
    unfinished: true,
    note,
  });
  out.push({
    id: "6.4.2",
    name: "invalid first fragment, a ping, then the final fragment: fails with 1007 when the message ends",
    rfc: "§8.1",
    frames: [F.text(x(0xce, 0xba, 0xed, 0xa0, 0x80), { fin: false }), F.ping("still open"), F.cont("end")],
    events: [E.ping("still open"), invalid],
    note,
  });
  out.push({
    id: "6.4.3",
    name: "an invalid text message followed by a ping and a close: neither is read",
    rfc: "§7.1.7, §8.1",
    frames: [F.text(x(0xff)), F.ping("not read"), F.close(1000)],
    events: [invalid],
  });
  out.push({
    id: "6.4.4",
    name: "invalid UTF-8 in a binary message is not checked",
    rfc: "§5.6",
    frames: [F.binary(x(0xff, 0xed, 0xa0, 0x80, 0xc0, 0xaf))],
    events: [E.binary(x(0xff, 0xed, 0xa0, 0x80, 0xc0, 0xaf))],
  });
  return out;
}
