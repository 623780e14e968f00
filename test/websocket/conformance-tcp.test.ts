/**
 * The conformance table (cases.ts) live: every case through a real `ServerWebSocket` on a loopback TCP pair, sent in
 * one write and one byte per write (each byte awaited on the server's socket, so every chunk boundary is real; long
 * cases at sampled offsets, chunkings.ts). Asserted: the messages delivered, the pong frames on the wire (one per
 * ping, in order, nothing for a pong), and how the connection ends — still open (proved by a ping of the test's own
 * being answered), or the close frame on the wire (the peer's code echoed; the failure's close code), the "error"
 * event, the server ending TCP first, and the "close" event. Then the closing handshake the table cannot express:
 * the server closing first, and a peer that drops TCP without one.
 *
 * Cases that leave the connection open at a message boundary with the default limits share one pair.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { WebSocketErrorCode as Err } from "../../server/engine/websocket/reader.js";
import { cases, DEFAULT_LIMITS, type Case, type Category } from "./cases.js";
import { tcpCuts } from "./chunkings.js";
import { Loopback, frameLine, type Peer } from "./peer.js";
import { E, F, isMessage } from "./wire.js";

let loop: Loopback;
let shared: Peer | undefined;

before(async () => {
  loop = await Loopback.open();
});
after(async () => {
  await loop.close();
});

const MODES = ["one write", "one byte per write"] as const;
type Mode = (typeof MODES)[number];

/** The close frame the server must write at the end of `c`: the peer's code echoed (no code for 1005), or the failure's. */
function expectedCloseFrame(c: Case): string {
  const [kind, code] = c.events.at(-1)!.split(" ");
  if (kind === "fail") return `close frame ${code} ""`;
  return code === "1005" ? "close frame (no code)" : `close frame ${code} ""`;
}

async function runCase(c: Case, mode: Mode): Promise<void> {
  const reuse = c.end === "open" && !c.unfinished && JSON.stringify(c.limits) === JSON.stringify(DEFAULT_LIMITS);
  const peer = reuse ? (shared ??= await loop.connect(DEFAULT_LIMITS)) : await loop.connect(c.limits);
  let passed = false;
  try {
    await peer.write(c.bytes, mode === "one write" ? [] : tcpCuts(c));
    const messages = c.events.filter(isMessage);
    const pongs = c.events.filter((e) => e.startsWith("ping ")).map((e) => `pong ${e.slice(5)}`);
    if (c.end === "open") {
      assert.deepEqual((await peer.sync()).map(frameLine), pongs, "frames on the wire");
      assert.deepEqual(peer.messages.splice(0), messages, "messages delivered");
      assert.deepEqual(peer.errors, []);
      assert.equal(peer.ws.readyState, 1);
    } else {
      await peer.serverEnded; // the server closes TCP first (§7.1.1)
      assert.deepEqual(peer.frames.map(frameLine), [...pongs, expectedCloseFrame(c)], "frames on the wire");
      assert.deepEqual(peer.messages, messages, "messages delivered");
      const last = c.events.at(-1)!;
      assert.deepEqual(
        peer.errors.map((err) => E.fail(err.closeCode, err.code)),
        c.end === "fail" ? [last] : [],
        "error events",
      );
      peer.client.end();
      assert.equal(await peer.closed, c.end === "close" ? last : E.close(1006), "the close event");
      await peer.clientClosed;
      assert.equal(peer.ws.readyState, 3);
    }
    passed = true;
  } finally {
    if (!reuse || !passed) peer.destroy();
    if (reuse && !passed) shared = undefined; // the next case gets a clean pair
  }
}

const categories = [...new Set(cases.map((c) => c.category))] as Category[];
for (const category of categories) {
  describe(`conformance over loopback TCP: ${category}`, () => {
    after(() => {
      shared?.destroy();
      shared = undefined;
    });
    for (const c of cases.filter((k) => k.category === category)) {
      for (const mode of MODES) {
        const how = mode === "one byte per write" && c.bytes.length > 300 ? "one byte per write at sampled offsets" : mode;
        test(`${c.id} ${c.name} — ${how}`, { timeout: 20_000 }, () => runCase(c, mode));
      }
    }
  });
}

describe("closing handshake over loopback TCP", () => {
  for (const mode of MODES) {
    test(`the server closes first: its close frame, the peer's messages still delivered and pings not answered until the peer's close, then TCP ended by the server — ${mode}`, async () => {
      const peer = await loop.connect(DEFAULT_LIMITS);
      try {
        peer.ws.close(1000, "server going");
        assert.equal(frameLine(await peer.closeFrame()), 'close frame 1000 "server going"');
        assert.equal(peer.ws.readyState, 2);
        const rest = Buffer.concat([F.text("in flight"), F.ping("unanswered"), F.close(1001, "peer too"), F.text("after")]);
        await peer.write(rest, mode === "one write" ? [] : Array.from({ length: rest.length - 1 }, (_, i) => i + 1));
        await peer.serverEnded;
        assert.deepEqual(peer.frames.map(frameLine), ['close frame 1000 "server going"'], "one close frame, no pong");
        assert.deepEqual(peer.messages, [E.text("in flight")]);
        peer.client.end();
        assert.equal(await peer.closed, E.close(1001, "peer too"));
        await peer.clientClosed;
        assert.deepEqual(peer.errors, []);
        assert.equal(peer.ws.readyState, 3);
      } finally {
        peer.destroy();
      }
    });
  }

  const afterServerClose: Array<[string, Buffer, string]> = [
    ["an RSV bit", F.text("x", { rsv: 4 }), E.fail(1002, Err.WS_RSV_BITS)],
    ["a text that is not UTF-8", F.text(Buffer.from([0xc0, 0xaf])), E.fail(1007, Err.WS_INVALID_UTF8)],
    ["a close code that may not be sent", F.close(1005), E.fail(1002, Err.WS_BAD_CLOSE_FRAME)],
  ];
  for (const [what, bad, failure] of afterServerClose) {
    test(`the server closes first, then the peer sends ${what}: "error", no second close frame, TCP ended at once (not after the 30 s close timeout)`, { timeout: 5_000 }, async () => {
      const peer = await loop.connect(DEFAULT_LIMITS);
      try {
        peer.ws.close(1001);
        await peer.closeFrame();
        await peer.write(bad, []);
        await peer.serverEnded;
        assert.deepEqual(peer.frames.map(frameLine), ['close frame 1001 ""']);
        assert.deepEqual(peer.errors.map((err) => E.fail(err.closeCode, err.code)), [failure]);
        peer.client.end();
        assert.equal(await peer.closed, E.close(1006));
        await peer.clientClosed;
      } finally {
        peer.destroy();
      }
    });
  }

  test("close() without a code sends an empty close frame; the peer's empty answer gives 'close' 1005; close() again is a no-op", async () => {
    const peer = await loop.connect(DEFAULT_LIMITS);
    try {
      peer.ws.close();
      peer.ws.close(1000); // a second close sends nothing more
      assert.equal(frameLine(await peer.closeFrame()), "close frame (no code)");
      await peer.write(F.close(), []);
      await peer.serverEnded;
      assert.deepEqual(peer.frames.map(frameLine), ["close frame (no code)"]);
      peer.client.end();
      assert.equal(await peer.closed, E.close(1005));
      await peer.clientClosed;
    } finally {
      peer.destroy();
    }
  });

  test("the peer ends TCP without a close frame: no close frame is written, the server ends its side, 'close' 1006, no error", async () => {
    const peer = await loop.connect(DEFAULT_LIMITS);
    try {
      await peer.write(F.text("last words"), []);
      await peer.sync();
      peer.client.end();
      await peer.serverEnded;
      assert.equal(await peer.closed, E.close(1006));
      await peer.clientClosed;
      assert.deepEqual(peer.frames, []);
      assert.deepEqual(peer.messages, [E.text("last words")]);
      assert.deepEqual(peer.errors, []);
    } finally {
      peer.destroy();
    }
  });
});
