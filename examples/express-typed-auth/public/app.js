// The page's client: roomcast's browser bundle (loaded before this file) defines the global `io`, as Socket.IO's does.
/* global io */
const room = "general";
const byId = (id) => document.getElementById(id);
const log = (text) => {
  const item = document.createElement("li");
  item.textContent = text;
  byId("log").append(item);
};

function connect(token) {
  const socket = io({ auth: { token } });
  socket.on("connect_error", (err) => {
    log(`refused: ${err.message}`);
    socket.disconnect();
  });
  socket.on("welcome", (user) => log(`welcome ${user}`));
  socket.on("joined", (joinedRoom, user) => log(`${user} joined ${joinedRoom}`));
  socket.on("message", (message) => log(`[${message.room}] ${message.from}: ${message.text}`));
  socket.on("connect", async () => {
    const result = await socket.timeout(5000).emitWithAck("join", room);
    log(result.ok ? `joined ${room} (${result.members} members)` : `join failed: ${result.error}`);
    byId("login").hidden = true;
    byId("chat").hidden = false;
  });
  byId("chat").addEventListener("submit", (event) => {
    event.preventDefault();
    socket.emit("say", room, byId("text").value);
    byId("text").value = "";
  });
}

byId("login").addEventListener("submit", (event) => {
  event.preventDefault();
  connect(byId("token").value);
});
// ?token=… connects at once
const token = new URLSearchParams(location.search).get("token");
if (token !== null) connect(token);
