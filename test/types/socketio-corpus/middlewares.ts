/**
 * Socket.IO corpus — docs "Middlewares" (server) and the client's connect_error: io.use / namespace use, next(err)
 * with an ExtendedError and its data, socket.use (per-packet middleware), socket.data from a middleware, the handshake.
 */
import { Server, type Event, type ExtendedError, type Socket } from "roomcast/server";
import { io as connect, type ExtendedError as ClientError } from "roomcast/client";

interface SocketData {
  user: { id: string; name: string };
}

const io = new Server<Record<string, never>, Record<string, never>, Record<string, never>, SocketData>();

// a middleware that reads the handshake
io.use((socket, next) => {
  const token = socket.handshake.auth.token;
  if (isValid(token)) {
    socket.data.user = { id: "1", name: "john" };
    next();
  } else {
    next(new Error("invalid"));
  }
});

// sending additional details with the error
io.use((socket, next) => {
  const err = new Error("not authorized") as ExtendedError;
  err.data = { content: "Please retry later" }; // additional details
  if (socket.handshake.headers["x-forwarded-for"] === undefined) next();
  else next(err);
});

// an async middleware
io.use(async (socket, next) => {
  try {
    socket.data.user = await fetchUser(socket.handshake.query.userId);
    next();
  } catch (e) {
    next(new Error("unknown user"));
  }
});

// a middleware declared apart, with the Socket type
function logger(socket: Socket, next: (err?: ExtendedError) => void): void {
  console.log(socket.id, socket.handshake.address, socket.handshake.time);
  next();
}
new Server().use(logger);

// namespace middlewares
io.of("/admin").use((socket, next) => {
  if (socket.data.user.name === "admin") next();
  else next(new Error("forbidden"));
});

// a per-packet middleware
io.on("connection", (socket) => {
  socket.use(([event, ...args], next) => {
    if (isUnauthorized(event)) {
      return next(new Error("unauthorized event"));
    }
    console.log(args);
    next();
  });
  // a per-packet middleware declared apart, with the Event type
  const audit = (event: Event, next: (err?: Error) => void) => {
    console.log(`${socket.id} sent ${event[0]}`, event.length - 1);
    next();
  };
  socket.use(audit);
  socket.on("error", (err) => {
    if (err && err.message === "unauthorized event") {
      socket.disconnect();
    }
  });
  console.log(socket.data.user.name);
});

// client side: the error and its data
const socket = connect({ auth: { token: "abc" } });
socket.on("connect_error", (err) => {
  console.log(err instanceof Error); // true
  console.log(err.message); // not authorized
  console.log(err.data); // { content: "Please retry later" }
  console.log(err.data.content); // Please retry later
});
const onError = (err: ClientError) => console.log(err.message, err.data);
socket.on("connect_error", onError);

function isValid(token: unknown): boolean {
  return typeof token === "string";
}
function isUnauthorized(event: string): boolean {
  return event.startsWith("admin:");
}
async function fetchUser(id: unknown): Promise<SocketData["user"]> {
  return { id: String(id), name: "john" };
}

// reading back what a middleware attached, and the disconnect details
io.use((socket, next) => {
  const err: ExtendedError = new Error("not authorized");
  err.data = { content: "Please retry later", retryIn: 5 };
  console.log(err.data.content, err.data.retryIn + 1);
  next(socket.handshake.auth.token ? undefined : err);
});
io.on("connection", (socket) => {
  socket.on("disconnect", (reason, description) => {
    console.log(reason, description?.message, description?.context);
  });
});
