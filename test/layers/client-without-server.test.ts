/**
 * The client session (server/client.ts) is the bottom of the server's object layers: it imports nothing above it and
 * gets what it needs as a ClientContext. Here it runs on a bare engine.io server with a plain context and a plain
 * namespace — no roomcast Server — and routes, answers and refuses as it does under one.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server as EngineServer, type Socket as EngineSocket } from "engine.io";
import { Socket as EngineClient } from "engine.io-client";
import { Client } from "../../server/index.js";
import type { ClientContext, JoinableNamespace } from "../../server/client.js";
import { bufferLimits } from "../../server/engine/backpressure.js";
import { PacketType } from "../../shared/packet.js";

/** The next `event` of an engine.io client (its arguments). */
function next<T extends unknown[]>(socket: EngineClient, event: "open" | "message" | "close"): Promise<T> {
  return new Promise((resolve) => socket.once(event, (...args: unknown[]) => resolve(args as T)));
}

/** A bare engine.io server whose sessions are roomcast Clients with `context`; disposed with the test. */
async function bareEngine(context: ClientContext): Promise<{ url: string; clients: Client[] } & AsyncDisposable> {
  const http = createServer();
  const engine = new EngineServer();
  engine.attach(http);
  const clients: Client[] = [];
  engine.on("connection", (conn: EngineSocket) => clients.push(new Client(context, conn)));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    clients,
    async [Symbol.asyncDispose]() {
      engine.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

/** An engine.io client over WebSocket, open; closed with the test. */
async function open(url: string): Promise<EngineClient & Disposable> {
  const socket = new EngineClient(url, { transports: ["websocket"] }) as EngineClient & Disposable;
  socket[Symbol.dispose] = () => socket.close();
  await next(socket, "open");
  return socket;
}

function context(resolve: ClientContext["resolveNamespace"], onError: (where: string) => void = () => undefined): ClientContext {
  return {
    bufferLimits: bufferLimits(),
    maxAttachments: 10,
    maxNamespacesPerConnection: 2,
    connectTimeout: 5000,
    resolveNamespace: resolve,
    reportError: (_err, where) => onError(where),
  };
}

describe("a Client without a Server", () => {
  it("resolves the namespace of a CONNECT through its context, hands it the session and auth, writes its answer", async () => {
    const asked: Array<[string, Record<string, unknown>]> = [];
    const chat: JoinableNamespace = {
      add: async (client, auth) => {
        assert.ok(client instanceof Client);
        client.writePacket({ type: PacketType.CONNECT, nsp: "/chat", data: { sid: "s1", echo: auth["token"] } });
      },
    };
    await using engine = await bareEngine(context(async (name, auth) => (asked.push([name, auth]), name === "/chat" ? chat : undefined)));
    using socket = await open(engine.url);
    const answer = next<[string]>(socket, "message");
    socket.send('0/chat,{"token":42}');
    assert.equal((await answer)[0], '0/chat,{"sid":"s1","echo":42}');
    assert.deepEqual(asked, [["/chat", { token: 42 }]]);
    assert.equal(engine.clients.length, 1);
  });

  it("answers an unknown namespace with CONNECT_ERROR, as under a Server", async () => {
    await using engine = await bareEngine(context(async () => undefined));
    using socket = await open(engine.url);
    const answer = next<[string]>(socket, "message");
    socket.send("0/nowhere,");
    assert.equal((await answer)[0], '4/nowhere,{"message":"Invalid namespace"}');
  });

  it("closes only its own session on a malformed packet; a resolver that rejects goes to the context's reportError", async () => {
    let reported: (where: string) => void = () => undefined;
    const report = new Promise<string>((resolve) => (reported = resolve));
    await using engine = await bareEngine(
      context(async () => {
        throw new Error("resolver bug");
      }, (where) => reported(where)),
    );
    using good = await open(engine.url);
    using bad = await open(engine.url);
    good.send("0/x,");
    assert.equal(await report, "namespace connection");
    const closed = next(bad, "close");
    bad.send("9 not a packet");
    await closed;
    assert.equal(good.readyState, "open");
  });
});
