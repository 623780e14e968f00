/**
 * Socket.IO corpus — the Admin UI (`@socket.io/admin-ui`'s README): `instrument(io, options)` on a typed server, with
 * basic auth, a store, the modes and read-only, and the CORS setting the hosted UI needs. A socket.io app imports
 * `instrument` from "@socket.io/admin-ui"; after the switch it imports it from "roomcast/admin-ui" (the socket.io
 * check of this corpus maps that specifier back to "@socket.io/admin-ui").
 */
import { createServer } from "node:http";
import { Server } from "roomcast/server";
import { instrument, InMemoryStore } from "roomcast/admin-ui";

interface ServerToClientEvents {
  message: (text: string) => void;
}
interface ClientToServerEvents {
  send: (text: string, ack: (ok: boolean) => void) => void;
}
interface InterServerEvents {
  ping: () => void;
}
interface SocketData {
  name: string;
}

const httpServer = createServer();
const io = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(httpServer, {
  cors: {
    origin: ["https://admin.socket.io"],
    credentials: true,
  },
});

instrument(io, {
  auth: {
    type: "basic",
    username: "admin",
    password: "$2b$10$heqvAkYMez.Va6Et2uXInOnkCT6/uQj1brkrbyG3LpopDklcq7ZOS", // "changeit" encrypted with bcrypt
  },
  mode: "development",
});

// a second server: no auth, read-only, its own namespace name, id and store, production mode
const other = new Server();
instrument(other, {
  auth: false,
  readonly: true,
  namespaceName: "/custom",
  serverId: `${process.pid}`,
  store: new InMemoryStore(),
  mode: "production",
});

io.on("connection", (socket) => {
  socket.data.name = "guest";
  socket.on("send", (text, ack) => {
    io.emit("message", text);
    ack(true);
  });
});

httpServer.listen(3000);
