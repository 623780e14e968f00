/**
 * Minimal demo server (the full chat-rooms demo is issue #5): a `/chat`-less echo + rooms server on PORT (3000).
 * Any Socket.IO client can connect: `join(room)`, `say(room, text)`, receives `said({ room, from, text })`.
 */
import { createServer } from "node:http";
import { Server } from "roomcast/server";

interface ClientToServer {
  join(room: string, ack: (ok: boolean) => void): void;
  say(room: string, text: string): void;
}
interface ServerToClient {
  said(message: { room: string; from: string; text: string }): void;
}

const port = Number(process.env["PORT"] ?? 3000);
const http = createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
  res.end("roomcast demo server: connect a Socket.IO client to this address.\n");
});
const io = new Server<ClientToServer, ServerToClient>(http);
io.on("connection", (socket) => {
  socket.on("join", (room, ack) => {
    if (typeof room !== "string" || room.length > 64) return ack(false);
    void socket.join(room).then(() => ack(true));
  });
  socket.on("say", (room, text) => {
    if (typeof room !== "string" || typeof text !== "string" || !socket.rooms.has(room)) return;
    io.to(room).emit("said", { room, from: socket.id, text: text.slice(0, 2000) });
  });
});
http.listen(port, () => console.log(`roomcast demo on http://localhost:${port}`));
