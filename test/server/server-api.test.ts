/** Creating and attaching a Server: listen(port), attach(http), custom path, perMessageDeflate, close(). */
import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "../../server/index.js";
import { next } from "../helpers/events.js";
import { Clients, MODES, serverSocketOf } from "../helpers/client.js";

describe("server API", { timeout: 10_000 }, () => {
  const servers: Server[] = [];
  const clients = new Clients("websocket");
  afterEach(async () => {
    clients.closeAll();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  function url(io: Server): string {
    return `http://127.0.0.1:${(io.httpServer!.address() as AddressInfo).port}`;
  }

  it("listen(0) creates its own HTTP server; close() stops it", async () => {
    const io = new Server();
    servers.push(io);
    io.listen(0);
    await next(io.httpServer!, "listening");
    const client = await clients.connect(url(io));
    assert.ok(io.sockets.sockets.has(client.id!));
    let closedWith: Error | undefined | null = null;
    await io.close((err) => (closedWith = err));
    assert.equal(closedWith, undefined);
    assert.equal(io.httpServer!.listening, false);
  });

  it("attach() to an existing HTTP server, on a custom path; other requests still reach the app", async () => {
    const http = createServer((_req, res) => res.end("app"));
    const io = new Server({ path: "/rt" });
    servers.push(io);
    io.attach(http);
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    assert.equal(io.path(), "/rt");
    const client = await clients.connect(url(io), "/", { path: "/rt" });
    assert.equal(client.connected, true);
    const res = await fetch(`${url(io)}/hello`);
    assert.equal(await res.text(), "app");
    const wrongPath = clients.open(url(io), "/", { path: "/socket.io", transports: ["polling"] });
    await next(wrongPath, "connect_error");
  });

  for (const mode of MODES) {
    it(`broadcasts and single emits with perMessageDeflate enabled (${mode})`, async () => {
      const http = createServer();
      const io = new Server(http, { perMessageDeflate: { threshold: 0 } });
      servers.push(io);
      await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
      const c = new Clients(mode);
      try {
        const client = await c.connect(url(io));
        const socket = serverSocketOf(io.sockets, client);
        const text = "compress me ".repeat(200);
        const got = next<unknown[]>(client, "big");
        io.emit("big", text);
        assert.equal((await got)[0], text);
        const got2 = next<unknown[]>(client, "big");
        socket.emit("big", text, Buffer.from([1]));
        const [t, b] = await got2;
        assert.equal(t, text);
        assert.deepEqual([...new Uint8Array(b as ArrayBuffer)], [1]);
      } finally {
        c.closeAll();
      }
    });
  }
});
