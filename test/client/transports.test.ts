/** Transports (polling only, websocket only, WebSocket blocked → long-polling fallback). serveClient: test/server/serve-client.test.ts. */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, request, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { io, type Socket } from "../../client/index.js";
import { next } from "../helpers/events.js";
import { KINDS, startKind, type AnyServer, type TestServer } from "../helpers/server.js";

/** A loopback HTTP proxy to `target` that refuses every `Upgrade` (WebSocket blocked by a middlebox). */
async function upgradeBlockingProxy(target: number): Promise<{ url: string; refused: () => number; close(): Promise<void> }> {
  let refused = 0;
  const proxy = createServer((req, res) => {
    const upstream = request(
      { host: "127.0.0.1", port: target, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  proxy.on("upgrade", (_req, socket) => {
    refused++;
    socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    refused: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  };
}

for (const kind of KINDS) {
  describe(`client transports against ${kind}`, { timeout: 20_000 }, () => {
    let srv: TestServer<AnyServer>;
    const open: Socket[] = [];
    const client = (url: string, opts: Parameters<typeof io>[1]): Socket => {
      const socket = io(url, { forceNew: true, ...opts });
      open.push(socket);
      return socket;
    };
    before(async () => {
      srv = await startKind(kind);
      srv.io.on("connection", (s: AnyServer) => {
        s.on("echo", (...args: unknown[]) => (args.pop() as (...a: unknown[]) => void)(...args));
      });
    });
    after(async () => {
      for (const s of open) s.disconnect();
      await srv.close();
    });

    async function roundTrip(socket: Socket): Promise<void> {
      if (!socket.connected) await next(socket, "connect");
      assert.equal(await socket.emitWithAck("echo", "hi"), "hi");
      const echoed = await new Promise<unknown[]>((resolve) => socket.emit("echo", "hi", new Uint8Array([1, 2]), (...a: unknown[]) => resolve(a)));
      assert.equal(echoed[0], "hi");
      assert.deepEqual([...(echoed[1] as Buffer)], [1, 2]);
    }

    it("long-polling only", async () => {
      const socket = client(srv.url, { transports: ["polling"] });
      await roundTrip(socket);
      assert.equal(socket.io.engine?.transport.name, "polling");
    });

    it("websocket only", async () => {
      const socket = client(srv.url, { transports: ["websocket"] });
      await roundTrip(socket);
      assert.equal(socket.io.engine?.transport.name, "websocket");
    });

    it("default: long-polling first, then upgrade to WebSocket", async () => {
      const socket = client(srv.url, {});
      await next(socket, "connect");
      if (socket.io.engine?.transport.name !== "websocket") await next(untyped(socket.io.engine), "upgrade");
      assert.equal(socket.io.engine?.transport.name, "websocket");
      await roundTrip(socket);
    });

    it('WebSocket blocked: ["websocket", "polling"] + tryAllTransports falls back to long-polling', async () => {
      const proxy = await upgradeBlockingProxy(srv.port);
      try {
        const socket = client(proxy.url, { transports: ["websocket", "polling"], tryAllTransports: true, reconnection: false });
        await roundTrip(socket);
        assert.equal(socket.io.engine?.transport.name, "polling");
        assert.ok(proxy.refused() >= 1);
        socket.disconnect();
      } finally {
        await proxy.close();
      }
    });
  });
}

function untyped(emitter: object | undefined): Parameters<typeof next>[0] {
  return emitter as Parameters<typeof next>[0];
}
