/**
 * Acknowledgements of broadcasts, differential against socket.io 4.8: the `emitWithAck` timeout error carries the
 * responses received so far (`err.responses`), locally and across Redis instances; `RemoteSocket.emit` with an ack
 * gets one response (not an array), like `socket.emit`.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { io as ioc, type Socket as ClientSocket } from "socket.io-client";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { RemoteSocket as RoomcastRemoteSocket } from "../../server/index.js";
import { createAdapter } from "../../server/adapter/redis/index.js";
import { KINDS, startKind, type AnyServer, type Kind, type TestServer } from "../helpers/server.js";
import { next } from "../helpers/events.js";
import { RedisProcess } from "../helpers/redis.js";
import { startServer } from "../helpers/server.js";
import { clusterReady } from "../adapter/conformance.js";

const TIMEOUT = { timeout: 30_000 };

type RemoteSocketClass = new (adapter: unknown, details: unknown) => AnyServer;
// socket.io 4.8 does not export RemoteSocket at runtime (its typings do): read from its own file
const require = createRequire(import.meta.url);
const SioRemoteSocket = (require(join(dirname(require.resolve("socket.io")), "broadcast-operator.js")) as { RemoteSocket: RemoteSocketClass })
  .RemoteSocket;

async function client(url: string, answer: string | undefined): Promise<ClientSocket> {
  const c = ioc(url, { forceNew: true, reconnection: false, transports: ["websocket"] });
  c.on("q", (ack: (v: string) => void) => {
    if (answer !== undefined) ack(answer);
  });
  await next(c, "connect");
  return c;
}

/** Two clients answer, one never does: what a 300 ms emitWithAck broadcast rejects with. */
async function partial(srv: TestServer<AnyServer>): Promise<{ name: string; message: string; responses: unknown }> {
  const clients = [await client(srv.url, "a"), await client(srv.url, "b"), await client(srv.url, undefined)];
  try {
    const err = await srv.io.timeout(300).emitWithAck("q").then(
      () => assert.fail("resolved"),
      (e: Error & { responses?: unknown[] }) => e,
    );
    return { name: err.name, message: err.message, responses: [...(err.responses ?? ["(none)"])].sort() };
  } finally {
    for (const c of clients) c.close();
  }
}

describe("compat: broadcast emitWithAck timeout", TIMEOUT, () => {
  it("the error carries the responses received so far (as socket.io: err.responses)", async () => {
    const results = {} as Record<Kind, Awaited<ReturnType<typeof partial>>>;
    for (const kind of KINDS) {
      await using srv = await startKind(kind);
      results[kind] = await partial(srv);
    }
    assert.deepEqual(results.roomcast.responses, results["socket.io"].responses);
    assert.deepEqual(results.roomcast.responses, ["a", "b"]);
    assert.equal(results.roomcast.message, results["socket.io"].message);
    // the error's class name differs (roomcast: AckTimeoutError, socket.io: a plain Error): same message
  });

  it("the timeout callback form gets (err, responses so far) (as socket.io)", async () => {
    const results = {} as Record<Kind, unknown>;
    for (const kind of KINDS) {
      const srv = await startKind(kind);
      const clients = [await client(srv.url, "a"), await client(srv.url, undefined)];
      try {
        results[kind] = await new Promise((resolve) =>
          srv.io.timeout(300).emit("q", (err: Error | null, responses: unknown[]) => resolve([err?.message, responses])),
        );
      } finally {
        for (const c of clients) c.close();
        await srv.close();
      }
    }
    assert.deepEqual(results.roomcast, results["socket.io"]);
    assert.deepEqual(results.roomcast, ["operation has timed out", ["a"]]);
  });
});

describe("compat: RemoteSocket.emit with an ack", TIMEOUT, () => {
  it("the callback gets (null, response) — one value, not an array; (err, null) on timeout (as socket.io)", async () => {
    const results = {} as Record<Kind, unknown>;
    for (const kind of KINDS) {
      const srv = await startKind(kind);
      const answering = await client(srv.url, "yes");
      const silent = await client(srv.url, undefined);
      try {
        const sockets: AnyServer[] = await srv.io.fetchSockets();
        // fetchSockets() gives local sockets as Socket objects: a RemoteSocket as a cluster adapter builds one
        const remote = (id: string | undefined) => {
          const s = sockets.find((x) => x.id === id);
          const Remote = kind === "roomcast" ? (RoomcastRemoteSocket as unknown as RemoteSocketClass) : SioRemoteSocket;
          return new Remote(s.nsp.adapter, { id: s.id, handshake: s.handshake, rooms: [...s.rooms], data: s.data });
        };
        const ok = await new Promise((resolve) =>
          remote(answering.id).timeout(1000).emit("q", (err: Error | null, res: unknown) => resolve([err, res])),
        );
        const late = await new Promise((resolve) =>
          remote(silent.id).timeout(200).emit("q", (err: Error | null, res: unknown) => resolve([err?.message, res])),
        );
        const awaited: unknown = await remote(answering.id).timeout(1000).emitWithAck("q");
        results[kind] = { ok, late, awaited };
      } finally {
        answering.close();
        silent.close();
        await srv.close();
      }
    }
    assert.deepEqual(results.roomcast, results["socket.io"]);
    assert.deepEqual(results.roomcast, { ok: [null, "yes"], late: ["operation has timed out", null], awaited: "yes" });
  });
});

/** Compile-time: RemoteSocket's ack types say one answer, as socket.io's (checked by the build, never run). */
export function remoteSocketTypes(remote: RoomcastRemoteSocket<{ q: (cb: (n: number) => void) => void }>): void {
  remote.timeout(1000).emit("q", (err, n) => console.log(err?.message, n.toFixed(1)));
  // @ts-expect-error one answer, not an array
  remote.timeout(1000).emit("q", (_err, answers) => answers.length);
  void remote.timeout(1000).emitWithAck("q").then((n) => n.toFixed(1));
}

describe("compat: broadcast emitWithAck timeout across Redis instances", TIMEOUT, () => {
  let redis: RedisProcess;
  before(async () => {
    redis = await RedisProcess.start();
  });
  after(() => redis.stop());

  it("roomcast/redis: err.responses holds the answers from both instances", async () => {
    const key = `compat${process.pid}`;
    const servers = await Promise.all(
      [0, 1].map(() => startServer({ adapter: createAdapter(createClient({ url: redis.url }), undefined, { key, heartbeatInterval: 1000 }) })),
    );
    const clients: ClientSocket[] = [];
    try {
      await clusterReady(servers, "/");
      clients.push(await client(servers[0]!.url, "local"), await client(servers[1]!.url, "remote"), await client(servers[1]!.url, undefined));
      const err = await servers[0]!.io.timeout(500).emitWithAck("q").then(
        () => assert.fail("resolved"),
        (e: Error & { responses?: unknown[] }) => e,
      );
      assert.equal(err.message, "operation has timed out");
      assert.deepEqual([...(err.responses ?? [])].sort(), ["local", "remote"]);
    } finally {
      for (const c of clients) c.close();
      await Promise.all(servers.map((s) => s.close()));
    }
  });
});
