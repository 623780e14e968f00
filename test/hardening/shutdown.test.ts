/**
 * Graceful shutdown: close() refuses new sessions, lets acks in flight settle (both directions) within
 * `shutdownGracePeriod`, then disconnects everyone; with the Redis adapter, peers drop the instance at once.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { createClient } from "redis";
import { createAdapter } from "../../server/adapter/redis/index.js";
import type { ClusterAdapter } from "../../server/adapter/cluster-adapter.js";
import type { Server, Socket } from "../../server/index.js";
import { next } from "../helpers/events.js";
import { RedisProcess } from "../helpers/redis.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { Clients } from "../helpers/client.js";
import { pollingRequest } from "../helpers/http-probe.js";

/** A promise with its resolve function. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("graceful shutdown", { timeout: 30_000 }, () => {
  it("a handler still running when close() is called gets to answer its ack; new sessions get 503 meanwhile", async () => {
    await using srv = await startServer({ shutdownGracePeriod: 10_000 });
    using clients = new Clients("websocket");
    const io = srv.io;
    const release = deferred();
    const entered = deferred();
    let serverReason: string | undefined;
    io.on("connection", (socket) => {
      socket.on("slow", async (ack: (r: string) => void) => {
        entered.resolve();
        await release.promise;
        ack("done");
      });
      socket.on("disconnect", (reason) => (serverReason = reason));
    });
    const client = await clients.connect(srv.url);
    const answer = client.emitWithAck("slow");
    await entered.promise;
    assert.equal(io.stats().acksOwed, 1);
    const closed = io.close();
    assert.equal(io.stats().closing, true);
    assert.equal((await pollingRequest(srv.port)).status, 503, "no new session while draining");
    assert.equal(client.connected, true, "existing sockets stay until the acks settle");
    const disconnected = next<[string]>(client, "disconnect");
    release.resolve();
    assert.equal(await answer, "done", "the client got its ack");
    await closed;
    assert.equal(serverReason, "server shutting down");
    await disconnected;
    assert.equal(io.stats().acksOwed, 0);
  });

  it("an ack the server waits for from a client settles before the disconnect", async () => {
    await using srv = await startServer({ shutdownGracePeriod: 10_000 });
    using clients = new Clients("websocket");
    const io = srv.io;
    const connected = next<[Socket]>(io, "connection");
    const client = await clients.connect(srv.url);
    const [socket] = await connected;
    const asked = deferred<(r: string) => void>();
    client.on("question", (ack: (r: string) => void) => asked.resolve(ack));
    const reply = socket.emitWithAck("question");
    const clientAck = await asked.promise;
    assert.equal(io.stats().acksAwaited, 1);
    const closed = io.close();
    clientAck("42");
    assert.equal(await reply, "42", "not rejected with \"socket has been disconnected\"");
    await closed;
    assert.equal(socket.connected, false);
  });

  it("the wait is bounded by shutdownGracePeriod: a handler that never answers does not hold close()", async () => {
    await using srv = await startServer({ shutdownGracePeriod: 300 });
    using clients = new Clients("websocket");
    const io = srv.io;
    const entered = deferred();
    io.on("connection", (socket) => {
      socket.on("never", () => entered.resolve()); // keeps the ack function, never calls it
    });
    const client = await clients.connect(srv.url);
    const clientReason = next<[string]>(client, "disconnect");
    client.emit("never", () => undefined);
    await entered.promise;
    const started = performance.now();
    await io.close();
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 250 && elapsed < 3000, `closed after ${elapsed.toFixed(0)} ms`);
    await clientReason;
    assert.equal(io.stats().acksOwed, 0, "released when the socket went");
  });

  it("with nothing in flight, close() does not wait; calling it twice is one shutdown", async () => {
    await using srv = await startServer({ shutdownGracePeriod: 10_000 });
    using clients = new Clients("websocket");
    await clients.connect(srv.url);
    const started = performance.now();
    const [a, b] = [srv.io.close(), srv.io.close()];
    await Promise.all([a, b]);
    assert.ok(performance.now() - started < 2000);
  });

  it("a client retrying on a keep-alive connection does not hold close(): answers close their connection", async () => {
    // an ack the server waits for keeps it closing (answering 503) for the grace period
    await using srv = await startServer({ shutdownGracePeriod: 500 });
    using clients = new Clients("websocket");
    const entered = deferred();
    srv.io.on("connection", (socket) => {
      socket.on("never", () => entered.resolve());
    });
    const client = await clients.connect(srv.url);
    client.emit("never", () => undefined);
    await entered.promise;
    const port = srv.port;
    // a reconnecting client: handshake after handshake on one keep-alive connection, each sent as the last is answered
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const seen: Array<{ status: number; connection: string | undefined }> = [];
    let stop = false;
    const threeSeen = deferred();
    const retrying = (async () => {
      while (!stop) {
        const answer = await new Promise<{ status: number; connection: string | undefined } | undefined>((resolve) => {
          const req = request({ host: "127.0.0.1", port, agent, path: "/socket.io/?EIO=4&transport=polling" }, (res) => {
            res.resume();
            res.on("end", () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
          });
          req.on("error", () => resolve(undefined)); // refused: the server stopped listening
          req.end();
        });
        if (answer === undefined) break;
        seen.push(answer);
        if (seen.length === 3) threeSeen.resolve();
      }
    })();
    await threeSeen.promise; // retrying before close() starts
    await srv.io.close(); // hung for as long as the client kept retrying (its connection never idle), before the fix
    stop = true;
    await retrying;
    agent.destroy();
    const refused = seen.filter((a) => a.status === 503);
    assert.ok(refused.length > 0, "the client was answered while the server was closing");
    for (const a of refused) assert.equal(a.connection, "close");
  });
});

describe("graceful shutdown with the Redis adapter", { timeout: 30_000 }, () => {
  it("peers drop a closing instance at once (CLOSE message): serverCount and pending requests", async () => {
    await using redis = await RedisProcess.start();
    const key = "shutdown-" + Math.random().toString(36).slice(2);
    // heartbeats far apart: only the CLOSE message can explain a prompt drop
    const opts = { key, heartbeatInterval: 20_000, heartbeatTimeout: 60_000, requestsTimeout: 20_000 };
    await using a = await startServer({ adapter: createAdapter(createClient({ url: redis.url }), undefined, opts) });
    await using b = await startServer({ adapter: createAdapter(createClient({ url: redis.url }), undefined, opts) });
    const adapterB = b.io.of("/").adapter as ClusterAdapter;
    const adapterA = a.io.of("/").adapter as ClusterAdapter;
    while (adapterB.peers.length === 0) await next(adapterB, "peer:up", 10_000);
    while (adapterA.peers.length === 0) await next(adapterA, "peer:up", 10_000);
    assert.equal(await adapterB.serverCount(), 2);

    // a request A will never answer: without the CLOSE message it would wait requestsTimeout (20 s)
    const asked = deferred();
    a.io.on("hold" as never, (() => asked.resolve()) as never);
    const pending = b.io.serverSideEmitWithAck("hold" as never);
    await asked.promise;

    const down = next<[string]>(adapterB, "peer:down", 5000);
    const started = performance.now();
    await a.close();
    assert.equal((await down)[0], adapterA.hub.uid);
    assert.deepEqual(await pending, [], "the request stopped waiting for the instance that left");
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 3000, `dropped after ${elapsed.toFixed(0)} ms`);
    assert.equal(await adapterB.serverCount(), 1);
  });
});
