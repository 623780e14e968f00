/**
 * Backpressure (server/engine/backpressure.ts): a client that stops reading. Raw Engine.IO clients on loopback — a
 * WebSocket whose TCP socket is paused, a polling client that stops polling — against bounds small enough to reach
 * quickly. Every wait is bounded; loops that write across turns yield with setImmediate (I/O runs), never sleep.
 */
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Socket as NetSocket } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import WebSocket from "ws";
import { bufferLimits } from "../../server/engine/backpressure.js";
import { DisconnectReason, Server, type Socket } from "../../server/index.js";
import { next } from "../helpers/events.js";
import { FakePeer } from "../helpers/fake-peer.js";
import { startServer, type TestServer } from "../helpers/server.js";

const MAX_BYTES = 512 * 1024;
const MAX_PACKETS = 200;
const PAYLOAD = "x".repeat(4096);
/** Upper bound on what a test writes before the condition it waits for must have happened (kernel buffers included). */
const WRITE_CAP = 64 * 1024 * 1024;

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const gc: () => void =
  (globalThis as { gc?: () => void }).gc ??
  (() => {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  })();

/** Heap and Buffer memory after a full GC. */
function retainedMemory(): { heapUsed: number; arrayBuffers: number } {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return { heapUsed, arrayBuffers };
}

/** A raw Engine.IO WebSocket client: handshake and namespace CONNECT done, then it can stop reading. */
class RawWebSocket {
  readonly frames: string[] = [];
  readonly ws: WebSocket;
  readonly closed: Promise<void>;
  sid = "";

  private constructor(url: string) {
    this.ws = new WebSocket(url.replace(/^http/, "ws") + "/socket.io/?EIO=4&transport=websocket");
    this.ws.on("message", (data: Buffer, isBinary: boolean) => {
      const text = data.toString("utf8");
      if (!isBinary && text.startsWith("4")) {
        this.frames.push(text.slice(1));
        this.ws.emit("frame");
      }
    });
    this.closed = new Promise((resolve) => this.ws.once("close", () => resolve()));
  }

  static async connect(url: string): Promise<RawWebSocket> {
    const client = new RawWebSocket(url);
    await next(client.ws, "open");
    client.ws.send("40"); // engine.io's open packet ("0{…}") is not a "4" frame: the first frame is the CONNECT answer
    while (!client.frames.some((f) => f.startsWith("0{"))) await next(client.ws, "frame");
    client.sid = (JSON.parse(client.frames.find((f) => f.startsWith("0{"))!.slice(1)) as { sid: string }).sid;
    client.frames.length = 0;
    return client;
  }

  get tcp(): NetSocket {
    return (this.ws as unknown as { _socket: NetSocket })._socket;
  }

  /** Stops reading: the kernel buffers fill, then the server's TCP socket buffers in memory. */
  pause(): void {
    this.tcp.pause();
  }

  resume(): void {
    this.tcp.resume();
  }

  /** Events received (Socket.IO EVENT frames), as [name, ...args]. */
  events(): unknown[][] {
    return this.frames.filter((f) => f.startsWith("2")).map((f) => JSON.parse(f.slice(1)) as unknown[]);
  }

  /** Resolves once an event named `name` has arrived. */
  async waitFor(name: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.events().some((e) => e[0] === name)) await next(this.ws, "frame", Math.max(1, deadline - Date.now()));
  }

  close(): void {
    this.ws.terminate();
  }
}

function serverSocket(io: Server, sid: string): Socket {
  const socket = io.sockets.sockets.get(sid);
  assert.ok(socket, `no server socket ${sid}`);
  return socket as Socket;
}

describe("backpressure options", () => {
  it("defaults to 8 MiB / 10 000 packets, soft marks at half; refuses nonsense", () => {
    assert.deepEqual(bufferLimits(), { maxBytes: 8 * 1024 * 1024, maxPackets: 10_000, softBytes: 4 * 1024 * 1024, softPackets: 5000 });
    assert.equal(bufferLimits(Infinity, Infinity).softBytes, Infinity);
    assert.throws(() => bufferLimits(64 * 1024), RangeError, "below 128 KiB: the soft mark would sit under the TCP high-water mark");
    assert.throws(() => bufferLimits(undefined, 0), RangeError);
    assert.throws(() => new Server({ maxBufferedBytes: Number.NaN }), RangeError);
  });
});

describe("backpressure over WebSocket (a client that stops reading)", { timeout: 60_000 }, () => {
  let srv: TestServer<Server>;
  const open: Array<{ close(): void }> = [];
  before(async () => {
    // no heartbeat during a test: a paused client cannot answer pings
    srv = await startServer({ pingInterval: 60_000, pingTimeout: 60_000, maxBufferedBytes: MAX_BYTES, maxBufferedPackets: MAX_PACKETS });
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  after(() => srv.close());

  it("a client that resumes before the bound gets every packet in order, volatile ones sent under pressure are dropped, and the socket emits drain", async () => {
    const client = await RawWebSocket.connect(srv.url);
    open.push(client);
    const socket = serverSocket(srv.io, client.sid);
    let drains = 0;
    socket.on("drain", () => drains++);
    client.pause();

    // fill across turns (the kernel buffers take their share first) until the server holds more than the soft mark
    let sent = 0;
    while (socket.bufferedAmount <= MAX_BYTES / 2) {
      assert.ok(sent * PAYLOAD.length < WRITE_CAP, "the server never buffered past the soft mark");
      for (let i = 0; i < 8; i++) socket.emit("r", sent++, PAYLOAD);
      await turn();
    }
    const pressured = socket.bufferedAmount;
    assert.ok(pressured < MAX_BYTES, `still under the hard bound (${pressured})`);
    assert.equal(socket.bufferedPackets, 0, "the WebSocket path leaves nothing in engine.io's queue");
    assert.equal(drains, 0);

    // above the soft mark: volatile packets are refused, regular ones are still taken
    for (let i = 0; i < 20; i++) socket.volatile.emit("v", i);
    socket.emit("r", sent++, PAYLOAD);
    srv.io.volatile.emit("v", -1); // a volatile broadcast too
    assert.ok(socket.bufferedAmount > pressured, "bufferedAmount grows with every regular packet");
    assert.ok(socket.connected);

    const drained = next(socket, "drain", 10_000);
    client.resume();
    await drained;
    assert.equal(drains, 1, "one drain per pressure episode, not one per packet");
    assert.ok(socket.bufferedAmount <= MAX_BYTES / 2);

    // healthy again: volatile packets go through
    socket.volatile.emit("v", "after");
    socket.emit("end");
    await client.waitFor("end");
    const events = client.events();
    const regular = events.filter((e) => e[0] === "r").map((e) => e[1]);
    assert.deepEqual(regular, Array.from({ length: sent }, (_, i) => i), "every regular packet, in order");
    assert.ok(events.filter((e) => e[0] === "r").every((e) => e[2] === PAYLOAD));
    assert.deepEqual(
      events.filter((e) => e[0] === "v").map((e) => e[1]),
      ["after"],
      "volatile packets written above the soft mark were dropped",
    );
    assert.ok(socket.connected);
  });

  it("a client that never resumes is disconnected at the hard bound ('transport buffer full') while a healthy client keeps receiving", async () => {
    const stalled = await RawWebSocket.connect(srv.url);
    const healthy = await FakePeer.open(srv.url, "websocket");
    open.push(stalled, healthy);
    await healthy.connect("/");
    const slow = serverSocket(srv.io, stalled.sid);
    const fine = [...srv.io.sockets.sockets.values()].find((s) => s.id !== stalled.sid)!;
    await slow.join("room");
    await fine.join("room");
    const engineClients = srv.io.stats().engineClients;
    const disconnected = next<[string, unknown]>(slow, "disconnect", 30_000);
    const baseline = retainedMemory();
    const serverTcp = (slow.conn.transport as unknown as { socket: { _socket: NetSocket } }).socket._socket;
    stalled.pause();

    let sent = 0;
    let peak = 0;
    let volatileWhileFull = 0;
    while (slow.connected) {
      assert.ok(sent * PAYLOAD.length < WRITE_CAP, "the stalled client was never disconnected");
      for (let i = 0; i < 8 && slow.connected; i++) {
        srv.io.to("room").emit("r", sent++, PAYLOAD);
        if (slow.bufferedAmount > MAX_BYTES / 2) {
          srv.io.to("room").volatile.emit("v", sent);
          volatileWhileFull++;
        }
        peak = Math.max(peak, slow.bufferedAmount);
      }
      await turn();
    }
    const [reason] = await disconnected;
    assert.equal(reason, DisconnectReason.TRANSPORT_BUFFER_FULL);
    assert.equal(reason, "transport buffer full");
    assert.ok(volatileWhileFull > 0);
    // one packet of overshoot at most: the bound is checked before each write
    assert.ok(peak < MAX_BYTES + PAYLOAD.length + 64, `peak buffered ${peak} bytes`);
    assert.equal(slow.bufferedAmount, 0);
    assert.ok(serverTcp.destroyed, "the server's TCP socket is destroyed at once (its buffer freed), not closed behind the stuck data");

    // its session is gone (TCP destroyed, not left waiting for a closing handshake behind the stuck data)
    stalled.resume();
    await Promise.race([stalled.closed, new Promise((_, reject) => setTimeout(() => reject(new Error("stalled client not closed")), 10_000))]);
    assert.equal(srv.io.stats().engineClients, engineClients - 1);

    // the healthy client got every regular packet in order, and it is still served
    fine.emit("end");
    const got: number[] = [];
    for (;;) {
      const frame = (await healthy.next(10_000)) as string;
      const [name, n] = JSON.parse(frame.slice(1)) as [string, number];
      if (name === "end") break;
      if (name === "r") got.push(n);
    }
    assert.deepEqual(got, Array.from({ length: sent }, (_, i) => i));
    assert.ok(fine.connected);

    // nothing of the closed session is retained by the server (what the test's clients received is dropped first)
    stalled.frames.length = 0;
    // (the TCP buffer it filled is in Buffers; the heap moves a little with compiled code and the test's own state)
    const now = retainedMemory();
    const buffers = now.arrayBuffers - baseline.arrayBuffers;
    const heap = now.heapUsed - baseline.heapUsed;
    assert.ok(buffers < 128 * 1024, `Buffers grew ${buffers} bytes after the stalled session closed`);
    assert.ok(heap < 2 * 1024 * 1024, `heap grew ${heap} bytes after the stalled session closed`);
  });

  it("an incoming 'drain' event from a client is not dispatched (the name is reserved for backpressure)", async () => {
    const peer = await FakePeer.open(srv.url, "websocket");
    open.push(peer);
    const sid = await peer.connect("/");
    const socket = serverSocket(srv.io, sid);
    let drains = 0;
    socket.on("drain", () => drains++);
    const pinged = next(socket, "ping");
    await peer.send('2["drain"]', '2["ping"]');
    await pinged;
    assert.equal(drains, 0);
  });
});

describe("backpressure over long-polling (a client that stops polling)", { timeout: 30_000 }, () => {
  let srv: TestServer<Server>;
  before(async () => {
    srv = await startServer({ pingInterval: 60_000, pingTimeout: 60_000, maxBufferedBytes: MAX_BYTES, maxBufferedPackets: MAX_PACKETS });
  });
  after(() => srv.close());

  /** Handshake, CONNECT, one GET for the answer; then the client polls only when told. */
  async function stalledPoller(): Promise<{ poll(): Promise<string[]>; socket: Socket; url: string }> {
    const base = `${srv.url}/socket.io/?EIO=4&transport=polling`;
    const hs = await (await fetch(base)).text();
    const { sid: engineSid } = JSON.parse(hs.slice(1)) as { sid: string };
    const url = `${base}&sid=${engineSid}`;
    const poll = async (): Promise<string[]> => (await (await fetch(url, { signal: AbortSignal.timeout(10_000) })).text()).split("\x1e");
    await fetch(url, { method: "POST", body: "40" });
    const answer = (await poll()).find((p) => p.startsWith("40{"));
    assert.ok(answer, "CONNECT answered");
    const { sid } = JSON.parse(answer.slice(2)) as { sid: string };
    return { poll, socket: serverSocket(srv.io, sid), url };
  }

  it("packets pile in engine.io's queue (counted exactly), a poll drains them in order with 'drain', and the packet bound disconnects", async () => {
    const { poll, socket, url } = await stalledPoller();
    let drains = 0;
    socket.on("drain", () => drains++);

    // above the soft mark (half of maxBufferedPackets), below the bound
    let bytes = 0;
    const first = MAX_PACKETS / 2 + 10;
    for (let i = 0; i < first; i++) {
      socket.emit("p", i);
      bytes += `2["p",${i}]`.length;
    }
    assert.equal(socket.bufferedPackets, first);
    assert.equal(socket.bufferedAmount, bytes, "bytes waiting in engine.io's writeBuffer");
    socket.volatile.emit("v");
    srv.io.volatile.emit("v");
    assert.equal(socket.bufferedPackets, first, "volatile packets are not queued");

    const drained = next(socket, "drain", 10_000);
    const packets = await poll();
    await drained;
    assert.equal(drains, 1);
    assert.deepEqual(
      packets.map((p) => JSON.parse(p.slice(2)) as unknown[]),
      Array.from({ length: first }, (_, i) => ["p", i]),
    );
    assert.equal(socket.bufferedPackets, 0);
    assert.equal(socket.bufferedAmount, 0);

    // stop polling for good: the packet bound is reached long before the byte bound
    const disconnected = next<[string]>(socket, "disconnect", 10_000);
    let sent = 0;
    while (socket.connected) {
      assert.ok(sent <= MAX_PACKETS, "not disconnected at the packet bound");
      assert.ok(socket.bufferedPackets <= MAX_PACKETS);
      socket.emit("p", sent++);
    }
    assert.equal(sent, MAX_PACKETS + 1, "the packet written while the queue is full closes the session");
    assert.deepEqual(await disconnected, [DisconnectReason.TRANSPORT_BUFFER_FULL, undefined]);
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    assert.equal(res.status, 400, "the session is gone");
    await res.text();
  });
});
