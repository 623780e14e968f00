/** Server-side utilities: fetchSockets, socketsJoin, socketsLeave, disconnectSockets. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { next } from "../helpers/events.js";
import type { Server, Socket } from "../../server/index.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { Clients, connected, serverSocketOf, type ClientSocket } from "../helpers/client.js";

describe("server utilities", { timeout: 10_000 }, () => {
  async function three(srv: TestServer, clients: Clients): Promise<{ list: ClientSocket[]; sockets: Socket[] }> {
    const list = await Promise.all([0, 1, 2].map((i) => clients.connect(srv.url, "/", { auth: { i } })));
    return { list, sockets: list.map((c) => serverSocketOf(srv.io.sockets, c)) };
  }

  it("fetchSockets returns id, handshake, rooms and data, filtered by to/except", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const { list, sockets } = await three(srv, clients);
    sockets[0]!.data = { name: "zero" };
    await sockets[0]!.join("red");
    await sockets[1]!.join(["red", "blue"]);
    const all = await srv.io.fetchSockets();
    assert.deepEqual(all.map((s) => s.id).sort(), list.map((c) => c.id).sort());
    const zero = all.find((s) => s.id === list[0]!.id)!;
    assert.deepEqual(zero.data, { name: "zero" });
    assert.deepEqual(zero.handshake.auth, { i: 0 });
    assert.equal(zero.handshake.address, "127.0.0.1");
    assert.equal(typeof zero.handshake.headers, "object");
    assert.deepEqual([...zero.rooms].sort(), [zero.id, "red"].sort());
    const red = await srv.io.in("red").fetchSockets();
    assert.deepEqual(red.map((s) => s.id).sort(), [list[0]!.id, list[1]!.id].sort());
    const notBlue = await srv.io.in("red").except("blue").fetchSockets();
    assert.deepEqual(notBlue.map((s) => s.id), [list[0]!.id]);
    assert.deepEqual([...(await srv.io.in("blue").allSockets())], [list[1]!.id]);
  });

  it("a fetched socket can emit, join, leave and disconnect", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const { list } = await three(srv, clients);
    const [fetched] = await srv.io.in(list[2]!.id!).fetchSockets();
    assert.ok(fetched);
    const got = next<unknown[]>(list[2]!, "direct");
    fetched.emit("direct", 7);
    assert.deepEqual(await got, [7]);
    await fetched.join("green");
    assert.deepEqual([...(await srv.io.in("green").allSockets())], [list[2]!.id]);
    await fetched.leave("green");
    assert.equal((await srv.io.in("green").allSockets()).size, 0);
    const bye = next<[string]>(list[2]!, "disconnect");
    fetched.disconnect();
    assert.equal((await bye)[0], "io server disconnect");
  });

  it("socketsJoin and socketsLeave act on the selected sockets", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const { sockets } = await three(srv, clients);
    await sockets[0]!.join("src");
    await sockets[1]!.join("src");
    srv.io.in("src").socketsJoin(["dst", "dst2"]);
    assert.deepEqual([...(await srv.io.in("dst").allSockets())].sort(), [sockets[0]!.id, sockets[1]!.id].sort());
    srv.io.except(sockets[0]!.id).socketsLeave("dst");
    assert.deepEqual([...(await srv.io.in("dst").allSockets())], [sockets[0]!.id]);
    srv.io.socketsJoin("everyone");
    assert.equal((await srv.io.in("everyone").allSockets()).size, 3);
    srv.io.socketsLeave(["everyone", "dst2"]);
    assert.equal((await srv.io.in("everyone").allSockets()).size, 0);
    assert.equal((await srv.io.in("dst2").allSockets()).size, 0);
  });

  it("disconnectSockets() disconnects the namespace only; other namespaces stay", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const nsp = srv.io.of("/other");
    const { list, sockets } = await three(srv, clients);
    await sockets[0]!.join("kick");
    await sockets[1]!.join("kick");
    const other = list[0]!.io.socket("/other");
    await connected(other);
    const reasons = sockets.slice(0, 2).map((s) => next<[string]>(s, "disconnect"));
    const clientReasons = list.slice(0, 2).map((c) => next<[string]>(c, "disconnect"));
    srv.io.in("kick").disconnectSockets();
    for (const r of await Promise.all(reasons)) assert.equal(r[0], "server namespace disconnect");
    for (const r of await Promise.all(clientReasons)) assert.equal(r[0], "io server disconnect");
    assert.equal(sockets[2]!.connected, true);
    assert.equal(other.connected, true);
    assert.ok(nsp.sockets.has(other.id!));
    // the connection is still usable for the other namespace
    const otherSocket = serverSocketOf(nsp, other);
    const got = next<unknown[]>(otherSocket, "alive");
    other.emit("alive");
    await got;
  });

  it("disconnectSockets(true) closes the whole connection, every namespace", async () => {
    await using srv = await startServer();
    using clients = new Clients("websocket");
    const nsp = srv.io.of("/other2");
    const main = await clients.connect(srv.url);
    const other = main.io.socket("/other2");
    await connected(other);
    const sMain = serverSocketOf(srv.io.sockets, main);
    const sOther = serverSocketOf(nsp, other);
    const bystander = await clients.connect(srv.url);
    const gone = [next(sMain, "disconnect"), next(sOther, "disconnect")];
    const engineClosed = next(main.io.engine as never, "close");
    srv.io.in(sMain.id).disconnectSockets(true);
    await Promise.all(gone);
    await engineClosed;
    assert.equal(main.connected, false);
    assert.equal(other.connected, false);
    assert.equal(bystander.connected, true);
    assert.equal(nsp.sockets.size, 0);
  });

  it("serverSideEmit with a single instance: no other server answers", async () => {
    await using srv = await startServer();
    const responses = await new Promise<unknown[]>((resolve, reject) =>
      srv.io.serverSideEmit("hello", 1, (err: Error | null, r: unknown[]) => (err ? reject(err) : resolve(r))),
    );
    assert.deepEqual(responses, []);
    assert.deepEqual(await srv.io.serverSideEmitWithAck("hello", 2), []);
    assert.throws(() => srv.io.serverSideEmit("connection"));
    await assert.rejects(srv.io.serverSideEmitWithAck("connect"));
  });
});
