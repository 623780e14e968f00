// client.cjs
const { io } = require("roomcast/client");

const socket = io("http://localhost:3000");
socket.on("joined", (name) => console.log(name, "joined"));
socket.emitWithAck("hello", "alice").then((reply) => console.log(reply));   // "hi alice"
