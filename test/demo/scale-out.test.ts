/**
 * Two demo instances sharing a real redis-server (roomcast/redis + Redis-backed history): a user on each, in the
 * same room, see each other's messages, presence across instances, history sent through the other instance, and
 * presence dropping a user who disconnects. Clients: the official socket.io-client, signed in via POST /api/login.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { io as connectClient, type Socket } from "socket.io-client";
import { createDemoServer, type DemoServer } from "../../demo/server.js";
import type { ClientToServer, Message, Result, RoomInfo, ServerToClient } from "../../demo/contract.js";
import { RedisProcess } from "../helpers/redis.js";
import { until } from "../helpers/events.js";

type ChatClient = Socket<ServerToClient, ClientToServer>;
type Presence = Parameters<ServerToClient["presence"]>[0];
/** The helpers' view of a client as an event emitter (its typed `once` only takes the contract's names). */
const events = (socket: ChatClient) => socket as unknown as Parameters<typeof until>[0];

const SECRET = "scale-out-test-secret";
const ROOM = "scaled";
const WAIT = 5000;

async function login(base: string, name: string): Promise<string> {
  const res = await fetch(`${base}/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
    signal: AbortSignal.timeout(WAIT),
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { token?: string };
  assert.equal(typeof body.token, "string");
  return body.token!;
}

/** A signed-in client that records every message:new and presence it gets. */
interface User {
  name: string;
  socket: ChatClient;
  messages: Message[];
  presence: Presence[];
}

/** Resolves on "connect", rejects on "connect_error" or after WAIT; leaves no timer or listener behind. */
function connected(socket: ChatClient): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      socket.off("connect", onConnect).off("connect_error", done);
      if (err) reject(err);
      else resolve();
    };
    const onConnect = () => done();
    const timer = setTimeout(() => done(new Error(`not connected within ${WAIT} ms`)), WAIT);
    socket.on("connect", onConnect).on("connect_error", done);
  });
}

async function signIn(base: string, name: string): Promise<User> {
  const token = await login(base, name);
  const socket: ChatClient = connectClient(`${base}/chat`, {
    auth: { token },
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
  });
  const user: User = { name, socket, messages: [], presence: [] };
  socket.on("message:new", (m) => user.messages.push(m));
  socket.on("presence", (p) => user.presence.push(p));
  await connected(socket);
  return user;
}

const join = (user: User, room: string): Promise<Result<{ history: Message[]; members: string[] }>> =>
  user.socket.timeout(WAIT).emitWithAck("room:join", room);
const say = (user: User, text: string): Promise<Result<{ id: string; ts: number }>> =>
  user.socket.timeout(WAIT).emitWithAck("message:send", { room: ROOM, text });
const roomList = (user: User): Promise<RoomInfo[]> => user.socket.timeout(WAIT).emitWithAck("rooms:list");

/** Waits until `user` has been told that `room`'s members are exactly `members`. */
const presenceIs = (user: User, members: string[]) =>
  until(events(user.socket), "presence", () => {
    const last = user.presence.filter((p) => p.room === ROOM).at(-1);
    return last !== undefined && JSON.stringify(last.members) === JSON.stringify(members);
  }, WAIT);

const received = (user: User, text: string) =>
  until(events(user.socket), "message:new", () => user.messages.some((m) => m.room === ROOM && m.text === text), WAIT);

describe("demo scale-out: two instances over one redis-server", { timeout: 30_000 }, () => {
  let redis: RedisProcess;
  const servers: DemoServer[] = [];
  const users: User[] = [];
  let baseA: string;
  let baseB: string;
  let alice: User; // on instance A
  let bob: User; // on instance B
  const sent: { id: string; text: string; user: string }[] = [];

  before(async () => {
    redis = await RedisProcess.start();
    for (let i = 0; i < 2; i++) {
      servers.push(await createDemoServer({ redisUrl: redis.url, secret: SECRET, port: 0, host: "127.0.0.1" }));
    }
    [baseA, baseB] = servers.map((s) => `http://127.0.0.1:${(s.http.address() as AddressInfo).port}`) as [string, string];
  });
  after(async () => {
    // servers first: sockets closed by a shutdown announce nothing (no cluster request left waiting on a closed peer)
    for (const server of servers) await server.close().catch(() => undefined);
    for (const user of users) user.socket.disconnect();
    await redis?.stop();
  });

  it("a token from one instance is accepted by the other (shared secret)", async () => {
    const token = await login(baseA, "probe");
    const socket: ChatClient = connectClient(`${baseB}/chat`, { auth: { token }, transports: ["websocket"], forceNew: true, reconnection: false });
    try {
      await connected(socket);
    } finally {
      socket.disconnect();
    }
  });

  it("one user on each instance joins the same room: presence lists both", async () => {
    alice = await signIn(baseA, "alice");
    bob = await signIn(baseB, "bob");
    users.push(alice, bob);

    const first = await join(alice, ROOM);
    assert.ok(first.ok, JSON.stringify(first));
    assert.deepEqual(first.history, []);
    assert.deepEqual(first.members, ["alice"]);

    const second = await join(bob, ROOM);
    assert.ok(second.ok, JSON.stringify(second));
    assert.deepEqual(second.members, ["alice", "bob"], "bob's instance sees alice, connected to the other one");
    await presenceIs(alice, ["alice", "bob"]); // alice's instance got the broadcast from bob's
    await presenceIs(bob, ["alice", "bob"]);

    // the room list (in Redis) and its member counts agree on both instances
    const [roomsA, roomsB] = await Promise.all([roomList(alice), roomList(bob)]);
    assert.deepEqual(roomsA, roomsB);
    assert.deepEqual(roomsA.find((r) => r.name === ROOM), { name: ROOM, members: 2 });
  });

  it("each sees the other's message:new, sent through the other instance", async () => {
    const fromAlice = await say(alice, "hello from instance A");
    assert.ok(fromAlice.ok, JSON.stringify(fromAlice));
    sent.push({ id: fromAlice.id, text: "hello from instance A", user: "alice" });
    await received(bob, "hello from instance A");
    assert.deepEqual(
      bob.messages.find((m) => m.id === fromAlice.id),
      { id: fromAlice.id, room: ROOM, user: "alice", text: "hello from instance A", ts: fromAlice.ts },
    );

    const fromBob = await say(bob, "hello from instance B");
    assert.ok(fromBob.ok, JSON.stringify(fromBob));
    sent.push({ id: fromBob.id, text: "hello from instance B", user: "bob" });
    await received(alice, "hello from instance B");
    assert.equal(alice.messages.find((m) => m.text === "hello from instance B")?.user, "bob");

    // nobody gets their own message back (the ack is their copy), and nothing is delivered twice
    assert.equal(alice.messages.filter((m) => m.user === "alice").length, 0);
    assert.equal(bob.messages.filter((m) => m.user === "bob").length, 0);
    assert.equal(bob.messages.filter((m) => m.id === fromAlice.id).length, 1);
  });

  it("history on join includes messages sent through either instance, oldest first", async () => {
    for (const base of [baseA, baseB]) {
      const late = await signIn(base, `late-${base === baseA ? "a" : "b"}`);
      users.push(late);
      const result = await join(late, ROOM);
      assert.ok(result.ok, JSON.stringify(result));
      assert.deepEqual(result.history.map((m) => ({ id: m.id, text: m.text, user: m.user })), sent);
      await presenceIs(alice, ["alice", "bob", late.name]);
      late.socket.disconnect();
      await presenceIs(alice, ["alice", "bob"]); // gone again before the next one joins
    }
  });

  it("presence drops a user when they disconnect, on the other instance too", async () => {
    bob.socket.disconnect();
    await presenceIs(alice, ["alice"]);
    const rooms = await roomList(alice);
    assert.deepEqual(rooms.find((r) => r.name === ROOM), { name: ROOM, members: 1 });
  });
});
