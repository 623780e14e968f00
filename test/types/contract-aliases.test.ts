/**
 * Type tests for the server's contract aliases (server/contract.ts): `ServerOf<C>`, `NamespaceOf<C>`, `SocketOf<C>`,
 * … name exactly socket.io's positional generics filled in from the contract, the optional `serverToServer` and
 * `socketData` fall back to socket.io's defaults, and the server and the client read the same contract in opposite
 * directions. Checked by `tsc` in the build (every `@ts-expect-error` must be an error); the `it()` runs one server.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  Server,
  type BroadcastOperator,
  type BroadcastOperatorOf,
  type DefaultEventsMap,
  type DefaultSocketData,
  type Namespace,
  type NamespaceOf,
  type RemoteSocket,
  type RemoteSocketOf,
  type ServerContract,
  type ServerOf,
  type Socket,
  type SocketOf,
} from "../../server/index.js";
import { io as connect, type ClientSocket } from "../../client/index.js";
import { expectEqual, expectType } from "./expect.js";

interface Chat extends ServerContract {
  clientToServer: { say: (text: string, ack: (ok: boolean) => void) => void };
  serverToClient: { said: (from: string, text: string) => void };
  serverToServer: { sync: (version: number) => void };
  socketData: { name: string };
}

interface Minimal extends ServerContract {
  clientToServer: { ping: () => void };
  serverToClient: { pong: (at: number) => void };
}

type C2S = Chat["clientToServer"];
type S2C = Chat["serverToClient"];
type S2S = Chat["serverToServer"];
type Data = Chat["socketData"];

// each alias is the positional form
expectEqual<ServerOf<Chat>, Server<C2S, S2C, S2S, Data>>();
expectEqual<NamespaceOf<Chat>, Namespace<C2S, S2C, S2S, Data>>();
expectEqual<SocketOf<Chat>, Socket<C2S, S2C, S2S, Data>>();
expectEqual<BroadcastOperatorOf<Chat>, BroadcastOperator<S2C, Data>>();
expectEqual<RemoteSocketOf<Chat>, RemoteSocket<S2C, Data>>();
// the optional directions fall back to socket.io's defaults
expectEqual<ServerOf<Minimal>, Server<Minimal["clientToServer"], Minimal["serverToClient"], DefaultEventsMap, DefaultSocketData>>();

function typed(io: ServerOf<Chat>): void {
  io.on("connection", (socket) => {
    expectEqual<typeof socket, SocketOf<Chat>>();
    expectType<string>()(socket.data.name);
    socket.on("say", (text, ack) => {
      expectType<string>()(text);
      ack(true);
      io.to("room").emit("said", socket.data.name, text);
    });
    // @ts-expect-error — the server listens to clientToServer, not serverToClient
    socket.on("said", () => undefined);
    // @ts-expect-error — the server emits serverToClient, not clientToServer
    socket.emit("say", "x", () => undefined);
  });
  io.serverSideEmit("sync", 2);
  // @ts-expect-error — serverToServer carries only "sync"
  io.serverSideEmit("say", "x");
}
void typed;

describe("types: contract aliases (ServerOf, SocketOf, …)", () => {
  it("a server typed ServerOf<C> and a client typed ClientSocket<C> exchange the contract's events", async () => {
    const http = createServer();
    const io: ServerOf<Chat> = new Server(http);
    io.use((socket, next) => {
      socket.data.name = "ann";
      next();
    });
    io.on("connection", (socket) => socket.on("say", (text, ack) => {
      socket.emit("said", socket.data.name, text);
      ack(true);
    }));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const client: ClientSocket<Chat> = connect<Chat>(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
      transports: ["websocket"],
    });
    try {
      const said = new Promise<[string, string]>((resolve) => client.on("said", (from, text) => resolve([from, text])));
      assert.equal(await client.emitWithAck("say", "hi"), true);
      assert.deepEqual(await said, ["ann", "hi"]);
    } finally {
      client.close();
      await io.close();
    }
  });
});
