/**
 * Socket.IO corpus — what typed events reject: each `@ts-expect-error` below is an error with socket.io's typings and
 * with roomcast's (the corpus test compiles this file against both; an unused `@ts-expect-error` fails it).
 */
import { Server } from "roomcast/server";
import { io, type Socket } from "roomcast/client";

interface ServerToClientEvents {
  basicEmit: (a: number, b: string) => void;
  withAck: (d: string, callback: (e: number) => void) => void;
}
interface ClientToServerEvents {
  hello: (name: string) => void;
}
interface InterServerEvents {
  ping: (n: number) => void;
}
interface SocketData {
  name: string;
}

const server = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>();

server.on("connection", (socket) => {
  // @ts-expect-error unknown event
  socket.emit("nope");
  // @ts-expect-error wrong argument type
  socket.emit("basicEmit", "1", "2");
  // @ts-expect-error missing argument
  socket.emit("basicEmit", 1);
  // @ts-expect-error wrong ack argument type
  socket.emit("withAck", "4", (e: string) => console.log(e));
  // @ts-expect-error an event that is only listened to cannot be emitted
  socket.emit("hello", "me");
  // @ts-expect-error wrong listener parameter type
  socket.on("hello", (name: number) => console.log(name));
  // @ts-expect-error wrong socket.data field type
  socket.data.name = 42;
  // @ts-expect-error wrong payload in a room broadcast
  server.to("room1").emit("basicEmit", "1", "2");
  // @ts-expect-error after timeout() the ack gets the error first
  socket.timeout(1000).emit("withAck", "4", (e: number) => console.log(e));
});

// @ts-expect-error wrong inter-server payload
server.serverSideEmit("ping", "1");
// @ts-expect-error unknown inter-server event
server.serverSideEmit("pong");

const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io();
// @ts-expect-error unknown event
socket.emit("nope");
// @ts-expect-error wrong argument type
socket.emit("hello", 1);
// @ts-expect-error wrong listener parameter type
socket.on("basicEmit", (a: string) => console.log(a));
// @ts-expect-error wrong ack argument type on the client
socket.on("withAck", (d, callback: (e: string) => void) => callback(d));
