// A client of one instance: joins a room, says something, prints the messages of the room (whichever instance they
// were sent on).
//   URL=http://localhost:3002 ROOM=news SAY="hello" node client.mjs
import { io } from "roomcast/client";

const room = process.env.ROOM ?? "news";
const socket = io(process.env.URL ?? "http://localhost:3000");

socket.on("message", ({ room: to, text, via }) => console.log(`[${to}] ${text} (sent on ${via})`));
socket.on("connect", async () => {
  const { instance, members } = await socket.timeout(5000).emitWithAck("join", room);
  console.log(`joined ${room} on ${instance} (${members} members on all instances)`);
  if (process.env.SAY) socket.emit("say", room, process.env.SAY);
});
