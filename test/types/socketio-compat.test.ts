/**
 * Type tests for what the Socket.IO typing corpus cannot state: where roomcast's typings are exactly what it calls
 * at run time (stricter than socket.io's, never rejecting what socket.io accepts), and that roomcast's own checks
 * — typed events on both sides, named-direction contracts — still hold next to socket.io's positional generics.
 * Checked by `tsc` with the build: every `@ts-expect-error` must be an error.
 */
import { it } from "node:test";
import { Server, type Socket, type Namespace, type BroadcastOperator } from "../../server/index.js";
import { io, type Socket as ClientSocket, type ClientSocket as ContractSocket } from "../../client/index.js";
import type { EventContract } from "../../shared/index.js";
import { expectEqual, expectType } from "./expect.js";

interface ServerToClient {
  question: (text: string, ack: (answer: number) => void) => void;
  news: (title: string) => void;
}
interface ClientToServer {
  hello: (name: string, ack: (greeting: string) => void) => void;
}
interface InterServer {
  hello: (from: string, ack: (reply: string) => void) => void;
  sync: (version: number) => void;
}
interface Data {
  user: string;
}
interface Chat extends EventContract {
  clientToServer: ClientToServer;
  serverToClient: ServerToClient;
}

/** Never called: only compiled. */
export async function serverSide(io: Server<ClientToServer, ServerToClient, InterServer, Data>): Promise<void> {
  // listeners return void: a listener may return anything (a value, a promise), as in socket.io
  io.on("connection", (socket) => socket.emit("news", "x"));
  io.on("connection", async (socket) => {
    await socket.join("room");
  });
  io.on("connection", (socket) => socket.on("hello", (name, ack) => ack(name)));

  // serverSideEmit: the ack gets (err, replies), one reply per other server, as roomcast calls it
  io.serverSideEmit("hello", "me", (err, replies) => {
    expectEqual<typeof err, Error | null>();
    expectEqual<typeof replies, string[]>();
  });
  io.serverSideEmit("hello", "me", (err: Error, replies: string[]) => [err, replies]); // socket.io's annotation
  expectType<string[]>()(await io.serverSideEmitWithAck("hello", "me"));
  // @ts-expect-error the ack's replies are an array
  io.serverSideEmit("hello", "me", (err: Error | null, reply: string) => reply);
  // @ts-expect-error one argument ack: socket.io's typings reject it too, roomcast's (err, replies) does
  io.serverSideEmit("hello", "me", (reply: string) => reply);

  // broadcast acks: (err, responses) with or without timeout() — roomcast calls both that way (socket.io types the
  // one without timeout `(responses)` but calls it `(err, responses)`, with an immediate timeout error)
  io.to("room").emit("question", "?", (err, responses) => {
    expectEqual<[typeof err, typeof responses], [Error | null, number[]]>();
  });
  io.timeout(10).emit("question", "?", (err, responses) => {
    expectEqual<[typeof err, typeof responses], [Error | null, number[]]>();
  });
  io.timeout(10).emit("question", "?", (err: Error, responses: number[]) => [err, responses]);
  // @ts-expect-error the responses are numbers
  io.timeout(10).emit("question", "?", (err: Error | null, responses: string[]) => responses);
  const op: BroadcastOperator<ServerToClient, Data> = io.to("room").timeout(10);
  expectType<number[]>()(await op.emitWithAck("question", "?"));

  io.on("connection", (socket) => {
    // one socket with timeout(): (err, ...ackArgs); err is Error | null unannotated, socket.io's `Error` accepted
    socket.timeout(10).emit("question", "?", (err, answer) => {
      expectEqual<[typeof err, typeof answer], [Error | null, number]>();
    });
    socket.timeout(10).emit("question", "?", (err: Error, answer: number) => [err, answer]);
    // @ts-expect-error the answer is a number
    socket.timeout(10).emit("question", "?", (err: Error, answer: string) => answer);
    // roomcast's own checks: emit-only and listen-only events stay apart
    // @ts-expect-error "question" is emitted by the server, not listened to
    socket.on("question", () => undefined);
    // @ts-expect-error "hello" is listened to by the server, not emitted
    socket.emit("hello", "me", () => undefined);
    expectEqual<typeof socket.data, Data>();
  });
}

/** Never called: only compiled. */
export async function defaults(): Promise<void> {
  // socket.io's defaults: EmitEvents = ListenEvents, ServerSideEvents untyped, SocketData any
  const io = new Server<ServerToClient>();
  expectEqual<typeof io, Server<ServerToClient, ServerToClient>>();
  const nsp: Namespace<ServerToClient> = io.of("/");
  nsp.on("connection", (socket: Socket<ServerToClient>) => socket.emit("news", "same map both ways"));

  // an untyped server: any event, emitWithAck resolves to any (as socket.io's does)
  const loose = new Server();
  loose.on("connection", async (socket) => {
    const answer = await socket.emitWithAck("anything", 1);
    expectEqual<typeof answer, any>(); // eslint-disable-line @typescript-eslint/no-explicit-any
    socket.onAny((event, ...args) => expectEqual<[typeof event, typeof args], [string, any[]]>()); // eslint-disable-line @typescript-eslint/no-explicit-any
    socket.use(([event, ...args], next) => next(event === "x" && args.length > 0 ? new Error("no") : undefined));
  });
}

/** Never called: only compiled. */
export async function clientSide(): Promise<void> {
  // socket.io's positional order on the client: Socket<ListenEvents, EmitEvents>
  const a: ClientSocket<ServerToClient, ClientToServer> = io("http://x");
  a.on("question", (text, ack) => ack(text.length));
  a.on("news", (title) => a.emit("hello", title, (greeting) => expectEqual<typeof greeting, string>()));
  a.on("connect", () => a.emit("hello", "me", () => undefined)); // a listener returning a value
  a.timeout(10).emit("hello", "me", (err: Error, greeting: string) => [err, greeting]);
  // @ts-expect-error "news" is received by the client, not emitted
  a.emit("news", "x");
  // @ts-expect-error the greeting is a string
  a.emit("hello", "me", (greeting: number) => greeting);

  // roomcast's named-direction contract gives the same socket type
  const b = io<Chat>("http://x");
  expectEqual<typeof b, ContractSocket<Chat>>();
  const c: ClientSocket<ServerToClient, ClientToServer> = b;
  expectType<string>()(await c.emitWithAck("hello", "me"));
  // @ts-expect-error the contract keeps the directions apart
  b.emit("question", "?", () => undefined);
}

it("socket.io-compatible typings compile (type tests)", () => {});
