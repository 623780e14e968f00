/**
 * Codec unit tests: packets in, frames out (encoder) and frames in, packets out (decoder), for every packet type.
 * Refusals are in codec-errors.test.ts, the comparison with socket.io-parser in codec-differential.test.ts.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { encodePacket, encodeText } from "../../shared/encoder.js";
import { Decoder } from "../../shared/decoder.js";
import { hasBinary, isBinary } from "../../shared/binary.js";
import { PacketType, type Packet } from "../../shared/packet.js";

/** Feeds every frame to a fresh decoder; returns the packet completed by the last one. */
function decode(...frames: unknown[]): Packet {
  const decoder = new Decoder();
  let packet: Packet | undefined;
  frames.forEach((frame, i) => {
    packet = decoder.add(frame);
    if (i < frames.length - 1) assert.equal(packet, undefined, `frame ${i} should not complete the packet`);
  });
  assert.ok(packet, "the last frame completes the packet");
  assert.equal(decoder.awaitingAttachments, false);
  return packet;
}

/** The bytes a transport would send for one attachment. */
function toBytes(frame: unknown): Buffer {
  if (ArrayBuffer.isView(frame)) return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  if (frame instanceof ArrayBuffer) return Buffer.from(frame);
  throw new Error("not binary");
}

/** Encodes then decodes. */
function roundTrip(packet: Packet): Packet {
  return decode(...encodePacket(packet));
}

describe("codec: encoding", () => {
  const cases: Array<[string, Packet, string]> = [
    ["CONNECT, main namespace", { type: PacketType.CONNECT, nsp: "/" }, "0"],
    ["CONNECT with auth", { type: PacketType.CONNECT, nsp: "/", data: { token: "abc" } }, '0{"token":"abc"}'],
    ["CONNECT to a namespace", { type: PacketType.CONNECT, nsp: "/admin", data: { sid: "x" } }, '0/admin,{"sid":"x"}'],
    ["DISCONNECT", { type: PacketType.DISCONNECT, nsp: "/" }, "1"],
    ["DISCONNECT from a namespace", { type: PacketType.DISCONNECT, nsp: "/admin" }, "1/admin,"],
    ["EVENT", { type: PacketType.EVENT, nsp: "/", data: ["hello", 1, { a: [true, null] }] }, '2["hello",1,{"a":[true,null]}]'],
    ["EVENT with an ack id", { type: PacketType.EVENT, nsp: "/", id: 12, data: ["hello"] }, '212["hello"]'],
    ["EVENT in a namespace with an ack id", { type: PacketType.EVENT, nsp: "/chat", id: 0, data: ["m"] }, '2/chat,0["m"]'],
    ["EVENT with a numeric name", { type: PacketType.EVENT, nsp: "/", data: [42, "x"] }, '2[42,"x"]'],
    ["ACK", { type: PacketType.ACK, nsp: "/", id: 7, data: ["ok", 2] }, '37["ok",2]'],
    ["ACK with no arguments", { type: PacketType.ACK, nsp: "/", id: 7, data: [] }, "37[]"],
    ["ACK in a namespace", { type: PacketType.ACK, nsp: "/chat", id: 2147483647, data: [] }, "3/chat,2147483647[]"],
    ["CONNECT_ERROR (object)", { type: PacketType.CONNECT_ERROR, nsp: "/", data: { message: "no" } }, '4{"message":"no"}'],
    ["CONNECT_ERROR (string)", { type: PacketType.CONNECT_ERROR, nsp: "/x", data: "no" }, '4/x,"no"'],
  ];
  for (const [name, packet, wire] of cases) {
    it(name, () => {
      assert.deepEqual(encodePacket(packet), [wire]);
      if (!hasBinary(packet.data)) assert.equal(encodeText(packet), wire);
    });
  }

  it("unicode and escapes survive", () => {
    const packet: Packet = { type: PacketType.EVENT, nsp: "/ünï", data: ["é", "日本語 🎉", "\u0000\n\"\\", "\u2028"] };
    assert.deepEqual(roundTrip(packet), packet);
  });

  it("a Date becomes its ISO string", () => {
    const date = new Date(Date.UTC(2024, 1, 29, 12, 30, 0, 5));
    const [text] = encodePacket({ type: PacketType.EVENT, nsp: "/", data: ["when", date, { at: date }] });
    assert.equal(text, '2["when","2024-02-29T12:30:00.005Z",{"at":"2024-02-29T12:30:00.005Z"}]');
  });

  it("a Date next to binary also becomes its ISO string", () => {
    const date = new Date(0);
    const frames = encodePacket({ type: PacketType.EVENT, nsp: "/", data: ["when", date, Buffer.from([1])] });
    assert.equal(frames[0], '51-["when","1970-01-01T00:00:00.000Z",{"_placeholder":true,"num":0}]');
  });

  it("toJSON is honoured, with and without binary inside", () => {
    const plain = { secret: 1, toJSON: () => ({ public: 2 }) };
    assert.deepEqual(encodePacket({ type: PacketType.EVENT, nsp: "/", data: ["e", plain] }), ['2["e",{"public":2}]']);
    const bin = Buffer.from([9, 8]);
    const withBinary = { toJSON: () => ({ file: bin }) };
    const frames = encodePacket({ type: PacketType.EVENT, nsp: "/", data: ["e", withBinary] });
    assert.equal(frames[0], '51-["e",{"file":{"_placeholder":true,"num":0}}]');
    assert.equal(frames[1], bin);
  });

  it("undefined members and functions are dropped like JSON.stringify does", () => {
    const [text] = encodePacket({ type: PacketType.EVENT, nsp: "/", data: ["e", { a: undefined, b: 1 }, undefined] });
    assert.equal(text, '2["e",{"b":1},null]');
  });
});

describe("codec: decoding", () => {
  const cases: Array<[string, string, Packet]> = [
    ["CONNECT", "0", { type: PacketType.CONNECT, nsp: "/", data: undefined }],
    ["CONNECT with auth", '0{"token":"t"}', { type: PacketType.CONNECT, nsp: "/", data: { token: "t" } }],
    ["CONNECT to a namespace without payload", "0/admin,", { type: PacketType.CONNECT, nsp: "/admin", data: undefined }],
    ["CONNECT to a namespace without comma", "0/admin", { type: PacketType.CONNECT, nsp: "/admin", data: undefined }],
    ["CONNECT to a namespace with auth", '0/admin,{"a":1}', { type: PacketType.CONNECT, nsp: "/admin", data: { a: 1 } }],
    ["DISCONNECT", "1", { type: PacketType.DISCONNECT, nsp: "/", data: undefined }],
    ["DISCONNECT from a namespace", "1/admin,", { type: PacketType.DISCONNECT, nsp: "/admin", data: undefined }],
    ["EVENT", '2["hi",{"x":[1,2]}]', { type: PacketType.EVENT, nsp: "/", data: ["hi", { x: [1, 2] }] }],
    ["EVENT with an ack id", '2123["hi"]', { type: PacketType.EVENT, nsp: "/", id: 123, data: ["hi"] }],
    ["EVENT with ack id 0", '20["hi"]', { type: PacketType.EVENT, nsp: "/", id: 0, data: ["hi"] }],
    ["EVENT with the largest ack id", '22147483647["hi"]', { type: PacketType.EVENT, nsp: "/", id: 2147483647, data: ["hi"] }],
    ["EVENT in a namespace", '2/chat,["m",1]', { type: PacketType.EVENT, nsp: "/chat", data: ["m", 1] }],
    ["EVENT in a namespace with an id", '2/chat,5["m"]', { type: PacketType.EVENT, nsp: "/chat", id: 5, data: ["m"] }],
    ["EVENT in a nested-looking namespace", '2/a/b,["m"]', { type: PacketType.EVENT, nsp: "/a/b", data: ["m"] }],
    ["EVENT with a numeric name", "2[3,4]", { type: PacketType.EVENT, nsp: "/", data: [3, 4] }],
    ["ACK", '35["r"]', { type: PacketType.ACK, nsp: "/", id: 5, data: ["r"] }],
    ["ACK without arguments", "35[]", { type: PacketType.ACK, nsp: "/", id: 5, data: [] }],
    ["ACK in a namespace", "3/chat,9[null]", { type: PacketType.ACK, nsp: "/chat", id: 9, data: [null] }],
    ["CONNECT_ERROR (object)", '4{"message":"x","data":{"c":1}}', { type: PacketType.CONNECT_ERROR, nsp: "/", data: { message: "x", data: { c: 1 } } }],
    ["CONNECT_ERROR (string)", '4/n,"x"', { type: PacketType.CONNECT_ERROR, nsp: "/n", data: "x" }],
    ["unicode namespace and payload", '2/日本,["ü","🎉"]', { type: PacketType.EVENT, nsp: "/日本", data: ["ü", "🎉"] }],
  ];
  for (const [name, wire, packet] of cases) {
    it(name, () => {
      assert.deepEqual(decode(wire), packet);
    });
  }

  it("ack ids with leading zeros are read as numbers", () => {
    assert.equal(decode('2007["e"]').id, 7);
  });

  it("every non-binary packet round-trips", () => {
    for (const [, packet] of [
      ["", { type: PacketType.CONNECT, nsp: "/x", data: { n: 1 } }],
      ["", { type: PacketType.EVENT, nsp: "/", id: 3, data: ["a", [1, { b: "c" }]] }],
      ["", { type: PacketType.ACK, nsp: "/y", id: 0, data: [] }],
      ["", { type: PacketType.CONNECT_ERROR, nsp: "/", data: { message: "m" } }],
    ] as Array<[string, Packet]>) {
      assert.deepEqual(roundTrip(packet), packet);
    }
  });
});

describe("codec: binary attachments", () => {
  it("a Buffer travels as a placeholder plus one binary frame", () => {
    const buf = Buffer.from([1, 2, 3]);
    const frames = encodePacket({ type: PacketType.EVENT, nsp: "/", data: ["up", buf] });
    assert.equal(frames.length, 2);
    assert.equal(frames[0], '51-["up",{"_placeholder":true,"num":0}]');
    assert.equal(frames[1], buf);
    const packet = decode(...frames);
    assert.equal(packet.type, PacketType.EVENT, "BINARY_EVENT comes out as EVENT");
    assert.deepEqual(packet.data, ["up", buf]);
  });

  it("BINARY_ACK, in a namespace, with an id", () => {
    const frames = encodePacket({ type: PacketType.ACK, nsp: "/files", id: 4, data: [Buffer.from("ok")] });
    assert.equal(frames[0], '61-/files,4[{"_placeholder":true,"num":0}]');
    const packet = decode(...frames);
    assert.deepEqual(packet, { type: PacketType.ACK, nsp: "/files", id: 4, data: [Buffer.from("ok")] });
  });

  it("Buffer, ArrayBuffer and typed arrays nested in objects and arrays, numbered in order", () => {
    const a = Buffer.from("a");
    const b = new Uint8Array([1, 2]).buffer;
    const c = new Float32Array([1.5, -2]);
    const d = new Uint16Array([65535]);
    const e = new DataView(new ArrayBuffer(3));
    const data = ["bin", { list: [a, { deep: [b] }], c }, [[d]], { e }];
    const frames = encodePacket({ type: PacketType.EVENT, nsp: "/", id: 1, data });
    assert.equal(
      frames[0],
      '55-1["bin",{"list":[{"_placeholder":true,"num":0},{"deep":[{"_placeholder":true,"num":1}]}],' +
        '"c":{"_placeholder":true,"num":2}},[[{"_placeholder":true,"num":3}]],{"e":{"_placeholder":true,"num":4}}]',
    );
    assert.deepEqual(frames.slice(1), [a, b, c, d, e]);
    for (const frame of frames.slice(1)) assert.ok(isBinary(frame));
    // the receiver gets whatever binary objects the transport hands over, in place of the placeholders
    const received = frames.slice(1).map(toBytes);
    assert.deepEqual(received[2], Buffer.from(c.buffer), "a typed array travels as its bytes");
    const packet = decode(frames[0], ...received);
    assert.deepEqual(packet.data, ["bin", { list: [received[0], { deep: [received[1]] }], c: received[2] }, [[received[3]]], { e: received[4] }]);
  });

  it("the same buffer twice makes two attachments", () => {
    const buf = Buffer.from([7]);
    const frames = encodePacket({ type: PacketType.EVENT, nsp: "/", data: ["twice", buf, buf] });
    assert.equal(frames.length, 3);
    assert.match(frames[0], /^52-/);
  });

  it("the encoder does not mutate the caller's data", () => {
    const inner = { buf: Buffer.from([1]) };
    const data = ["e", inner];
    encodePacket({ type: PacketType.EVENT, nsp: "/", data });
    assert.ok(Buffer.isBuffer(inner.buf));
    assert.equal(data[1], inner);
  });

  it("an empty buffer is still an attachment", () => {
    const frames = encodePacket({ type: PacketType.EVENT, nsp: "/", data: ["e", Buffer.alloc(0)] });
    assert.equal(frames.length, 2);
    assert.deepEqual(decode(...frames).data, ["e", Buffer.alloc(0)]);
  });

  it("awaits every attachment before completing", () => {
    const decoder = new Decoder();
    assert.equal(decoder.add('52-["e",{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]'), undefined);
    assert.equal(decoder.awaitingAttachments, true);
    assert.equal(decoder.add(Buffer.from("first")), undefined);
    const packet = decoder.add(new Uint8Array([2]).buffer);
    assert.ok(packet);
    assert.deepEqual(packet.data, ["e", new Uint8Array([2]).buffer, Buffer.from("first")]);
    assert.equal(decoder.awaitingAttachments, false);
  });

  it("hasBinary / isBinary see through arrays, objects and toJSON but not Dates", () => {
    assert.equal(hasBinary(["a", { b: [new Uint8Array(1)] }]), true);
    assert.equal(hasBinary({ toJSON: () => [new ArrayBuffer(1)] }), true);
    assert.equal(hasBinary([new Date(), "x", 1, null, { a: {} }]), false);
    assert.equal(isBinary(new Int32Array(2)), true);
    assert.equal(isBinary({ byteLength: 2 }), false);
  });
});

describe("codec: __proto__ keys stay data", () => {
  function checkNoPollution(): void {
    assert.equal(({} as Record<string, unknown>)["polluted"], undefined, "Object.prototype was polluted");
  }

  it("decoding a text packet keeps __proto__ as an own property", () => {
    const packet = decode('2["e",{"__proto__":{"polluted":true},"a":1}]');
    const obj = (packet.data as unknown[])[1] as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(obj), Object.prototype);
    assert.ok(Object.prototype.hasOwnProperty.call(obj, "__proto__"));
    assert.deepEqual(Object.getOwnPropertyDescriptor(obj, "__proto__")?.value, { polluted: true });
    assert.equal(obj["polluted"], undefined);
    checkNoPollution();
  });

  it("decoding a binary packet (reconstruction) keeps __proto__ as an own property", () => {
    const decoder = new Decoder();
    decoder.add('51-["e",{"__proto__":{"_placeholder":true,"num":0},"x":{"__proto__":{"polluted":true}}}]');
    const packet = decoder.add(Buffer.from([5]));
    const obj = (packet?.data as unknown[])[1] as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(obj), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(obj, "__proto__")?.value, Buffer.from([5]));
    const x = obj["x"] as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(x), Object.prototype);
    assert.equal(x["polluted"], undefined);
    checkNoPollution();
  });

  it("encoding (with binary, through the placeholder copy) keeps an own __proto__ key", () => {
    const evil = JSON.parse('{"__proto__":{"polluted":true},"b":null}') as Record<string, unknown>;
    evil["b"] = Buffer.from([1]);
    const frames = encodePacket({ type: PacketType.EVENT, nsp: "/", data: ["e", evil] });
    assert.equal(frames[0], '51-["e",{"__proto__":{"polluted":true},"b":{"_placeholder":true,"num":0}}]');
    const back = (decode(...frames).data as unknown[])[1] as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.ok(Object.prototype.hasOwnProperty.call(back, "__proto__"));
    checkNoPollution();
  });

  it("constructor / prototype keys are plain data too", () => {
    const packet = decode('2["e",{"constructor":{"prototype":{"polluted":true}}}]');
    assert.deepEqual((packet.data as unknown[])[1], { constructor: { prototype: { polluted: true } } });
    checkNoPollution();
  });
});
