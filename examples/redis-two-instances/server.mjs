// One server instance. Start several (different PORT, same REDIS_URL): they share rooms through Redis.
//   PORT=3001 INSTANCE=A REDIS_URL=redis://localhost:6379 node server.mjs
import { createServer } from "node:http";
import { createClient } from "redis";
import { Server } from "roomcast/server";
import { createAdapter } from "roomcast/redis";

const port = Number(process.env.PORT ?? 3000);
const instance = process.env.INSTANCE ?? `:${port}`;
const redisUrl = process.env.REDIS_URL ?? "redis://localhost:6379";

const httpServer = createServer();
// the client is a template: the adapter opens its own connections from it (and reconnects them)
const io = new Server(httpServer, { adapter: createAdapter(createClient({ url: redisUrl })) });

const adapter = io.of("/").adapter;
adapter.on("peer:up", (uid) => console.log(`${instance}: peer up ${uid}`));
adapter.on("peer:down", (uid) => console.log(`${instance}: peer down ${uid}`));
adapter.on("error", (err) => console.error(`${instance}: redis: ${err.message}`));

io.on("connection", (socket) => {
  socket.on("join", async (room, ack) => {
    if (typeof room !== "string" || typeof ack !== "function") return;
    await socket.join(room);
    const members = await io.in(room).fetchSockets(); // the sockets in the room on every instance
    ack({ instance, members: members.length });
  });
  socket.on("say", (room, text) => {
    // reaches the room's sockets on every instance, through Redis
    if (socket.rooms.has(room)) io.to(room).emit("message", { room, text: String(text), via: instance });
  });
});

httpServer.listen(port, () => console.log(`${instance}: listening on http://localhost:${port}`));
process.on("SIGTERM", () => void io.close());
