// client.mjs
import { io } from "roomcast/client";

const socket = io("http://localhost:3000");
socket.on("joined", (name) => console.log(name, "joined"));
console.log(await socket.emitWithAck("hello", "alice"));   // "hi alice"
