/**
 * A Node client for the server: connects with a token, joins a room (ack), optionally says something, and prints
 * what it receives until stopped.
 *
 *   URL=http://localhost:3000 TOKEN=alice-token ROOM=general SAY="hello" node dist/client.js
 */
import { io, type Socket } from "roomcast/client";
import type { ClientToServerEvents, ServerToClientEvents } from "./events.js";

const url = process.env["URL"] ?? "http://localhost:3000";
const room = process.env["ROOM"] ?? "general";
const say = process.env["SAY"];

// socket.io-client's generics, in its order: events listened to, then events emitted
const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
  auth: { token: process.env["TOKEN"] ?? "alice-token" },
});

socket.on("connect_error", (err) => {
  console.log(`refused: ${err.message}`);
  socket.disconnect();
  process.exitCode = 1;
});
socket.on("welcome", (user) => console.log(`welcome ${user}`));
socket.on("joined", (joinedRoom, user) => console.log(`${user} joined ${joinedRoom}`));
socket.on("message", ({ room: to, from, text }) => console.log(`[${to}] ${from}: ${text}`));

socket.on("connect", async () => {
  const result = await socket.timeout(5000).emitWithAck("join", room);
  if (!result.ok) {
    console.log(`join failed: ${result.error}`);
    return;
  }
  console.log(`joined ${room} (${result.members} members)`);
  if (say !== undefined) socket.emit("say", room, say);
});
