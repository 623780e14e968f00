/**
 * examples/redis-two-instances against the packed package and node-redis, in a temp app outside the repo, with a
 * real redis-server: two server processes on free ports find each other ("peer up"), and a room broadcast made on
 * one instance reaches the room's clients on the other — the example's own client (a process), roomcast's client
 * from the installed package and the official socket.io-client — and not the clients of another room.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { io as officialClient, type Socket as OfficialSocket } from "socket.io-client";
import { packTarball, removeDir, type PackedTarball } from "../helpers/packed.js";
import { RedisProcess, freePort } from "../helpers/redis.js";
import { ExampleProcess, copyExample, importInstalled, installExample } from "./app.js";

type ClientModule = typeof import("../../client/index.js");

interface Message {
  room: string;
  text: string;
  via: string;
}

interface Listening {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** The next `event` on a client (official or roomcast), bounded. */
function nextEvent<T extends unknown[]>(socket: Listening, event: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no "${event}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (...args: unknown[]): void => {
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(args as T);
    };
    socket.on(event, listener);
  });
}

describe("example: redis-two-instances (packed package, real redis-server)", { timeout: 300_000 }, () => {
  let pack: PackedTarball | undefined;
  let redis: RedisProcess | undefined;
  let app = "";
  const processes: ExampleProcess[] = [];
  const closers: Array<() => void> = [];

  before(async () => {
    [pack, redis] = await Promise.all([packTarball(), RedisProcess.start()]);
    app = await copyExample("redis-two-instances");
    await installExample(app, pack.tarball);
  });

  after(async () => {
    for (const close of closers) close();
    await Promise.all(processes.map((p) => p.stop()));
    await redis?.stop();
    await removeDir(app);
    if (pack) await removeDir(pack.dir);
  });

  const start = (file: string, env: Record<string, string>): ExampleProcess => {
    const p = ExampleProcess.start(app, file, env);
    processes.push(p);
    return p;
  };

  it("a room broadcast crosses instances, for roomcast's client and socket.io-client alike", async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const a = start("server.mjs", { PORT: String(portA), INSTANCE: "A", REDIS_URL: redis!.url });
    const b = start("server.mjs", { PORT: String(portB), INSTANCE: "B", REDIS_URL: redis!.url });
    await Promise.all([a.waitForLine(/^A: listening/), b.waitForLine(/^B: listening/)]);
    await Promise.all([a.waitForLine(/^A: peer up /), b.waitForLine(/^B: peer up /)]);

    // the official client on A joins "news"
    const onA: OfficialSocket = officialClient(`http://127.0.0.1:${portA}`, { transports: ["websocket"], reconnection: false });
    closers.push(() => onA.close());
    await nextEvent(onA, "connect");
    assert.deepEqual(await onA.timeout(5000).emitWithAck("join", "news"), { instance: "A", members: 1 });

    // roomcast's client (from the installed package) on B joins another room
    const { io } = await importInstalled<ClientModule>(app, "client");
    const outsider = io(`http://127.0.0.1:${portB}`, { forceNew: true, reconnection: false });
    closers.push(() => outsider.close());
    await nextEvent(outsider, "connect");
    assert.deepEqual(await outsider.timeout(5000).emitWithAck("join", "sports"), { instance: "B", members: 1 });
    const outsiderGot: Message[] = [];
    outsider.on("message", (m: Message) => void outsiderGot.push(m));

    // the example's client on B joins "news" (2 members across the instances) and says hello: A's client gets it
    const heardOnA = nextEvent<[Message]>(onA, "message");
    const client = start("client.mjs", { URL: `http://127.0.0.1:${portB}`, ROOM: "news", SAY: "hello from B" });
    assert.equal(await client.waitForLine(/^joined /), "joined news on B (2 members on all instances)");
    assert.deepEqual(await heardOnA, [{ room: "news", text: "hello from B", via: "B" }]);
    await client.waitForLine(/^\[news\] hello from B \(sent on B\)$/);

    // and the other way: said on A, heard on B
    onA.emit("say", "news", "hello from A");
    await client.waitForLine(/^\[news\] hello from A \(sent on A\)$/);

    // the other room got none of it: its own message is the first it receives
    const own = nextEvent<[Message]>(outsider, "message");
    outsider.emit("say", "sports", "only sports");
    assert.deepEqual(await own, [{ room: "sports", text: "only sports", via: "B" }]);
    assert.deepEqual(outsiderGot, [{ room: "sports", text: "only sports", via: "B" }]);

    await client.stop();
    onA.close();
    outsider.close();
    await Promise.all([a.stop(), b.stop()]);
  });
});
