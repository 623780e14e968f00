/**
 * Socket.IO corpus — docs "Rooms" and "Broadcasting events": join/leave, to/in/except (chained, arrays), broadcast
 * from a socket, broadcast acknowledgements with a timeout (callback and Promise), volatile/compress/local broadcasts,
 * the adapter's room events, typed.
 */
import { Server } from "roomcast/server";

interface ServerToClientEvents {
  hello: (msg: string) => void;
  "some event": () => void;
  "user has left": (id: string) => void;
  question: (text: string, callback: (answer: number) => void) => void;
}

interface ClientToServerEvents {
  join: (room: string) => void;
}

const io = new Server<ClientToServerEvents, ServerToClientEvents>();

io.on("connection", async (socket) => {
  // join and leave
  socket.join("some room");
  await socket.join(["room1", "room2"]);
  socket.leave("some room");

  // broadcast to a room, to several, except some
  io.to("some room").emit("some event");
  io.to("room1").to("room2").to("room3").emit("some event");
  io.to(["room1", "room2"]).except("room3").emit("some event");
  io.in("room1").emit("hello", "world");
  io.except("room1").emit("hello", "world");

  // from a socket: every socket in the room but the sender
  socket.to("some room").emit("some event");
  socket.broadcast.emit("hello", "world");
  socket.to("room1").except("room2").emit("hello", "world");

  // private message: every socket is in the room of its own id
  socket.to("another-socket-id").emit("hello", "hey");

  socket.on("join", (room) => socket.join(room));

  socket.on("disconnecting", () => {
    for (const room of socket.rooms) {
      if (room !== socket.id) {
        socket.to(room).emit("user has left", socket.id);
      }
    }
  });

  // broadcast with acknowledgements: one response per client
  io.timeout(5000).emit("question", "world", (err, responses) => {
    if (err) {
      // some clients did not acknowledge the event in the given delay
    } else {
      console.log(responses); // one response per client
    }
  });
  io.to("room123").timeout(5000).emit("question", "world", (err, responses) => {
    console.log(err, responses);
  });
  socket.broadcast.timeout(5000).emit("question", "world", (err, responses) => {
    console.log(err, responses);
  });
  io.of("/the-namespace").timeout(5000).emit("question", "world", (err, responses) => {
    console.log(err, responses);
  });

  // the Promise-based API
  try {
    const responses = await io.timeout(5000).emitWithAck("question", "world");
    console.log(responses); // one response per client
  } catch (e) {
    // some clients did not acknowledge the event in the given delay
  }

  // flags
  io.volatile.emit("hello", "might or might not be received");
  io.compress(false).emit("hello", "uncompressed");
  io.local.emit("hello", "to the clients of this server instance only");
  io.to("room1").volatile.emit("hello", "volatile, in a room");
  socket.broadcast.volatile.emit("hello", "volatile, from a socket");
});

// room events of the adapter
io.of("/").adapter.on("create-room", (room: string) => {
  console.log(`room ${room} was created`);
});
io.of("/").adapter.on("join-room", (room: string, id: string) => {
  console.log(`socket ${id} has joined room ${room}`);
});
