/**
 * Every refusal of the strict decoder, with its ProtocolError code, and the decoder's state after one.
 * The same table drives the live-connection tests (test/protocol/malformed.test.ts).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Decoder } from "../../shared/decoder.js";
import { ProtocolError, ProtocolErrorCode as Code } from "../../shared/errors.js";
import { PacketType } from "../../shared/packet.js";
import { MALFORMED } from "./malformed-cases.js";

function refused(decoder: Decoder, frame: unknown, code: string): void {
  assert.throws(
    () => decoder.add(frame),
    (err: unknown) => {
      assert.ok(err instanceof ProtocolError, `expected a ProtocolError, got ${String(err)}`);
      assert.equal(err.code, code);
      return true;
    },
  );
  assert.equal(decoder.awaitingAttachments, false, "the decoder is reset after a refusal");
}

/** After any refusal the same decoder still decodes text and binary packets. */
function stillUsable(decoder: Decoder): void {
  assert.deepEqual(decoder.add('2["ok",1]'), { type: PacketType.EVENT, nsp: "/", data: ["ok", 1] });
  assert.equal(decoder.add('51-["bin",{"_placeholder":true,"num":0}]'), undefined);
  assert.deepEqual(decoder.add(Buffer.from([1]))?.data, ["bin", Buffer.from([1])]);
}

describe("codec: refusals", () => {
  for (const c of MALFORMED) {
    it(`${c.name} → ${c.code}`, () => {
      const decoder = new Decoder();
      const frames = c.frames;
      for (let i = 0; i < frames.length - 1; i++) {
        decoder.add(frames[i]); // accepted (may complete a packet)
      }
      refused(decoder, frames[frames.length - 1], c.code);
      stillUsable(decoder);
    });
  }

  it("every ProtocolErrorCode is covered by the table", () => {
    const covered = new Set(MALFORMED.map((c) => c.code));
    for (const code of Object.values(Code)) assert.ok(covered.has(code), `no case for ${code}`);
  });

  it("the attachment cap is configurable", () => {
    const strict = new Decoder({ maxAttachments: 2 });
    const header = (n: number) => `5${n}-["e",{"_placeholder":true,"num":0}]`;
    assert.equal(strict.add(header(2)), undefined);
    strict.reset();
    refused(strict, header(3), Code.TOO_MANY_ATTACHMENTS);
    const lax = new Decoder({ maxAttachments: 50 });
    assert.equal(lax.add(header(50)), undefined);
    assert.equal(lax.awaitingAttachments, true);
    lax.reset();
    refused(lax, header(51), Code.TOO_MANY_ATTACHMENTS);
    refused(new Decoder(), header(11), Code.TOO_MANY_ATTACHMENTS);
    assert.equal(new Decoder().add(header(10)), undefined, "the default cap is 10");
  });

  it("the namespace length cap is configurable", () => {
    const decoder = new Decoder({ maxNamespaceLength: 8 });
    assert.equal(decoder.add('2/1234567,["e"]')?.nsp, "/1234567");
    refused(decoder, '2/12345678,["e"]', Code.BAD_NAMESPACE);
    assert.equal(new Decoder().add(`0/${"n".repeat(255)},`)?.nsp.length, 256, "the default cap is 256");
    refused(new Decoder(), `0/${"n".repeat(256)},`, Code.BAD_NAMESPACE);
  });

  it("nesting up to the limit is accepted, in text and binary packets", () => {
    const depth = 100; // the root array is depth 0
    const nested = "[".repeat(depth) + "1" + "]".repeat(depth);
    assert.ok(new Decoder().add(`2["e",${nested}]`));
    const decoder = new Decoder();
    decoder.add(`51-["e",${"[".repeat(depth - 1)}{"_placeholder":true,"num":0}${"]".repeat(depth - 1)}]`);
    assert.ok(decoder.add(Buffer.from([1])));
  });

  it("brackets inside strings do not count as nesting", () => {
    const packet = new Decoder().add(`2["e","${"[{".repeat(500)}\\"${"[".repeat(200)}"]`);
    assert.equal(((packet?.data as unknown[])[1] as string).length, 1201);
  });

  it("a refusal mid-binary-packet drops the pending packet and its buffers", () => {
    const decoder = new Decoder();
    assert.equal(decoder.add('52-["e",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]'), undefined);
    assert.equal(decoder.add(Buffer.from([1])), undefined);
    refused(decoder, "2[\"x\"]", Code.UNEXPECTED_TEXT);
    // the attachment of the dropped packet is not expected any more
    refused(decoder, Buffer.from([2]), Code.UNEXPECTED_BINARY);
    stillUsable(decoder);
  });

  it("reset() drops a half-received binary packet", () => {
    const decoder = new Decoder();
    decoder.add('51-["e",{"_placeholder":true,"num":0}]');
    decoder.reset();
    assert.equal(decoder.awaitingAttachments, false);
    stillUsable(decoder);
  });

  it("a frame that is neither a string nor binary is refused", () => {
    const decoder = new Decoder();
    decoder.add('51-["e",{"_placeholder":true,"num":0}]');
    refused(decoder, { not: "binary" }, Code.UNEXPECTED_BINARY);
    refused(decoder, 42, Code.UNEXPECTED_BINARY);
  });

  it("errors are ProtocolErrors with a stable name and no payload echo", () => {
    try {
      new Decoder().add('2["connect","secret"]');
      assert.fail("should throw");
    } catch (err) {
      assert.ok(err instanceof ProtocolError);
      assert.equal(err.name, "ProtocolError");
      assert.doesNotMatch(err.message, /secret/);
    }
  });
});
