/**
 * roomcast/redis against a real redis-server (started here, on a free loopback port): the conformance suite on
 * three instances, key prefixes, the refused sharded option, the wire format's validation.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { io as ioc } from "socket.io-client";
import { io as roomcastClient } from "../../client/index.js";
import { createAdapter, type RedisAdapterOptions } from "../../server/adapter/redis/index.js";
import { decodeMessage, encodeMessage, MalformedMessageError, MessageType } from "../../server/adapter/cluster-message.js";
import type { ServerOptions } from "../../server/index.js";
import { RedisProcess } from "../helpers/redis.js";
import { startServer } from "../helpers/server.js";
import { next } from "../helpers/events.js";
import { adapterConformanceSuite, clusterReady, type CreateCluster, type TestCluster } from "./conformance.js";

let redis: RedisProcess;
before(async () => {
  redis = await RedisProcess.start();
});
after(() => redis.stop());

let clusters = 0;
export function redisCluster(getRedis: () => RedisProcess, n: number, extra: RedisAdapterOptions = {}): CreateCluster {
  return async (opts?: Partial<ServerOptions>): Promise<TestCluster> => {
    const key = `t${process.pid}-${clusters++}`;
    const servers = await Promise.all(
      Array.from({ length: n }, () =>
        startServer({ ...opts, adapter: createAdapter(createClient({ url: getRedis().url }), undefined, { key, heartbeatInterval: 1000, ...extra }) }),
      ),
    );
    return {
      servers,
      ready: (nsp = "/") => clusterReady(servers, nsp),
      close: async () => void (await Promise.all(servers.map((s) => s.close()))),
    };
    // the suite closes the cluster in afterEach, even when ready() fails
  };
}

adapterConformanceSuite("redis streams (3 instances)", redisCluster(() => redis, 3));

describe("roomcast/redis specifics", { timeout: 20_000 }, () => {
  it("two apps with different key prefixes on one Redis do not see each other", async () => {
    const make = redisCluster(() => redis, 2);
    const [a, b] = [await make(), await make()];
    try {
      await Promise.all([a.ready(), b.ready()]);
      assert.equal(await a.servers[0]!.io.sockets.adapter.serverCount(), 2);
      assert.equal(await b.servers[0]!.io.sockets.adapter.serverCount(), 2);
      const client = ioc(b.servers[1]!.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
      await next(client, "connect");
      let leaked = 0;
      client.on("m", () => leaked++);
      const marker = next(client, "end");
      a.servers[0]!.io.emit("m");
      b.servers[0]!.io.emit("end");
      await marker;
      client.close();
      assert.equal(leaked, 0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("roomcast's own client: a broadcast with binary and an ack round trip across instances", async () => {
    const c = await redisCluster(() => redis, 2)();
    const client = roomcastClient(c.servers[1]!.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
    try {
      const connected = client.connected ? Promise.resolve() : next(client, "connect");
      await c.ready();
      await connected;
      const got = next<[Buffer]>(client, "bin");
      c.servers[0]!.io.emit("bin", Buffer.from([5, 6]));
      assert.deepEqual([...new Uint8Array((await got)[0])], [5, 6]);
      client.on("ask", (cb: (n: number) => void) => cb(11));
      assert.deepEqual(await c.servers[0]!.io.timeout(2000).emitWithAck("ask"), [11]);
    } finally {
      client.close();
      await c.close();
    }
  });

  it("the removed sharded mode is refused with ERR_INVALID_OPTION, not silently ignored", () => {
    const template = createClient({ url: redis.url });
    const opts = { sharded: true } as unknown as RedisAdapterOptions;
    assert.throws(() => createAdapter(template, undefined, opts), (err: Error & { code?: string }) => {
      assert.equal(err.code, "ERR_INVALID_OPTION");
      assert.match(err.message, /sharded mode was removed/);
      return true;
    });
    assert.doesNotThrow(() => createAdapter(template, undefined, { sharded: false }));
  });
});

describe("cluster wire format", () => {
  it("round-trips every field, binary included", () => {
    const msg = {
      uid: "u1",
      seq: 3,
      nsp: "/chat",
      type: MessageType.BROADCAST,
      data: ["ev", Buffer.from([1, 2]), { nested: new Uint8Array([3]) }],
      opts: { rooms: ["a"], except: ["b"], volatile: true, compress: false, timeout: 50 },
      rid: 7,
    } as const;
    const back = decodeMessage(encodeMessage(msg as never));
    assert.equal(back.type, MessageType.BROADCAST);
    if (back.type !== MessageType.BROADCAST) return;
    assert.deepEqual(back.opts, msg.opts);
    assert.deepEqual([...(back.data[1] as Buffer)], [1, 2]);
    assert.deepEqual([...((back.data[2] as { nested: Buffer }).nested)], [3]);
    assert.equal(back.rid, 7);
  });

  it("rejects garbage with a MalformedMessageError, never anything else", () => {
    const bad = [
      "",
      "not json",
      "null",
      "[]",
      '{"v":1,"u":"a","s":1,"n":"/","t":0}', // wire version 1 (binary markers revived everywhere) is gone
      '{"v":2,"u":5,"s":1,"n":"/","t":0}',
      '{"v":2,"u":"a","s":-1,"n":"/","t":0}',
      '{"v":2,"u":"a","s":1,"n":"/","t":99}',
      '{"v":2,"u":"a","s":1,"n":"/","t":2,"data":[1],"opts":{"rooms":[],"except":[]}}',
      // a room is a string or a number (socket.io accepts join(123)); nothing else
      '{"v":2,"u":"a","s":1,"n":"/","t":2,"data":["e"],"opts":{"rooms":[null],"except":[]}}',
      '{"v":2,"u":"a","s":1,"n":"/","t":2,"data":["e"],"opts":{"rooms":[],"except":[true]}}',
      '{"v":2,"u":"a","s":1,"n":"/","t":2,"data":["e"],"opts":{"rooms":[{"r":1}],"except":[]}}',
      '{"v":2,"u":"a","s":1,"n":"/","t":2,"data":["e"],"opts":{"rooms":[],"except":[],"volatile":"yes"}}',
      '{"v":2,"u":"a","s":1,"n":"/","t":9,"rid":1,"sockets":[{"id":"x","handshake":null,"rooms":[]}]}',
      '{"v":2,"u":"a","s":1,"n":"/","t":13,"rid":1,"session":{"sid":"s","pid":"p","rooms":[],"missedPackets":[1]}}',
      '{"v":2,"u":"a","s":1.5,"n":"/","t":0}',
    ];
    for (const text of bad) assert.throws(() => decodeMessage(text), MalformedMessageError, text);
  });
});
