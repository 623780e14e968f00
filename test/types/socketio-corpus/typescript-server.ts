/**
 * Socket.IO corpus — docs "TypeScript", types for the server: the four positional generics (ClientToServerEvents,
 * ServerToClientEvents, InterServerEvents, SocketData), typed emit/broadcast/listen, inter-server events, socket.data,
 * the Promise-based API. Written as a socket.io v4 app whose imports were changed to roomcast.
 */
import { createServer } from "node:http";
import { Server } from "roomcast/server";

interface ServerToClientEvents {
  noArg: () => void;
  basicEmit: (a: number, b: string, c: Buffer) => void;
  withAck: (d: string, callback: (e: number) => void) => void;
}

interface ClientToServerEvents {
  hello: () => void;
}

interface InterServerEvents {
  ping: () => void;
}

interface SocketData {
  name: string;
  age: number;
}

const httpServer = createServer();
const io = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(httpServer);

// the events declared in ServerToClientEvents are used when sending and broadcasting
io.on("connection", (socket) => {
  socket.emit("noArg");
  socket.emit("basicEmit", 1, "2", Buffer.from([3]));
  socket.emit("withAck", "4", (e) => {
    // e is inferred as number
    const n: number = e;
    console.log(n);
  });

  // works when broadcast to all
  io.emit("noArg");

  // works when broadcasting to a room
  io.to("room1").emit("basicEmit", 1, "2", Buffer.from([3]));
});

// the ones declared in ClientToServerEvents are used when receiving events
io.on("connection", (socket) => {
  socket.on("hello", () => {
    // ...
  });
});

// the Promise-based API
io.on("connection", async (socket) => {
  try {
    const result = await socket.timeout(5_000).emitWithAck("withAck", "123");
    const n: number = result;
    console.log(n);
  } catch (e) {
    // the client did not acknowledge the event in the given delay
  }
});

// InterServerEvents are used for the communication between servers
io.serverSideEmit("ping");

io.on("ping", () => {
  // ...
});

// SocketData types socket.data
io.on("connection", (socket) => {
  socket.data.name = "john";
  socket.data.age = 42;
});

// a listener may be an arrow function that returns what its body returns
io.on("connection", (socket) => socket.emit("noArg"));
io.on("connection", (socket) => socket.on("hello", () => socket.emit("noArg")));
io.on("connection", (socket) => socket.join("room1"));

httpServer.listen(3000);
