/**
 * Socket.IO corpus — docs "TypeScript", types for the client: the same interfaces, reversed (ServerToClientEvents
 * listened to, ClientToServerEvents emitted), and a typed socket per namespace.
 */
import { io, Socket } from "roomcast/client";

interface ServerToClientEvents {
  noArg: () => void;
  basicEmit: (a: number, b: string, c: ArrayBuffer) => void;
  withAck: (d: string, callback: (e: number) => void) => void;
}

interface ClientToServerEvents {
  hello: () => void;
  request: (query: string, callback: (result: { ok: boolean }) => void) => void;
}

// please note that the types are reversed
const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io();

socket.emit("hello");

socket.on("noArg", () => {
  // ...
});

socket.on("basicEmit", (a, b, c) => {
  // a is inferred as number, b as string and c as ArrayBuffer
  const values: [number, string, ArrayBuffer] = [a, b, c];
  console.log(values);
});

socket.on("withAck", (d, callback) => {
  // d is inferred as string and callback as a function that takes a number as argument
  callback(d.length);
});

// acknowledgements, with and without timeout, and the Promise-based API
socket.emit("request", "q", (result) => console.log(result.ok));
socket.timeout(5000).emit("request", "q", (err, result) => {
  if (err) {
    // the server did not acknowledge the event in the given delay
  } else {
    console.log(result.ok);
  }
});

async function ask(): Promise<boolean> {
  const result = await socket.emitWithAck("request", "q");
  const withTimeout = await socket.timeout(1000).emitWithAck("request", "q");
  return result.ok && withTimeout.ok;
}
void ask();

// a socket for another namespace, with its own events
interface AdminServerToClientEvents {
  stats: (connected: number) => void;
}
interface AdminClientToServerEvents {
  kick: (id: string) => void;
}
const admin: Socket<AdminServerToClientEvents, AdminClientToServerEvents> = io("/admin", { auth: { token: "abc" } });
admin.on("stats", (connected) => console.log(connected.toFixed(0)));
admin.emit("kick", "socket-id");

// a helper typed with the Socket type
function onConnect(s: Socket<ServerToClientEvents, ClientToServerEvents>): void {
  s.on("connect", () => s.emit("hello"));
}
onConnect(socket);
