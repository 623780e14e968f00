/**
 * examples/express-typed-auth against the packed package, in a temp app outside the repo: it compiles strict with
 * the TypeScript it installs, serves its page and the browser client, and works with its own Node client
 * (roomcast/client, from the installed package) and with the official socket.io-client: a connection without a
 * valid token is refused, one with a token is accepted, "join" acks, "say" reaches the room and only the room.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { launchChromium } from "../helpers/browser.js";
import { io as officialClient, type Socket as OfficialSocket } from "socket.io-client";
import { packTarball, removeDir, run, type PackedTarball } from "../helpers/packed.js";
import { freePort } from "../helpers/redis.js";
import { ExampleProcess, copyExample, installExample, waitForPort } from "./app.js";

interface ChatMessage {
  room: string;
  from: string;
  text: string;
}

/** The next `event` on an official client, bounded. */
function nextEvent<T extends unknown[]>(socket: OfficialSocket, event: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no "${event}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (...args: unknown[]): void => {
      clearTimeout(timer);
      resolve(args as T);
    };
    socket.once(event, listener);
  });
}

describe("example: express-typed-auth (packed package)", { timeout: 300_000 }, () => {
  let pack: PackedTarball | undefined;
  let app = "";
  let port = 0;
  let server: ExampleProcess | undefined;
  const processes: ExampleProcess[] = [];
  const clients: OfficialSocket[] = [];

  before(async () => {
    pack = await packTarball();
    app = await copyExample("express-typed-auth");
    await installExample(app, pack.tarball);
  });

  after(async () => {
    for (const c of clients) c.close();
    await Promise.all(processes.map((p) => p.stop()));
    await removeDir(app);
    if (pack) await removeDir(pack.dir);
  });

  const official = (auth?: Record<string, string>): OfficialSocket => {
    const socket = officialClient(`http://127.0.0.1:${port}`, { transports: ["websocket"], reconnection: false, ...(auth ? { auth } : {}) });
    clients.push(socket);
    return socket;
  };
  const start = (file: string, env: Record<string, string>): ExampleProcess => {
    const p = ExampleProcess.start(app, file, env);
    processes.push(p);
    return p;
  };

  it("compiles strict (npm run build: the example's tsc)", async () => {
    await run(process.execPath, [join(app, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], { cwd: app, timeoutMs: 120_000 });
    port = await freePort();
    server = start("dist/server.js", { PORT: String(port) });
    await server.waitForLine(/^listening on /);
  });

  it("serves the page and the browser client it loads", async () => {
    const page = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script src="\/socket\.io\/socket\.io\.js"><\/script>/);
    const script = await fetch(`http://127.0.0.1:${port}/socket.io/socket.io.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get("content-type") ?? "", /javascript/);
  });

  it("the page works in headless Chromium: /socket.io/socket.io.js gives it the global io", async () => {
    const browser = await launchChromium();
    const bob = official({ token: "bob-token" });
    try {
      await nextEvent(bob, "welcome");
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/?token=alice-token`);
      await page.waitForFunction(() => document.querySelector("#log")?.textContent?.includes("joined general"), undefined, { timeout: 15_000 });
      assert.deepEqual(await bob.timeout(5000).emitWithAck("join", "general"), { ok: true, members: 2 });
      bob.emit("say", "general", "hello page");
      await page.waitForFunction(() => document.querySelector("#log")?.textContent?.includes("[general] bob: hello page"), undefined, { timeout: 15_000 });
      const refused = await browser.newPage();
      await refused.goto(`http://127.0.0.1:${port}/?token=wrong`);
      await refused.waitForFunction(() => document.querySelector("#log")?.textContent?.includes("refused: unauthorized"), undefined, { timeout: 15_000 });
    } finally {
      bob.close();
      await browser.close();
    }
  });

  it("refuses a connection without a valid token (official client and the example's client)", async () => {
    for (const auth of [undefined, { token: "wrong" }]) {
      const socket = official(auth);
      const [err] = await nextEvent<[Error & { data?: unknown }]>(socket, "connect_error");
      assert.equal(err.message, "unauthorized");
      assert.deepEqual(err.data, { hint: "connect with auth: { token }" });
      assert.equal(socket.connected, false);
    }
    const refused = start("dist/client.js", { URL: `http://127.0.0.1:${port}`, TOKEN: "wrong" });
    assert.equal(await refused.waitForLine(/^refused/), "refused: unauthorized");
    assert.equal(await refused.exitCode(), 1);
  });

  // room "team", not the page's "general": the page's socket from the Chromium test may still be leaving
  it("accepts a token; join acks; say reaches the room and only the room", async () => {
    const bob = official({ token: "bob-token" });
    const [user] = await nextEvent<[string]>(bob, "welcome");
    assert.equal(user, "bob");
    assert.deepEqual(await bob.timeout(5000).emitWithAck("join", "team"), { ok: true, members: 1 });
    assert.deepEqual(await bob.timeout(5000).emitWithAck("join", ""), { ok: false, error: "bad room name" });

    const outsider = official({ token: "bob-token" });
    await nextEvent(outsider, "welcome");
    assert.deepEqual(await outsider.timeout(5000).emitWithAck("join", "other"), { ok: true, members: 1 });
    const outsiderGot: ChatMessage[] = [];
    outsider.on("message", (m: ChatMessage) => outsiderGot.push(m));

    // the example's own client (roomcast/client from the installed package) joins and says hello
    const joined = nextEvent<[string, string]>(bob, "joined");
    const heard = nextEvent<[ChatMessage]>(bob, "message");
    const alice = start("dist/client.js", { URL: `http://127.0.0.1:${port}`, TOKEN: "alice-token", ROOM: "team", SAY: "hello from alice" });
    assert.equal(await alice.waitForLine(/^welcome/), "welcome alice");
    assert.equal(await alice.waitForLine(/^joined team/), "joined team (2 members)");
    assert.deepEqual(await joined, ["team", "alice"]);
    assert.deepEqual(await heard, [{ room: "team", from: "alice", text: "hello from alice" }]);
    await alice.waitForLine(/^\[team\] alice: hello from alice$/); // a room broadcast reaches the sender too

    // and back: the official client's message reaches the roomcast client
    bob.emit("say", "team", "hi alice");
    await alice.waitForLine(/^\[team\] bob: hi alice$/);
    // a socket may only say to rooms it joined
    bob.emit("say", "elsewhere", "not delivered");

    // the outsider (room "other") got none of it: its own message is the first it receives
    const own = nextEvent<[ChatMessage]>(outsider, "message");
    outsider.emit("say", "other", "only here");
    assert.deepEqual(await own, [{ room: "other", from: "bob", text: "only here" }]);
    assert.deepEqual(outsiderGot, [{ room: "other", from: "bob", text: "only here" }]);
    await alice.stop();
  });

  it("stops cleanly", async () => {
    await server?.stop();
  });
});
