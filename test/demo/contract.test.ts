/**
 * The demo's `/chat` contract, driven by the official socket.io-client and by roomcast's client: login, auth
 * refusal, join with history, messages with acks, presence, limits.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { io as sioClient } from "socket.io-client";
import { io as roomcastClient } from "../../client/index.js";
import { createDemoServer, type DemoServer } from "../../demo/server.js";
import { signToken } from "../../demo/auth.js";
import { LIMITS, type Message } from "../../demo/contract.js";
import { next, until } from "../helpers/events.js";

const SECRET = "contract-test-secret";

// Both clients expose socket.io-client's API; the test drives them untyped.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyClient = any;
const CLIENTS = {
  "socket.io-client": (url: string, auth: Record<string, unknown>): AnyClient => sioClient(url, { auth, forceNew: true, reconnection: false }),
  "roomcast client": (url: string, auth: Record<string, unknown>): AnyClient => roomcastClient(url, { auth, forceNew: true, reconnection: false }),
} as const;

async function login(base: string, name: unknown): Promise<{ status: number; body: { token?: string; error?: string } }> {
  const res = await fetch(`${base}/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  return { status: res.status, body: (await res.json()) as { token?: string; error?: string } };
}

describe("demo /chat contract", { timeout: 20_000 }, () => {
  let demo: DemoServer;
  let base: string;
  const open: AnyClient[] = [];

  before(async () => {
    demo = await createDemoServer({ port: 0, host: "127.0.0.1", secret: SECRET });
    base = demo.url.replace("localhost", "127.0.0.1");
  });
  after(async () => {
    for (const c of open) c.close();
    await demo.close();
  });

  describe("POST /api/login", () => {
    it("returns a token for a valid name and refuses bad ones", async () => {
      const ok = await login(base, "  Ada  ");
      assert.equal(ok.status, 200);
      assert.match(ok.body.token ?? "", /^[\w-]+\.[\w-]+$/);
      for (const bad of ["", "   ", "x".repeat(LIMITS.maxNameLength + 1), 42, "a\u0000b"]) {
        const res = await login(base, bad);
        assert.equal(res.status, 400, `name ${JSON.stringify(bad)}`);
        assert.ok(res.body.error);
      }
      const get = await fetch(`${base}/api/login`);
      assert.equal(get.status, 405);
    });
  });

  for (const [clientName, connect] of Object.entries(CLIENTS)) {
    describe(`with ${clientName}`, () => {
      const user = async (name: string): Promise<AnyClient> => {
        const { body } = await login(base, name);
        const socket = connect(`${base}/chat`, { token: body.token });
        open.push(socket);
        await next(socket, "connect");
        return socket;
      };

      it("refuses a missing, forged or expired token with connect_error 'unauthorized'", async () => {
        const { body } = await login(base, "Mallory");
        const [payload] = (body.token ?? "").split(".");
        const tokens: Array<Record<string, unknown>> = [
          {},
          { token: "garbage" },
          { token: `${payload}.${"A".repeat(43)}` },
          { token: signToken("another-secret", "Mallory", 60_000) },
          { token: signToken(SECRET, "Mallory", -1) },
        ];
        for (const auth of tokens) {
          const socket = connect(`${base}/chat`, auth);
          open.push(socket);
          const [err] = await next<[Error]>(socket, "connect_error");
          assert.equal(err.message, "unauthorized", JSON.stringify(auth));
          socket.close();
        }
      });

      it("joins with history and members, exchanges messages with acks, tracks presence", async () => {
        const room = `r${clientName.length}-${Date.now() % 100000}`;
        const ada = await user("Ada");
        const joinA = await ada.timeout(5000).emitWithAck("room:join", room);
        assert.deepEqual(joinA, { ok: true, history: [], members: ["Ada"] });

        const sent = await ada.timeout(5000).emitWithAck("message:send", { room, text: "  first  " });
        assert.equal(sent.ok, true);
        assert.equal(typeof sent.id, "string");
        assert.equal(typeof sent.ts, "number");

        const bob = await user("Bob");
        const adaSeesBob = next<[{ room: string; members: string[] }]>(ada, "presence");
        const joinB = await bob.timeout(5000).emitWithAck("room:join", room);
        assert.equal(joinB.ok, true);
        assert.deepEqual(joinB.members, ["Ada", "Bob"]);
        assert.deepEqual(
          joinB.history.map((m: Message) => [m.user, m.text, m.room, m.id]),
          [["Ada", "first", room, sent.id]],
        );
        assert.deepEqual((await adaSeesBob)[0], { room, members: ["Ada", "Bob"] });

        const received = next<[Message]>(ada, "message:new");
        const reply = await bob.timeout(5000).emitWithAck("message:send", { room, text: "hi Ada" });
        const [message] = await received;
        assert.deepEqual(message, { id: reply.id, room, user: "Bob", text: "hi Ada", ts: reply.ts });

        // a second tab of the same user is one member
        const bob2 = await user("Bob");
        await bob2.timeout(5000).emitWithAck("room:join", room);
        const presence: Array<{ room: string; members: string[] }> = [];
        ada.on("presence", (p: { room: string; members: string[] }) => presence.push(p));
        const left = await bob.timeout(5000).emitWithAck("room:leave", room);
        assert.deepEqual(left, { ok: true });
        await until(ada, "presence", () => presence.length >= 1);
        assert.deepEqual(presence.at(-1), { room, members: ["Ada", "Bob"] }); // Bob's other tab is still there
        bob2.close();
        await until(ada, "presence", () => presence.at(-1)?.members.length === 1);
        assert.deepEqual(presence.at(-1), { room, members: ["Ada"] });

        const rooms = await ada.timeout(5000).emitWithAck("rooms:list");
        assert.deepEqual(rooms.find((r: { name: string }) => r.name === room), { name: room, members: 1 });
      });

      it("refuses bad input with a clear error ack and stays connected", async () => {
        const eve = await user(`Eve-${clientName.length}`);
        const room = `limits-${clientName.length}`;
        const bad = async (event: string, ...args: unknown[]) => eve.timeout(5000).emitWithAck(event, ...args);

        assert.equal((await bad("room:join", "no spaces allowed")).error.code, "bad_room");
        assert.equal((await bad("room:join", "x".repeat(33))).error.code, "bad_room");
        assert.equal((await bad("room:join", { room })).error.code, "bad_room");
        assert.equal((await bad("message:send", { room, text: "hello" })).error.code, "not_in_room");
        assert.equal((await bad("room:leave", room)).error.code, "not_in_room");
        assert.equal((await bad("room:join", room)).ok, true);
        assert.equal((await bad("message:send", "just a string")).error.code, "bad_request");
        assert.equal((await bad("message:send", { room, text: 42 })).error.code, "bad_request");
        assert.equal((await bad("message:send", { room, text: "   " })).error.code, "empty");
        const tooLong = await bad("message:send", { room, text: "x".repeat(LIMITS.maxMessageLength + 1) });
        assert.equal(tooLong.error.code, "too_long");

        const results = [];
        for (let i = 0; i < LIMITS.messageBurst + 3; i++) results.push(await bad("message:send", { room, text: `m${i}` }));
        const limited = results.filter((r) => !r.ok);
        assert.ok(limited.length >= 1, "the burst is limited");
        assert.equal(limited[0].error.code, "rate_limited");
        assert.equal(eve.connected, true);
      });
    });
  }
});
