/**
 * roomcast/redis: responses to cluster requests (fetchSockets, serverSideEmit acks, allRooms) go to the asking
 * instance alone over its own pub/sub channel — not into the stream, which every instance reads and Redis keeps.
 * Broadcasts and requests stay on the stream (zero loss, per-sender order).
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { io as ioc, type Socket as ClientSocket } from "socket.io-client";
import { createAdapter } from "../../server/adapter/redis/index.js";
import { decodeMessage, encodeMessage, MalformedMessageError, MAX_PARTS, MessageType, type ClusterMessage } from "../../server/adapter/cluster-message.js";
import { RedisProcess } from "../helpers/redis.js";
import { startServer } from "../helpers/server.js";
import { next } from "../helpers/events.js";
import { clusterReady } from "./conformance.js";

describe("roomcast/redis responses", { timeout: 30_000 }, () => {
  let redis: RedisProcess;
  before(async () => {
    redis = await RedisProcess.start();
  });
  after(() => redis.stop());

  it("go to the asking instance only (PUBLISH on its channel): the stream holds the requests, no response", async () => {
    const key = `resp${process.pid}`;
    const servers = await Promise.all([0, 1, 2].map(() => startServer({ adapter: createAdapter(createClient({ url: redis.url }), undefined, { key, heartbeatInterval: 1000 }) })));
    const clients: ClientSocket[] = [];
    const raw = createClient({ url: redis.url });
    try {
      await clusterReady(servers);
      for (const srv of servers) {
        const client = ioc(srv.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
        clients.push(client);
        await next(client, "connect");
      }
      for (const srv of servers.slice(1)) srv.io.on("ping", (cb: (r: string) => void) => cb("pong"));
      const io = servers[0]!.io;
      const fetched = await io.fetchSockets();
      assert.deepEqual(fetched.map((s) => s.id).sort(), clients.map((c) => c.id).sort());
      assert.deepEqual(await io.serverSideEmitWithAck("ping"), ["pong", "pong"]);
      assert.equal((await io.sockets.adapter.allRooms()).size, 3);

      await raw.connect();
      const entries = (await raw.sendCommand(["XRANGE", `${key}:stream`, "-", "+"])) as Array<[string, string[]]>;
      const types = entries.map(([, fields]) => (JSON.parse(fields[1]!) as { t: number }).t);
      for (const t of [MessageType.FETCH_SOCKETS, MessageType.SERVER_SIDE_EMIT, MessageType.ALL_ROOMS]) assert.ok(types.includes(t), `request ${t} on the stream`);
      for (const t of [MessageType.FETCH_SOCKETS_RESPONSE, MessageType.SERVER_SIDE_EMIT_RESPONSE, MessageType.ALL_ROOMS_RESPONSE]) {
        assert.ok(!types.includes(t), `no response of type ${t} on the stream`);
      }
      const channels = (await raw.sendCommand(["PUBSUB", "CHANNELS", `${key}:to:*`])) as string[];
      assert.equal(channels.length, 3, "one response channel per instance");
    } finally {
      for (const c of clients) c.close();
      raw.destroy();
      await Promise.all(servers.map((s) => s.close()));
    }
  });

  it("a fetchSockets answer of 250 sockets comes in parts of 100 and is awaited whole", async () => {
    const key = `parts${process.pid}`;
    const servers = await Promise.all([0, 1].map(() => startServer({ adapter: createAdapter(createClient({ url: redis.url }), undefined, { key }) })));
    const clients: ClientSocket[] = [];
    try {
      await clusterReady(servers);
      for (let i = 0; i < 250; i++) {
        const client = ioc(servers[1]!.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
        clients.push(client);
      }
      await Promise.all(clients.map((c) => (c.connected ? undefined : next(c, "connect"))));
      const parts: number[] = [];
      const adapter = servers[0]!.io.sockets.adapter as unknown as { onClusterMessage(msg: { type: number; sockets?: unknown[] }): void };
      const original = adapter.onClusterMessage.bind(adapter);
      adapter.onClusterMessage = (msg) => {
        if (msg.type === MessageType.FETCH_SOCKETS_RESPONSE) parts.push(msg.sockets!.length);
        original(msg);
      };
      for (let round = 0; round < 3; round++) {
        parts.length = 0;
        const fetched = await servers[0]!.io.fetchSockets();
        assert.deepEqual(fetched.map((s) => s.id).sort(), clients.map((c) => c.id).sort());
        assert.deepEqual(parts.sort((a, b) => b - a), [100, 100, 50]);
      }
    } finally {
      for (const c of clients) c.close();
      await Promise.all(servers.map((s) => s.close()));
    }
  });

  it("a part count out of range is refused as malformed", () => {
    const base = (parts: number): ClusterMessage => ({ uid: "u", seq: 0, nsp: "/", type: MessageType.FETCH_SOCKETS_RESPONSE, rid: 1, sockets: [], parts });
    assert.equal((decodeMessage(encodeMessage(base(3))) as { parts?: number }).parts, 3);
    for (const parts of [0, -1, MAX_PARTS + 1, 1.5]) {
      assert.throws(() => decodeMessage(encodeMessage(base(parts))), MalformedMessageError, String(parts));
    }
  });
});
