/**
 * Type tests for the typed server API. Checked by `tsc` as part of the build: correct uses compile, every
 * `@ts-expect-error` line must be an error (an unused one fails the build too). The `it()` at the end makes this a
 * runnable node:test file as well.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type Socket, type Namespace, type BroadcastOperator } from "../../server/index.js";
import { expectEqual, expectType } from "./expect.js";

interface ClientToServer {
  hello(name: string, ack: (greeting: string) => void): void;
  move(x: number, y: number): void;
  total(values: number[], ack: (err: Error | null, sum: number) => void): void;
}

interface ServerToClient {
  news(title: string, body: { id: number }): void;
  question(text: string, ack: (answer: number) => void): void;
  tick(): void;
}

interface InterServer {
  sync(version: number): void;
}

interface SocketData {
  user: string;
  age: number;
}

interface ChatIn {
  say(message: string, ack: (delivered: boolean) => void): void;
}

interface ChatOut {
  said(from: string, message: string): void;
  poll(question: string, ack: (choice: "yes" | "no") => void): void;
}

type TypedServer = Server<ClientToServer, ServerToClient, InterServer, SocketData>;
type TypedSocket = Socket<ClientToServer, ServerToClient, InterServer, SocketData>;

/** Never called: only compiled. */
export function listening(io: TypedServer): void {
  io.on("connection", (socket) => {
    expectEqual<typeof socket, TypedSocket>();

    socket.on("hello", (name, ack) => {
      expectEqual<typeof name, string>();
      expectEqual<typeof ack, (greeting: string) => void>();
      ack(`hi ${name}`);
      // @ts-expect-error wrong ack argument type
      ack(42);
    });
    socket.on("move", (x, y) => {
      expectEqual<[typeof x, typeof y], [number, number]>();
    });
    socket.on("move", async (x: number) => {
      await Promise.resolve(x); // an async listener, with fewer parameters, is fine
    });
    socket.on("total", (values, ack) => ack(null, values.reduce((a, b) => a + b, 0)));
    socket.on("disconnect", (reason) => {
      expectType<string>()(reason as string);
    });

    // @ts-expect-error unknown event name
    socket.on("nope", () => undefined);
    // @ts-expect-error wrong payload type
    socket.on("move", (x: string) => x);
    // @ts-expect-error wrong ack parameter type
    socket.on("hello", (name: string, ack: (greeting: number) => void) => ack(name.length));
    // @ts-expect-error an emit-only event cannot be listened to
    socket.on("news", () => undefined);
  });

  // @ts-expect-error unknown server event
  io.on("connexion", () => undefined);
  io.on("sync", (version) => expectEqual<typeof version, number>());
}

/** Never called: only compiled. */
export async function emitting(io: TypedServer, socket: TypedSocket): Promise<void> {
  socket.emit("news", "title", { id: 1 });
  socket.emit("tick");
  socket.emit("question", "how many?", (answer) => expectEqual<typeof answer, number>());

  // @ts-expect-error unknown event name
  socket.emit("nope");
  // @ts-expect-error wrong payload type
  socket.emit("news", "title", { id: "1" });
  // @ts-expect-error missing argument
  socket.emit("news", "title");
  // @ts-expect-error too many arguments
  socket.emit("tick", 1);
  // @ts-expect-error wrong ack argument type
  socket.emit("question", "how many?", (answer: string) => answer);
  // @ts-expect-error emitting a listen-only event
  socket.emit("hello", "me", () => undefined);

  // timeout(): the ack callback gets (err, ...args)
  socket.timeout(1000).emit("question", "how many?", (err, answer) => {
    expectEqual<typeof err, Error | null>();
    expectEqual<typeof answer, number>();
  });
  // @ts-expect-error after timeout() the first ack argument is the error
  socket.timeout(1000).emit("question", "how many?", (answer: number) => answer);
  socket.timeout(1000).emit("news", "events without ack are unchanged", { id: 2 });

  // emitWithAck resolves to the ack's (first) argument
  expectType<number>()(await socket.emitWithAck("question", "how many?"));
  expectType<number>()(await socket.timeout(10).emitWithAck("question", "how many?"));
  expectEqual<ReturnType<typeof socket.emitWithAck<"question">>, Promise<number>>();
  // @ts-expect-error an event without ack cannot be emitted with ack
  await socket.emitWithAck("news", "title", { id: 1 });
  // @ts-expect-error wrong argument type
  await socket.emitWithAck("question", 42);

  // broadcasts
  io.emit("news", "to all", { id: 3 });
  io.to("room").except("other").emit("tick");
  socket.broadcast.emit("news", "others", { id: 4 });
  socket.to("room").emit("tick");
  // @ts-expect-error wrong payload in a broadcast
  io.to("room").emit("news", 1, { id: 4 });
  // @ts-expect-error emitting a listen-only event in a broadcast
  io.emit("move", 1, 2);
  io.timeout(1000).emit("question", "everyone?", (err, responses) => {
    expectEqual<typeof err, Error | null>();
    expectEqual<typeof responses, number[]>();
  });
  io.to("room").timeout(1000).emit("question", "room?", (err, responses) => {
    expectEqual<[typeof err, typeof responses], [Error | null, number[]]>();
  });
  // @ts-expect-error a broadcast ack callback gets the responses array
  io.timeout(1000).emit("question", "everyone?", (err: Error | null, response: string) => response);
  expectType<number[]>()(await io.emitWithAck("question", "all?"));
  expectType<number[]>()(await io.timeout(5).emitWithAck("question", "all?"));
  expectType<number[]>()(await socket.broadcast.timeout(5).emitWithAck("question", "others?"));
  const op = io.to("room");
  expectEqual<typeof op, BroadcastOperator<ServerToClient, SocketData>>();

  // server-side events
  io.serverSideEmit("sync", 2);
  // @ts-expect-error wrong inter-server payload
  io.serverSideEmit("sync", "2");
}

/** Never called: only compiled. */
export async function namespacesAndData(io: TypedServer, socket: TypedSocket): Promise<void> {
  // socket.data is typed by SocketData
  expectEqual<typeof socket.data, SocketData>();
  socket.data.user = "ann";
  socket.data.age = 3;
  // @ts-expect-error wrong data type
  socket.data.age = "3";
  // @ts-expect-error unknown data field
  socket.data.nope = 1;
  const fetched = await io.fetchSockets();
  for (const s of fetched) expectType<string>()(s.data.user);

  // io.of() without type arguments keeps the server's maps; with them, the namespace has its own
  const admin = io.of("/admin");
  expectEqual<typeof admin, Namespace<ClientToServer, ServerToClient, InterServer, SocketData>>();
  const chat = io.of<ChatIn, ChatOut>("/chat");
  expectEqual<typeof chat, Namespace<ChatIn, ChatOut, InterServer, SocketData>>();
  chat.on("connection", (s) => {
    s.on("say", (message, ack) => {
      expectEqual<typeof message, string>();
      ack(true);
      s.broadcast.emit("said", s.data.user, message);
    });
    // @ts-expect-error the server's events are not the namespace's
    s.on("hello", () => undefined);
    // @ts-expect-error wrong ack argument for the namespace's event
    s.on("say", (message: string, ack: (delivered: string) => void) => ack(message));
  });
  chat.emit("said", "server", "hello");
  // @ts-expect-error the server's emit events are not the namespace's
  chat.emit("news", "title", { id: 1 });
  expectType<Array<"yes" | "no">>()(await chat.timeout(100).emitWithAck("poll", "ok?"));
  chat.timeout(100).emit("poll", "ok?", (err, answers) => expectEqual<typeof answers, Array<"yes" | "no">>());
  io.of<ChatIn, ChatOut>("/chat", (s) => expectEqual<typeof s, Socket<ChatIn, ChatOut, InterServer, SocketData>>());
  const dynamic = io.of<ChatIn, ChatOut>(/^\/room-\d+$/);
  dynamic.on("connection", (s) => {
    s.emit("said", "dynamic", s.nsp.name);
  });

  // untyped servers keep socket.io's permissive typing
  const loose = new Server();
  loose.on("connection", (s) => {
    s.on("anything", (a: number, b: string) => undefined);
    s.emit("whatever", 1, { x: 2 }, () => undefined);
    s.data.anything = { goes: true };
    s.timeout(5).emit("whatever", 1, (err: Error | null, answer: unknown) => [err, answer]);
  });
  loose.timeout(5).emit("all", 1, (err: Error | null, responses: unknown[]) => [err, responses]);
  loose.to("room").emit("no-ack", 1, "two");
}

describe("types: typed Server", () => {
  it("a typed server constructs, serves typed namespaces and closes", { timeout: 10_000 }, async () => {
    const http = createServer();
    const io: TypedServer = new Server<ClientToServer, ServerToClient, InterServer, SocketData>(http);
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    assert.ok((http.address() as AddressInfo).port > 0);
    const chat = io.of<ChatIn, ChatOut>("/chat");
    assert.equal(chat.name, "/chat");
    assert.equal(io.of("/chat"), chat, "of() returns the same namespace");
    assert.equal(io.sockets.name, "/");
    assert.equal(chat.sockets.size, 0);
    await io.close();
    assert.equal(http.listening, false);
  });
});
