/**
 * @socket.io/admin-ui on two roomcast instances sharing a real redis-server (roomcast/redis): the admin client,
 * connected to one instance, sees both servers, the sockets of both, their rooms and events, and its actions reach a
 * socket connected to the other instance.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Socket as ClientSocket } from "socket.io-client";
import { RedisProcess } from "../helpers/redis.js";
import { next } from "../helpers/events.js";
import { AdminRecorder, appClient, startRedisCluster, type AdminApp } from "./harness.js";
import type { Server } from "../../server/index.js";

interface ListedSocket {
  id: string;
  nsp: string;
  clientId: string;
  transport: string;
  data: Record<string, unknown>;
  rooms: string[];
  handshake: { address: string; query: Record<string, unknown> };
}

describe("@socket.io/admin-ui on two roomcast instances over Redis", { timeout: 60_000 }, () => {
  let redis: RedisProcess;
  before(async () => {
    redis = await RedisProcess.start();
  });
  after(() => redis?.stop());

  it("lists both servers and their sockets; rooms, events and every action work on a socket of the other instance", async () => {
    const apps: Array<AdminApp & { io: Server }> = await startRedisCluster(redis.url, 2, { instrument: { auth: false, mode: "development" } });
    const [one, two] = apps as [AdminApp & { io: Server }, AdminApp & { io: Server }];
    const clients: ClientSocket[] = [];
    let admin: AdminRecorder | undefined;
    try {
      const local = await appClient(one.url, "local");
      const remote = await appClient(two.url, "remote");
      clients.push(local, remote);
      const [localId, remoteId] = [local.id!, remote.id!];

      admin = new AdminRecorder(one.url); // after the app's clients: they are in its first socket list
      await admin.connected();
      // both servers report (server_stats is broadcast on the admin namespace, so it crosses Redis)
      await admin.waitFor("server_stats", ([s]) => (s as { serverId: string }).serverId === "server-1");
      const stats2 = await admin.waitFor("server_stats", ([s]) => (s as { serverId: string }).serverId === "server-2");
      assert.equal((stats2.args[0] as { clientsCount: number }).clientsCount, 1);

      // the socket list spans both instances (fetchSockets over Redis)
      const [all] = (await admin.waitFor("all_sockets")).args as [ListedSocket[]];
      const byId = new Map(all.map((s) => [s.id, s]));
      const listedRemote = byId.get(remoteId);
      assert.ok(byId.has(localId) && listedRemote, `all_sockets: ${JSON.stringify([...byId.keys()])}`);
      assert.deepEqual([...listedRemote.rooms].sort(), [remoteId, "room-remote"].sort());
      assert.deepEqual(listedRemote.data, { name: "remote" });
      assert.equal(listedRemote.transport, "websocket");
      assert.equal(listedRemote.clientId, remote.io.engine.id.slice(0, 12));
      assert.equal(listedRemote.handshake.address, "127.0.0.1");
      assert.equal(listedRemote.handshake.query["transport"], "websocket");
      assert.equal(listedRemote.nsp, "/");
      // listed across Redis exactly as the socket's own instance lists it
      const local2 = new AdminRecorder(two.url);
      try {
        await local2.connected();
        const [all2] = (await local2.waitFor("all_sockets")).args as [ListedSocket[]];
        assert.deepEqual(listedRemote, all2.find((s) => s.id === remoteId));
      } finally {
        local2.close();
      }

      // a socket connecting to the other instance now: connection, rooms, data update, events
      const late = await appClient(two.url, "late");
      clients.push(late);
      const lateId = late.id!;
      await admin.waitFor("socket_connected", ([s]) => (s as ListedSocket).id === lateId);
      await admin.waitFor("room_joined", ([nsp, room, id]) => nsp === "/" && room === "room-late" && id === lateId);
      await admin.waitFor("socket_updated", ([s]) => (s as ListedSocket).id === lateId);
      assert.deepEqual(await late.timeout(5000).emitWithAck("echo", "x"), "x");
      const received = await admin.waitFor("event_received", ([, id]) => id === lateId);
      assert.deepEqual(received.args.slice(0, 3), ["/", lateId, ["echo", "x"]]);
      const sent = await admin.waitFor("event_sent", ([, id]) => id === lateId);
      assert.deepEqual(sent.args.slice(0, 3), ["/", lateId, ["echoed", "x"]]);

      // JOIN / LEAVE a remote socket
      admin.socket.emit("join", "/", "vip", remoteId);
      await admin.waitFor("room_joined", ([, room, id]) => room === "vip" && id === remoteId);
      assert.ok(two.roomsOf(remoteId)?.includes("vip"));
      admin.socket.emit("leave", "/", "vip", remoteId);
      await admin.waitFor("room_left", ([, room, id]) => room === "vip" && id === remoteId);
      assert.ok(!two.roomsOf(remoteId)?.includes("vip"));

      // MJOIN: every socket of the namespace, on both instances
      admin.socket.emit("join", "/", "everyone");
      for (const id of [localId, remoteId, lateId]) await admin.waitFor("room_joined", ([, room, sid]) => room === "everyone" && sid === id);
      assert.ok(one.roomsOf(localId)?.includes("everyone") && two.roomsOf(lateId)?.includes("everyone"));
      // MLEAVE by room
      admin.socket.emit("leave", "/", "everyone", "room-late");
      await admin.waitFor("room_left", ([, room, id]) => room === "everyone" && id === lateId);
      assert.ok(!two.roomsOf(lateId)?.includes("everyone") && two.roomsOf(remoteId)?.includes("everyone"));

      // EMIT to a room whose only member is on the other instance
      const news = next<unknown[]>(remote, "news");
      admin.socket.emit("emit", "/", "room-remote", "news", { from: "admin" });
      assert.deepEqual(await news, [{ from: "admin" }]);

      // DISCONNECT a remote socket, then a remote client (close)
      const remoteGone = next<[string]>(remote, "disconnect");
      admin.socket.emit("_disconnect", "/", false, remoteId);
      assert.equal((await remoteGone)[0], "io server disconnect");
      const disconnected = await admin.waitFor("socket_disconnected", ([, id]) => id === remoteId);
      assert.equal(disconnected.args[2], "server namespace disconnect");
      const lateGone = next<[string]>(late, "disconnect");
      admin.socket.emit("_disconnect", "/", true, lateId);
      await lateGone;
      await admin.waitFor("socket_disconnected", ([, id]) => id === lateId);
      assert.deepEqual(two.socketIds(), []);
      assert.deepEqual(one.socketIds(), [localId]);

      // both servers' stats after: the other instance has no socket left
      const from = admin.messages.length;
      const after2 = await admin.waitFor("server_stats", ([s]) => (s as { serverId: string }).serverId === "server-2", 5000, from);
      const nsps = (after2.args[0] as { namespaces: Array<{ name: string; socketsCount: number }> }).namespaces;
      assert.deepEqual(nsps.find((n) => n.name === "/"), { name: "/", socketsCount: 0 });
    } finally {
      admin?.close();
      for (const c of clients) c.close();
      await Promise.all(apps.map((a) => a.close()));
    }
  });
});
