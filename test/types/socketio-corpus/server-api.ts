/**
 * Socket.IO corpus — docs "Server API", "Server instance", "Socket instance" and "Adapter": construction forms,
 * options, io.engine, utility methods (socketsJoin, socketsLeave, disconnectSockets, fetchSockets and RemoteSocket),
 * serverSideEmit with acknowledgements (callback and Promise), new_namespace, close, the Socket's attributes.
 */
import { createServer } from "node:http";
import { Server, type RemoteSocket, type ServerOptions, type DisconnectReason } from "roomcast/server";

interface ServerToClientEvents {
  hello: (msg: string) => void;
  question: (text: string, callback: (answer: number) => void) => void;
}
interface ClientToServerEvents {
  ping: (callback: () => void) => void;
}
interface InterServerEvents {
  hello: (from: string, callback: (reply: string) => void) => void;
  sync: (version: number) => void;
}
interface SocketData {
  username: string;
}

const options: Partial<ServerOptions> = {
  path: "/my-custom-path/",
  serveClient: false,
  connectTimeout: 45000,
  pingInterval: 25000,
  pingTimeout: 20000,
  maxHttpBufferSize: 1e6,
  transports: ["polling", "websocket"],
  cors: { origin: "https://example.com", credentials: true },
  cleanupEmptyChildNamespaces: true,
  connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: true },
};
const httpServer = createServer();
const io = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(httpServer, options);

// other ways to create a server
const standalone = new Server(3000, { cors: { origin: "*" } });
const detached = new Server({ path: "/io" });
detached.attach(httpServer);
detached.listen(3001);
console.log(standalone.path(), detached.path());

// the engine.io server
io.engine.on("connection_error", (err: { req: unknown; code: number; message: string; context: unknown }) => {
  console.log(err.req, err.code, err.message, err.context);
});
console.log(io.engine.clientsCount);

// the Socket instance
io.on("connection", (socket) => {
  console.log(socket.id, socket.rooms, socket.handshake.headers, socket.handshake.query, socket.handshake.auth);
  console.log(socket.conn.transport.name, socket.request.headers, socket.recovered, socket.connected);
  socket.conn.once("upgrade", () => {
    console.log("upgraded transport", socket.conn.transport.name);
  });
  socket.data.username = "alice";

  socket.on("ping", (callback) => {
    callback();
  });
  socket.on("disconnect", (reason: DisconnectReason) => {
    console.log(reason);
  });
  socket.disconnect();
  socket.disconnect(true);
});

// utility methods
io.socketsJoin("room1");
io.in("room1").socketsJoin(["room2", "room3"]);
io.of("/admin").in("room1").socketsJoin("room2");
io.in("theSocketId").socketsJoin("room1");
io.socketsLeave("room1");
io.in("room1").socketsLeave(["room2", "room3"]);
io.disconnectSockets();
io.in("room1").disconnectSockets(true);
io.of("/admin").in("room1").disconnectSockets();

async function utilities(): Promise<void> {
  // fetchSockets: local Socket instances or RemoteSockets from other servers
  const sockets = await io.fetchSockets();
  const inRoom = await io.in("room1").fetchSockets();
  const inAdmin = await io.of("/admin").in("room1").fetchSockets();
  const single = await io.in("theSocketId").fetchSockets();
  for (const socket of sockets) {
    console.log(socket.id, socket.handshake, socket.rooms, socket.data.username);
    socket.emit("hello", "world");
    socket.join("room1");
    socket.leave("room2");
    socket.disconnect();
  }
  const remote: RemoteSocket<ServerToClientEvents, SocketData> | undefined = inRoom[0];
  remote?.timeout(1000).emit("question", "how many?", (err, answers) => console.log(err, answers));
  console.log(inAdmin.length, single.length);

  // serverSideEmit, with and without acknowledgements
  io.serverSideEmit("sync", 2);
  io.serverSideEmit("hello", "me", (err, replies) => {
    if (err) {
      // some servers did not acknowledge the event in the given delay
    } else {
      console.log(replies); // one reply per server (not including the current one)
    }
  });
  const replies = await io.serverSideEmitWithAck("hello", "me");
  console.log(replies.map((reply) => reply.toUpperCase()));

  // allSockets (deprecated, still there)
  const ids = await io.in("room1").allSockets();
  console.log(ids.size);
}
void utilities();

// listening to inter-server events
io.on("sync", (version) => console.log(version.toFixed(0)));
io.on("hello", (from, callback) => {
  callback(`hi ${from}`);
});

// new_namespace
io.on("new_namespace", (namespace) => {
  console.log(namespace.name);
});

// namespaces and the main namespace
console.log(io.sockets.sockets.size, io.of("/").name);

// closing
io.close();
io.close((err) => console.log(err));
void io.close().then(() => console.log("closed"));

// accessors
const configured = new Server();
configured.path("/my-custom-path/").connectTimeout(10000);
console.log(configured.path(), configured.connectTimeout());
configured.adapter();
