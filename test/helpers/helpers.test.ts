/**
 * The fixtures really dispose: after an `await using` / `using` block the server's port refuses connections, no
 * listening or connected TCP handle of the fixture is left, and what it tracked (clients, peers, redis-server) is closed.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect } from "node:net";
import { Clients } from "./client.js";
import { next } from "./events.js";
import { FakePeer } from "./fake-peer.js";
import { existsSync } from "node:fs";
import { createClient, createCluster } from "redis";
import { RedisProcess } from "./redis.js";
import { RedisCluster } from "./redis-cluster.js";
import { startKind, startServer, type TestServer } from "./server.js";

/** The process's TCP handles (listening and connected), by kind. */
function tcpHandles(): { servers: number; sockets: number } {
  const info = process.getActiveResourcesInfo();
  return { servers: info.filter((r) => r === "TCPServerWrap").length, sockets: info.filter((r) => r === "TCPSocketWrap").length };
}

/** Resolves with the error of a TCP connect to `port` once its socket is closed (rejects if it connects). */
function connectError(port: number): Promise<NodeJS.ErrnoException> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      reject(new Error(`port ${port} still accepts connections`));
    });
    socket.once("error", (err) => socket.once("close", () => resolve(err)));
  });
}

describe("test fixtures dispose what they own", { timeout: 20_000 }, () => {
  for (const kind of ["roomcast", "socket.io"] as const) {
    it(`a ${kind} server: the port is closed, the connections it held are closed, no TCP handle is left`, async () => {
      const before = tcpHandles();
      let srv: TestServer<unknown>;
      let held: Promise<unknown>;
      {
        await using server = kind === "roomcast" ? await startServer() : await startKind("socket.io");
        srv = server;
        const tcp = connect(server.port, "127.0.0.1");
        await once(tcp, "connect");
        held = once(tcp, "close");
        assert.equal(tcpHandles().servers, before.servers + 1);
      }
      assert.equal(srv.http.listening, false);
      assert.equal((await connectError(srv.port)).code, "ECONNREFUSED");
      await held; // the server closed the raw connection it held
      assert.deepEqual(tcpHandles(), before);
    });
  }

  it("close() before the end of the block, then disposal: closes once, no error", async () => {
    let port = 0;
    {
      await using srv = await startServer();
      port = srv.port;
      await srv.close();
    }
    assert.equal((await connectError(port)).code, "ECONNREFUSED");
  });

  it("Clients: leaving the block disconnects every client it opened or tracked", async () => {
    await using srv = await startServer();
    const disconnects: string[] = [];
    srv.io.on("connection", (socket) => socket.on("disconnect", (reason) => disconnects.push(reason)));
    const allGone = new Promise<void>((resolve) =>
      srv.io.on("connection", (socket) => socket.on("disconnect", () => srv.io.of("/").sockets.size === 0 && resolve())),
    );
    {
      using clients = new Clients("polling");
      await clients.connect(srv.url);
      const ws = new Clients("websocket");
      clients.track(await ws.connect(srv.url));
      assert.equal(srv.io.of("/").sockets.size, 2);
    }
    await allGone;
    assert.deepEqual(disconnects.sort(), ["client namespace disconnect", "client namespace disconnect"]);
  });

  it("FakePeer: leaving the block ends its Engine.IO session", async () => {
    await using srv = await startServer();
    let closed: Promise<unknown>;
    {
      using peer = await FakePeer.open(srv.url, "websocket");
      await peer.connect("/");
      const [socket] = srv.io.of("/").sockets.values();
      assert.ok(socket);
      closed = next(socket, "disconnect");
    }
    assert.deepEqual(await closed, ["transport close", undefined]);
  });

  it("RedisProcess: leaving the block stops redis-server", async () => {
    let redis: RedisProcess;
    {
      await using r = await RedisProcess.start();
      redis = r;
      assert.equal(r.running, true);
    }
    assert.equal(redis.running, false);
    assert.equal((await connectError(redis.port)).code, "ECONNREFUSED");
  });

});

describe("RedisCluster", { timeout: 40_000 }, () => {
  it("RedisCluster: 3 masters with a replica each; a killed master's replica takes over; leaving the block stops every node", async () => {
    let cluster: RedisCluster;
    {
      await using c = await RedisCluster.start({ masters: 3, replicasPerMaster: 1 });
      cluster = c;
      assert.equal(c.nodes.length, 6);
      assert.equal(c.rootNodes.length, 6);
      const i = await c.masterIndexOf("k");
      const master = createClient({ url: c.masters[i]!.url });
      await master.connect();
      await master.set("k", "v");
      assert.equal(await master.sendCommand(["WAIT", "1", "5000"]), 1); // replicated before the crash
      master.destroy();
      const killed = await c.killMaster(i);
      assert.equal(killed.process.running, false);
      await c.waitForFailover();
      // a cluster client made now sees 3 masters, the killed one not among them, and the promoted replica has the key
      const probe = createCluster({ rootNodes: c.rootNodes });
      probe.on("error", () => undefined);
      await probe.connect();
      assert.equal(probe.masters.length, 3);
      assert.ok(!probe.masters.some((m) => m.port === killed.port));
      assert.equal(await probe.get("k"), "v");
      probe.destroy();
    }
    for (const node of cluster.nodes) {
      assert.equal(node.process.running, false);
      assert.equal((await connectError(node.port)).code, "ECONNREFUSED");
    }
    assert.equal(existsSync(cluster.dir), false);
  });
});
