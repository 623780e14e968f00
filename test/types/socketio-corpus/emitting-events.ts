/**
 * Socket.IO corpus — docs "Emitting events", "Listening to events" and the emit cheatsheet, untyped (DefaultEventsMap):
 * basic emit, acknowledgements (callback, timeout, Promise), volatile, compress, once/off/removeAllListeners, catch-all
 * listeners, on the server and on the client.
 */
import { Server } from "roomcast/server";
import { io } from "roomcast/client";

const server = new Server(3000);

server.on("connection", (socket) => {
  // basic emit: any number of arguments, binary included
  socket.emit("hello", 1, "2", { 3: "4", 5: Buffer.from([6]) });

  // a listener, and a listener that acknowledges
  socket.on("hello", (arg1, arg2, arg3) => {
    console.log(arg1, arg2, arg3);
  });
  socket.on("update item", (arg1, arg2, callback) => {
    console.log(arg1, arg2);
    callback({ status: "ok" });
  });

  // acknowledgement from the client
  socket.emit("hello", "world", (arg1: unknown, arg2: unknown, arg3: unknown) => {
    console.log(arg1, arg2, arg3);
  });
  // acknowledgement and timeout
  socket.timeout(5000).emit("hello", "world", (err: Error | null, response: unknown) => {
    if (err) {
      // the client did not acknowledge the event in the given delay
    } else {
      console.log(response);
    }
  });

  // once, off, removeAllListeners
  const listener = (...args: unknown[]) => console.log(args);
  socket.on("details", listener);
  socket.once("details", listener);
  socket.off("details", listener);
  socket.removeListener("details", listener);
  socket.removeAllListeners("details");
  socket.removeAllListeners();

  // volatile and compress
  socket.volatile.emit("maybe", "do you really need it?");
  socket.compress(false).emit("uncompressed", "that's rather big");

  // catch-all listeners
  socket.onAny((eventName, ...args) => {
    console.log(eventName, args);
  });
  socket.prependAny((eventName, ...args) => {
    console.log(eventName, args);
  });
  const catchAll = (eventName: string, ...args: unknown[]) => console.log(eventName, args);
  socket.onAny(catchAll);
  socket.offAny(catchAll);
  socket.offAny();
  const anyListeners = socket.listenersAny();
  console.log(anyListeners.length);
  socket.onAnyOutgoing((eventName, ...args) => {
    console.log(eventName, args);
  });
  socket.prependAnyOutgoing((eventName, ...args) => {
    console.log(eventName, args);
  });
  socket.offAnyOutgoing(catchAll);
  console.log(socket.listenersAnyOutgoing().length);

  // disconnecting / disconnect
  socket.on("disconnecting", (reason) => {
    for (const room of socket.rooms) {
      if (room !== socket.id) {
        socket.to(room).emit("user has left", socket.id, reason);
      }
    }
  });
  socket.on("disconnect", (reason, details) => {
    console.log(reason, details);
  });

  // send / write
  socket.send("hello");
  socket.write("hello");
});

// the Promise-based API
server.on("connection", async (socket) => {
  const response = await socket.emitWithAck("hello", "world");
  console.log(response);
  try {
    const withTimeout = await socket.timeout(5000).emitWithAck("hello", "world");
    console.log(withTimeout);
  } catch (e) {
    // the client did not acknowledge the event in the given delay
  }
});

// client side
const socket = io("http://localhost:3000");

socket.emit("hello", "world");
socket.emit("update item", "1", { name: "updated" }, (response: { status: string }) => {
  console.log(response.status); // ok
});
socket.timeout(5000).emit("my-event", (err: Error | null) => {
  if (err) {
    // the other side did not acknowledge the event in the given delay
  }
});
socket.timeout(5000).emit("my-event", (err: Error | null, response: unknown) => {
  console.log(err, response);
});
socket.on("hello", (arg, callback) => {
  console.log(arg);
  callback("got it");
});
socket.once("details", (...args) => console.log(args));
socket.volatile.emit("hello", "might or might not be received");
socket.compress(false).emit("hello", "uncompressed");
socket.onAny((event, ...args) => console.log(`got ${event}`, args));
socket.prependAny((event, ...args) => console.log(`got ${event}`, args));
socket.onAnyOutgoing((event, ...args) => console.log(`sent ${event}`, args));
socket.offAny();
socket.offAnyOutgoing();
socket.send("hello");

async function request(): Promise<void> {
  const response = await socket.emitWithAck("hello", "world");
  console.log(response.status);
  try {
    const withTimeout = await socket.timeout(5000).emitWithAck("hello", "world");
    console.log(withTimeout);
  } catch (err) {
    // the server did not acknowledge the event in the given delay
  }
}
void request();
