// server.cjs
const { Server } = require("roomcast/server");

const io = new Server(3000);
io.on("connection", (socket) => {
  socket.join("lobby");
  socket.on("hello", (name, ack) => {
    ack(`hi ${name}`);
    socket.to("lobby").emit("joined", name);   // everyone else in the room
  });
});
