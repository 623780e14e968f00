/**
 * @socket.io/admin-ui's server side (`instrument(io)`, the real package) on a roomcast Server, with its admin client
 * (socket.io-client on "/admin", as the UI connects). Differential: the same app and the same scenario run against
 * the official socket.io 4.8 server, and the messages the UI reads must be the same once ids, dates and ports are
 * labelled. Then basic authentication and every action the UI sends, checked on the app's sockets.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Socket as ClientSocket } from "socket.io-client";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { next } from "../helpers/events.js";
import { Server } from "../../server/index.js";
import {
  ADMIN_PASSWORD,
  ADMIN_PASSWORD_HASH,
  AdminRecorder,
  appClient,
  normalize,
  startApp,
  startRoomcastApp,
  type AdminApp,
  type AdminMessage,
  type Kind,
} from "./harness.js";
import { instrument as instrumentRoomcast } from "../../server/admin-ui.js";

interface Run {
  transcript: unknown[];
  stats: unknown;
  disconnectReasons: { a: string; b: string };
  news: unknown[];
  roomsAfterJoin: string[] | undefined;
  roomsAfterLeave: string[] | undefined;
  socketsAfter: string[];
}

const engineId = (c: ClientSocket): string => c.io.engine.id;

/** The scenario: what the UI shows and every action it sends (admin-ui's Feature list, development mode). */
async function scenario(kind: Kind, recovery = false): Promise<Run> {
  const serverOpts = recovery ? { connectionStateRecovery: {} } : {};
  const app: AdminApp = await startApp(kind, {
    instrument: { auth: false, mode: "development", serverId: "server-1" },
    roomcast: serverOpts,
    socketio: serverOpts,
  });
  const clients: ClientSocket[] = [];
  let admin: AdminRecorder | undefined;
  try {
    const a = await appClient(app.url, "a");
    clients.push(a);
    admin = new AdminRecorder(app.url);
    await admin.connected();
    await admin.waitFor("all_sockets");

    const b = await appClient(app.url, "b");
    clients.push(b);
    const [aId, bId] = [a.id!, b.id!]; // the client forgets its id once disconnected
    await admin.waitFor("socket_updated", ([s]) => (s as { id: string }).id === bId);
    const labels = new Map<string, string>([
      [aId, "A"],
      [bId, "B"],
      [admin.socket.id!, "ADMIN"],
      [engineId(a).slice(0, 12), "client-A"],
      [engineId(b).slice(0, 12), "client-B"],
      [engineId(admin.socket).slice(0, 12), "client-ADMIN"],
    ]);

    // events in both directions
    assert.deepEqual(await b.timeout(5000).emitWithAck("echo", { n: 1 }), { n: 1 });
    await admin.waitFor("event_sent", ([, id]) => id === bId);

    // JOIN / LEAVE one socket
    admin.socket.emit("join", "/", "extra", bId);
    await admin.waitFor("room_joined", ([, room, id]) => room === "extra" && id === bId);
    const roomsAfterJoin = app.roomsOf(bId)?.map((r) => labels.get(r) ?? r).sort();
    admin.socket.emit("leave", "/", "extra", bId);
    await admin.waitFor("room_left", ([, room, id]) => room === "extra" && id === bId);
    const roomsAfterLeave = app.roomsOf(bId)?.map((r) => labels.get(r) ?? r).sort();

    // MJOIN / MLEAVE: every socket of the namespace, then a room's sockets
    admin.socket.emit("join", "/", "everyone");
    await admin.waitFor("room_joined", ([nsp, room, id]) => nsp === "/" && room === "everyone" && id === aId);
    await admin.waitFor("room_joined", ([nsp, room, id]) => nsp === "/" && room === "everyone" && id === bId);
    admin.socket.emit("leave", "/", "everyone", "room-a");
    await admin.waitFor("room_left", ([, room, id]) => room === "everyone" && id === aId);

    // EMIT to a room
    const news = next<unknown[]>(b, "news");
    admin.socket.emit("emit", "/", "room-b", "news", "hello", 2);

    // DISCONNECT one socket (namespace only), then a whole client (close)
    const aGone = next<[string]>(a, "disconnect");
    admin.socket.emit("_disconnect", "/", false, aId);
    const [aReason] = await aGone;
    await admin.waitFor("socket_disconnected", ([, id]) => id === aId);
    const got = await news;
    const bGone = next<[string]>(b, "disconnect");
    admin.socket.emit("_disconnect", "/", true, bId);
    const [bReason] = await bGone;
    await admin.waitFor("socket_disconnected", ([, id]) => id === bId);
    await admin.waitFor("room_left", ([, room, id]) => room === "room-b" && id === bId);

    // a stats message sent after both are gone (every 2 s)
    const from = admin.messages.length;
    const stats = await admin.waitFor("server_stats", () => true, 5000, from);

    // with recovery, both servers end every ack-less event with their recovery offset (each its own format), and
    // socket.io-client passes it on as a last argument: left out. The app's own events carry one too, which both
    // servers show to onAnyOutgoing, so it is in event_sent's arguments: replaced by a label
    const withoutOffsets = (m: AdminMessage): unknown[] => {
      if (!recovery) return m.args;
      const args = m.args.slice(0, -1);
      if (m.event === "event_sent") args[2] = [...(args[2] as unknown[]).slice(0, -1), "<offset>"];
      return args;
    };
    const transcript = admin.messages
      .filter((m: AdminMessage) => m.event !== "server_stats")
      .map((m) => normalize([m.event, ...withoutOffsets(m)], labels));
    return {
      transcript,
      stats: normalizeStats(stats.args[0]),
      disconnectReasons: { a: aReason, b: bReason },
      news: got,
      roomsAfterJoin,
      roomsAfterLeave,
      socketsAfter: app.socketIds(),
    };
  } catch (err) {
    throw new Error(`${kind}: ${(err as Error).message}`, { cause: err });
  } finally {
    admin?.close();
    for (const c of clients) c.close();
    await app.close();
  }
}

/** server_stats with the figures that vary replaced by their types; the event kinds it aggregated, sorted. */
function normalizeStats(value: unknown): unknown {
  const s = value as Record<string, unknown>;
  const types = [...new Set((s["aggregatedEvents"] as Array<{ type: string }>).map((e) => e.type))].sort();
  return {
    keys: Object.keys(s).sort(),
    serverId: s["serverId"],
    hostname: typeof s["hostname"],
    pid: typeof s["pid"],
    uptime: typeof s["uptime"],
    clientsCount: s["clientsCount"],
    pollingClientsCount: s["pollingClientsCount"],
    namespaces: s["namespaces"],
    aggregatedTypes: types,
  };
}

describe("@socket.io/admin-ui on roomcast: one server", { timeout: 60_000 }, () => {
  it("instrument(io) sends the UI the same messages as on socket.io 4.8, and every action takes effect (differential)", async () => {
    const [roomcast, socketio] = await Promise.all([scenario("roomcast"), scenario("socket.io")]);
    assert.deepEqual(roomcast.transcript, socketio.transcript);
    assert.deepEqual(
      roomcast.transcript.map((m) => (m as unknown[])[0]),
      // the admin's own connection; B's connection, data update, event in and out; JOIN, LEAVE, MJOIN, MLEAVE, EMIT,
      // DISCONNECT (A), DISCONNECT with close (B, its three rooms)
      ["room_joined", "socket_connected", "config", "all_sockets", "room_joined", "socket_connected", "room_joined", "socket_updated",
        "event_received", "event_sent", "room_joined", "room_left", "room_joined", "room_joined", "room_left", "event_sent",
        "socket_disconnected", "room_left", "room_left", "socket_disconnected", "room_left", "room_left", "room_left"],
    );
    assert.deepEqual((roomcast.stats as { namespaces: unknown }).namespaces, [{ name: "/", socketsCount: 0 }, { name: "/admin", socketsCount: 1 }]);
    assert.deepEqual(roomcast.stats, socketio.stats);
    assert.deepEqual(roomcast.disconnectReasons, socketio.disconnectReasons);
    assert.deepEqual(roomcast.news, ["hello", 2]);
    assert.deepEqual(roomcast.news, socketio.news);
    assert.deepEqual(roomcast.roomsAfterJoin, ["B", "extra", "room-b"]);
    assert.deepEqual(roomcast.roomsAfterJoin, socketio.roomsAfterJoin);
    assert.deepEqual(roomcast.roomsAfterLeave, ["B", "room-b"]);
    assert.deepEqual(roomcast.roomsAfterLeave, socketio.roomsAfterLeave);
    assert.deepEqual(roomcast.socketsAfter, []);
    assert.deepEqual(socketio.socketsAfter, []);
  });

  it("with connectionStateRecovery (emits go through the adapter): the same messages as socket.io 4.8", async () => {
    const [roomcast, socketio] = await Promise.all([scenario("roomcast", true), scenario("socket.io", true)]);
    assert.deepEqual(roomcast.transcript, socketio.transcript);
    assert.deepEqual(roomcast.stats, socketio.stats);
    assert.deepEqual(roomcast.news.slice(0, -1), socketio.news.slice(0, -1)); // then the offset
  });
});

/** Runs `fn` against the app on both servers; returns [roomcast's result, socket.io's]. */
async function onBoth<T>(fn: (kind: Kind) => Promise<T>): Promise<[T, T]> {
  return Promise.all([fn("roomcast"), fn("socket.io")]);
}

describe("@socket.io/admin-ui on roomcast: options and transports (same as socket.io 4.8)", { timeout: 60_000 }, () => {
  it("basic auth (bcrypt hash): wrong password refused, right one gets a session id that logs in again", async () => {
    const [roomcast, socketio] = await onBoth(async (kind) => {
      const app = await startApp(kind, { instrument: { auth: { type: "basic", username: "admin", password: ADMIN_PASSWORD_HASH } } });
      const admins: AdminRecorder[] = [];
      const login = async (auth: Record<string, unknown>): Promise<AdminRecorder | string> => {
        const admin = new AdminRecorder(app.url, { auth });
        admins.push(admin);
        try {
          await admin.connected();
          return admin;
        } catch (err) {
          return (err as Error).message;
        }
      };
      try {
        const refused = [await login({}), await login({ username: "admin", password: "wrong" }), await login({ username: "root", password: ADMIN_PASSWORD })];
        const ok = await login({ username: "admin", password: ADMIN_PASSWORD });
        assert.ok(ok instanceof AdminRecorder, `${kind}: ${String(ok)}`);
        const [sessionId] = (await ok.waitFor("session")).args as [string];
        await ok.waitFor("config");
        const again = await login({ sessionId });
        assert.ok(again instanceof AdminRecorder, `${kind}: ${String(again)}`);
        const config = await again.waitFor("config");
        return { refused, sessionId: typeof sessionId, config: config.args };
      } finally {
        for (const a of admins) a.close();
        await app.close();
      }
    });
    assert.deepEqual(roomcast.refused, ["invalid credentials", "invalid credentials", "invalid credentials"]);
    assert.deepEqual(roomcast, socketio);
  });

  it("polling client: listed as polling, then updated to websocket after the upgrade; data set by a middleware is shown", async () => {
    const [roomcast, socketio] = await onBoth(async (kind) => {
      const app = await startApp(kind, {
        instrument: { auth: false, mode: "development" },
        setup: (io) => {
          (io.use as (fn: (socket: { data: Record<string, unknown> }, next: () => void) => void) => unknown)((socket, next) => {
            socket.data["role"] = "tester";
            next();
          });
        },
      });
      const admin = new AdminRecorder(app.url);
      let c: ClientSocket | undefined;
      try {
        await admin.connected();
        await admin.waitFor("all_sockets");
        const from = admin.messages.length;
        c = await appClient(app.url, "p", ["polling", "websocket"]);
        const id = c.id!;
        const connected = await admin.waitFor("socket_connected", ([s]) => (s as { id: string }).id === id, 5000, from);
        const upgraded = await admin.waitFor("socket_updated", ([s]) => (s as { id: string; transport?: string }).id === id && (s as { transport?: string }).transport !== undefined, 5000, from);
        const s = connected.args[0] as { transport: string; data: unknown; handshake: { query: Record<string, unknown> } };
        return {
          transport: s.transport,
          data: s.data,
          query: Object.keys(s.handshake.query).sort(),
          updated: normalize(upgraded.args, new Map([[id, "P"]])),
        };
      } finally {
        c?.close();
        admin.close();
        await app.close();
      }
    });
    assert.deepEqual(roomcast.transport, "polling");
    assert.deepEqual(roomcast.data, { role: "tester" });
    assert.deepEqual(roomcast.updated, [{ id: "P", nsp: "/", transport: "websocket" }]);
    assert.deepEqual(roomcast, socketio);
  });

  it("production mode and readonly: only aggregated events, no socket list, actions ignored", async () => {
    const [roomcast, socketio] = await onBoth(async (kind) => {
      const app = await startApp(kind, { instrument: { auth: false, mode: "production", readonly: true } });
      const admin = new AdminRecorder(app.url);
      let c: ClientSocket | undefined;
      try {
        c = await appClient(app.url, "r");
        const id = c.id!;
        await admin.connected();
        const config = await admin.waitFor("config");
        admin.socket.emit("_disconnect", "/", false, id);
        admin.socket.emit("join", "/", "nope", id);
        // packets are handled in order: had the actions above been handled, they would have run before the
        // server_stats that follows them
        const stats = await admin.waitFor("server_stats", () => true, 5000, admin.messages.length);
        return {
          config: config.args,
          events: [...new Set(admin.messages.map((m) => m.event))].sort(),
          stillConnected: app.socketIds().length,
          rooms: app.roomsOf(id)?.length,
          statsKeys: Object.keys(stats.args[0] as object).sort(),
        };
      } finally {
        c?.close();
        admin.close();
        await app.close();
      }
    });
    assert.deepEqual(roomcast.config, [{ supportedFeatures: ["AGGREGATED_EVENTS"] }]);
    assert.equal(roomcast.stillConnected, 1);
    assert.deepEqual(roomcast, socketio);
  });

  it("dynamic namespaces: a child created after instrument() is listed with its sockets", async () => {
    const [roomcast, socketio] = await onBoth(async (kind) => {
      const app = await startApp(kind, {
        instrument: { auth: false, mode: "development" },
        setup: (io) => void (io.of as (re: RegExp) => unknown)(/^\/dyn-\d+$/),
      });
      const admin = new AdminRecorder(app.url);
      let c: ClientSocket | undefined;
      try {
        await admin.connected();
        await admin.waitFor("all_sockets");
        c = await appClient(app.url + "/dyn-7", "d");
        const id = c.id!;
        const connected = await admin.waitFor("socket_connected", ([s]) => (s as { id: string }).id === id);
        const from = admin.messages.length;
        const stats = await admin.waitFor("server_stats", () => true, 5000, from);
        return {
          nsp: (connected.args[0] as { nsp: string }).nsp,
          namespaces: (stats.args[0] as { namespaces: unknown }).namespaces,
        };
      } finally {
        c?.close();
        admin.close();
        await app.close();
      }
    });
    assert.equal(roomcast.nsp, "/dyn-7");
    assert.deepEqual(roomcast, socketio);
  });
});

describe("@socket.io/admin-ui on roomcast: compatibility surface", () => {
  it("io._nsps is io.namespaces, and socket.client.id is the Engine.IO session id", async () => {
    const app = await startRoomcastApp({ instrument: { auth: false } });
    let c: ClientSocket | undefined;
    try {
      assert.equal(app.io._nsps, app.io.namespaces);
      assert.deepEqual([...app.io._nsps.keys()], ["/", "/admin"]);
      c = await appClient(app.url, "x");
      const socket = app.io.sockets.sockets.get(c.id!)!;
      assert.equal(socket.client.id, c.io.engine.id);
      assert.equal(socket.client.id, socket.conn["id"]);
    } finally {
      c?.close();
      await app.close();
    }
  });

  it("instrument() before listen() (no engine yet): the engine's connections are still counted", async () => {
    const io = new Server();
    instrumentRoomcast(io, { auth: false, serverId: "late-engine" });
    const http = createServer();
    io.listen(http); // same tick: admin-ui looks for io.engine on the next one
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const admin = new AdminRecorder(url);
    try {
      await admin.connected();
      const stats = await admin.waitFor("server_stats", ([s]) =>
        (s as { aggregatedEvents: Array<{ type: string }> }).aggregatedEvents.some((e) => e.type === "rawConnection"),
      );
      assert.equal((stats.args[0] as { clientsCount: number }).clientsCount, 1);
    } finally {
      admin.close();
      await io.close();
    }
  });
});
