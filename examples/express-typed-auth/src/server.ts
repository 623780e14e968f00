/**
 * Express 5 + roomcast: Express serves the page (public/), roomcast the real-time part on the same HTTP server,
 * including the browser client at /socket.io/socket.io.js. A connection middleware checks the token a client sends
 * in `auth`; a socket joins rooms with an ack and broadcasts to them.
 *
 *   PORT=3000 node dist/server.js
 */
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import express from "express";
import { Server } from "roomcast/server";
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from "./events.js";

/** Demo tokens: use your own session or JWT check instead. */
const USERS = new Map([
  ["alice-token", "alice"],
  ["bob-token", "bob"],
]);

const port = Number(process.env["PORT"] ?? 3000);

const app = express();
app.use(express.static(fileURLToPath(new URL("../public", import.meta.url))));
app.get("/health", (_req, res) => {
  res.json({ ok: true });
});

const httpServer = createServer(app);
const io = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(httpServer);

// auth: runs for every connection before "connection"; an error refuses it (the client gets "connect_error")
io.use((socket, next) => {
  const token = socket.handshake.auth["token"];
  const user = typeof token === "string" ? USERS.get(token) : undefined;
  if (user === undefined) {
    const err = Object.assign(new Error("unauthorized"), { data: { hint: "connect with auth: { token }" } });
    return next(err);
  }
  socket.data.user = user;
  next();
});

io.on("connection", (socket) => {
  const { user } = socket.data;
  socket.emit("welcome", user);

  socket.on("join", async (room, ack) => {
    if (typeof ack !== "function") return; // a client that wants no answer
    if (typeof room !== "string" || room === "" || room.length > 64) return ack({ ok: false, error: "bad room name" });
    await socket.join(room);
    socket.to(room).emit("joined", room, user);
    const members = await io.in(room).fetchSockets();
    ack({ ok: true, members: members.length });
  });

  socket.on("say", (room, text) => {
    if (typeof text !== "string" || !socket.rooms.has(room)) return; // only to rooms it joined
    io.to(room).emit("message", { room, from: user, text: text.slice(0, 1000) });
  });
});

httpServer.listen(port, () => console.log(`listening on http://localhost:${port}`));
