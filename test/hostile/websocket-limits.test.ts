/**
 * Memory-exhaustion attacks on roomcast's WebSocket engine (the class of ws's "tiny fragments and data chunks"
 * advisory), each by unauthenticated raw peers with valid-looking frames against a live server with default
 * limits, while an official socket.io-client keeps exchanging acks. The heap is measured while the attacking
 * connections are still open; the attacker gets the documented close.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import type { Socket as NetSocket } from "node:net";
import { clientFrame, rawWebSocket, serverWebSocket, write, type RawWebSocket } from "../helpers/raw-websocket.js";
import { until } from "../helpers/events.js";
import { AckLoop, heapUsed, MB, startHostileServer, type HostileServer } from "./helpers.js";
import { pollingHandshake } from "../helpers/http-probe.js";

const TEXT = 1;
const CONTINUATION = 0;
const PING = 9;
const PONG = 10;
const MAX_PAYLOAD = 1_000_000; // engine.io's default maxHttpBufferSize
const MAX_FRAGMENTS = 16_384;

describe("hostile clients: WebSocket engine memory bounds", { timeout: 120_000 }, () => {
  let srv: HostileServer;
  let loop: AckLoop;
  const attackers: NetSocket[] = [];

  before(async () => {
    srv = await startHostileServer();
    loop = await AckLoop.start(srv.url);
  });

  after(async () => {
    for (const s of attackers) s.destroy();
    await loop?.stop();
    await srv?.close();
  });

  async function attacker(sid?: string): Promise<RawWebSocket> {
    const peer = await rawWebSocket(srv.port, sid === undefined ? {} : { sid });
    peer.socket.on("error", () => undefined); // the server cuts attackers off
    attackers.push(peer.socket);
    return peer;
  }

  /** Resolves once the server has read everything the peer sent: a ping's pong comes back. */
  async function synced(peer: RawWebSocket, token: string): Promise<void> {
    await write(peer.socket, clientFrame(PING, token));
    for (;;) {
      const f = await peer.frames.nextOf(PONG);
      assert.ok(f !== undefined, "connection closed while waiting for a pong");
      if (f.payload.toString() === token) return;
    }
  }

  it("empty continuation frames: 8 connections each hold nothing per fragment, and fragment 16,385 closes with 1008", async () => {
    const before = heapUsed();
    const peers = await Promise.all(Array.from({ length: 8 }, () => attacker()));
    const empty = clientFrame(CONTINUATION, "", { fin: false });
    const burst = Buffer.concat(Array.from({ length: 1000 }, () => empty));
    for (const peer of peers) {
      await write(peer.socket, clientFrame(TEXT, "4", { fin: false }));
      for (let i = 0; i < 15; i++) await write(peer.socket, burst); // 15,001 frames of one message
    }
    await Promise.all(peers.map((p, i) => synced(p, `sync${i}`)));
    // 8 × 15,001 fragments received and the messages still open: nothing of them is held
    const held = heapUsed() - before;
    for (const peer of peers) assert.ok((serverWebSocket(srv.io, peer.sid)?.bufferedIncoming ?? Infinity) <= 256, "one small message buffer");
    assert.ok(held < 2 * MB, `heap grew ${(held / MB).toFixed(2)} MB with 8 × 15,001 fragments open`);
    await loop.assertHealthy();
    // up to 16,384 frames is one message; one more fails the connection with 1008
    const peer = peers[0]!;
    await write(peer.socket, Buffer.concat(Array.from({ length: MAX_FRAGMENTS - 15_001 }, () => empty)));
    await synced(peer, "at the limit");
    await write(peer.socket, empty);
    assert.equal(await peer.frames.closeCode(), 1008);
    await loop.assertHealthy();
  });

  it("a 1 MB frame sent one byte per TCP read on 8 connections: each holds about what it sent, not ~85 bytes per byte", async () => {
    const BYTES = 6_000;
    const before = heapUsed();
    const peers = await Promise.all(Array.from({ length: 8 }, () => attacker()));
    const tcps = peers.map((p) => serverWebSocket(srv.io, p.sid)!._socket);
    const header = clientFrame(TEXT, "", { length: MAX_PAYLOAD });
    await Promise.all(peers.map((p) => write(p.socket, header)));
    const one = Buffer.from("4");
    for (let i = 0; i < BYTES; i++) {
      // one byte on every connection, then wait until each server-side socket has read it: one chunk per byte
      const arrived = tcps.map((t) => once(t, "data"));
      for (const p of peers) p.socket.write(one);
      await Promise.all(arrived);
    }
    const held = heapUsed() - before;
    for (const p of peers) {
      const buffered = serverWebSocket(srv.io, p.sid)!.bufferedIncoming;
      assert.ok(buffered <= 2 * (BYTES + 14), `one connection holds ${buffered} B for ${BYTES} bytes received`);
    }
    assert.ok(held < 2 * MB, `heap grew ${(held / MB).toFixed(2)} MB for 8 × ${BYTES} one-byte chunks`);
    await loop.assertHealthy();
  });

  it("pings from a client that never reads: the server holds one pending pong, and answers the latest ping once it reads", async () => {
    const peer = await attacker();
    const tcp = serverWebSocket(srv.io, peer.sid)!._socket;
    peer.socket.pause(); // never reads: the kernel buffers fill, then Node's
    const before = heapUsed();
    const readBefore = tcp.bytesRead;
    const ping = clientFrame(PING, Buffer.alloc(125, "p")); // 131 bytes, answered by a 127-byte pong
    const burst = Buffer.concat(Array.from({ length: 1_000 }, () => ping));
    const PINGS = 100_000; // 13 MB of pongs, more than the kernel's buffers take
    for (let i = 0; i < PINGS; i += 1_000) await write(peer.socket, burst);
    const last = clientFrame(PING, "last");
    await write(peer.socket, last);
    const total = PINGS * ping.length + last.length;
    await until(tcp, "data", () => tcp.bytesRead - readBefore >= total, 5000, "the server read every ping");
    const held = heapUsed() - before;
    assert.ok(tcp.writableNeedDrain, "the server's writes to the attacker are stuck");
    assert.ok(tcp.writableLength < 64 * 1024, `the server holds ${tcp.writableLength} unsent bytes after ${PINGS} pings`);
    assert.ok(held < 2 * MB, `heap grew ${(held / MB).toFixed(2)} MB for ${PINGS} pings never read`);
    await loop.assertHealthy();
    // the client reads again: the pongs already queued, then one for the latest ping
    peer.socket.resume();
    let pongs = 0;
    for (;;) {
      const f = await peer.frames.nextOf(PONG);
      assert.ok(f !== undefined, "connection closed before the last pong");
      pongs++;
      if (f.payload.toString() === "last") break;
    }
    assert.ok(pongs < PINGS / 2, `${pongs} pongs for ${PINGS + 1} pings`);
  });

  it("a flood of upgrade probes (2probe) from a client that never reads: heap bounded while it lasts, closed at upgradeTimeout", async () => {
    // each probe is answered with "3probe" (engine.io); the answers count against the outgoing bound (and the kernel
    // takes them about as fast as the server parses probes); engine.io closes the WebSocket at upgradeTimeout
    await using probing = await startHostileServer({ upgradeTimeout: 2000 });
    const sid = await pollingHandshake(probing.port);
    const peer = await rawWebSocket(probing.port, { sid });
    peer.socket.on("error", () => undefined);
    peer.socket.pause();
    const session = (probing.io.engine as unknown as { clients: Record<string, { upgrading: boolean }> }).clients[sid]!;
    const before = heapUsed();
    const probe = clientFrame(TEXT, "2probe");
    const burst = Buffer.concat(Array.from({ length: 10_000 }, () => probe));
    let sent = 0;
    let peak = 0;
    // bounded: 2,000,000 probes (24 MB) at most; engine.io gives the upgrade up after 2 s
    while (sent < 2_000_000 && (sent === 0 || session.upgrading)) {
      await write(peer.socket, burst);
      sent += 10_000;
      if (sent % 100_000 === 0) peak = Math.max(peak, heapUsed() - before);
    }
    assert.equal(session.upgrading, false, `still upgrading after ${sent} probes`);
    assert.ok(peak < 8 * MB, `heap grew up to ${(peak / MB).toFixed(2)} MB during ${sent} probes never read`);
    // what the server wrote: "3probe" answers, then a close frame (the upgrade is abandoned)
    peer.socket.resume();
    assert.equal(await peer.frames.closeCode(), 1005);
    peer.socket.destroy();
    await loop.assertHealthy();
  });
});
