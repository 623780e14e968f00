/**
 * Regression: an empty Socket.IO frame travels as the Engine.IO message "4", which engine.io and engine.io-client
 * decode to a message whose data is `undefined` — not "". The shared Decoder took that `undefined` for a binary
 * frame and refused it as ERR_UNEXPECTED_BINARY ("binary frame without a binary packet"), or, with a binary packet
 * pending, as a frame "neither text nor binary". It is an empty text frame: ERR_UNKNOWN_TYPE, or
 * ERR_UNEXPECTED_TEXT while attachments are awaited. (Found by the hostile-client suite; the fuzzer now feeds ""
 * the way engine.io does.)
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Decoder } from "../../shared/decoder.js";
import { ProtocolError } from "../../shared/errors.js";
import { startServer } from "../helpers/server.js";
import { FakePeer } from "../helpers/fake-peer.js";
import { next } from "../helpers/events.js";

function codeOf(frames: unknown[]): string | undefined {
  const decoder = new Decoder();
  try {
    for (const f of frames) decoder.add(f);
  } catch (err) {
    assert.ok(err instanceof ProtocolError);
    return err.code;
  }
  return undefined;
}

describe("regression: an empty Engine.IO message is an empty text frame", () => {
  it("decoder: undefined is refused like an empty text frame", () => {
    assert.equal(codeOf([undefined]), "ERR_UNKNOWN_TYPE");
    assert.equal(codeOf([""]), "ERR_UNKNOWN_TYPE");
    assert.equal(codeOf(['51-["e",{"_placeholder":true,"num":0}]', undefined]), "ERR_UNEXPECTED_TEXT");
    assert.equal(codeOf([Buffer.from([1])]), "ERR_UNEXPECTED_BINARY");
  });

  it("server: a peer sending the message \"4\" is closed with parse error / ERR_UNKNOWN_TYPE", { timeout: 10_000 }, async () => {
    await using srv = await startServer();
    using peer = await FakePeer.open(srv.url, "websocket");
    const socket = srv.io.of("/").sockets.get(await peer.connect("/"))!;
    const disconnected = next<[string, ProtocolError]>(socket, "disconnect");
    await peer.sendEngine("4");
    const [reason, description] = await disconnected;
    assert.equal(reason, "parse error");
    assert.equal(description.code, "ERR_UNKNOWN_TYPE");
  });
});
