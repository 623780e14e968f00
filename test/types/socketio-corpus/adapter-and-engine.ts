/**
 * Socket.IO corpus — docs "Adapter", "Server instance" (io.engine), "Handling CORS", "Connection state recovery"
 * and "How to use with express-session" (as far as node:http goes): the adapter's rooms and sids maps, its events,
 * engine.io hooks and middlewares, socket.request, socket.conn, socket.recovered.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Server, type Socket } from "roomcast/server";

const httpServer = createServer();
const io = new Server(httpServer, {
  cors: { origin: ["https://example.com"], methods: ["GET", "POST"], credentials: true },
  connectionStateRecovery: {},
  allowRequest: (req, callback) => {
    const noOriginHeader = req.headers.origin === undefined;
    callback(null, noOriginHeader);
  },
});

// the adapter's rooms and sids (Map<Room, Set<SocketId>> and Map<SocketId, Set<Room>>)
const rooms = io.of("/").adapter.rooms;
const sids = io.of("/").adapter.sids;
console.log(rooms.get("room1")?.size ?? 0, sids.get("socket-id")?.has("room1"));
for (const [room, members] of io.sockets.adapter.rooms) {
  if (!members.has(room)) console.log(`${room}: ${members.size} members`);
}
io.of("/").adapter.on("leave-room", (room: string, id: string) => console.log(`socket ${id} left room ${room}`));
io.of("/").adapter.on("delete-room", (room: string) => console.log(`room ${room} was deleted`));

// the engine.io server: connection errors, headers, middlewares
io.engine.on("connection_error", (err: { code: number; message: string; context: unknown }) => {
  console.log(err.code, err.message, err.context);
});
io.engine.on("initial_headers", (headers: Record<string, string>, request: IncomingMessage) => {
  headers["set-cookie"] = `sid=${request.headers["x-request-id"] ?? "1"}`;
});
io.engine.on("headers", (headers: Record<string, string>) => {
  headers["x-server"] = "corpus";
});
function sessionMiddleware(req: IncomingMessage, res: ServerResponse, next: (err?: Error) => void): void {
  console.log(req.url, res.statusCode);
  next();
}
io.engine.use(sessionMiddleware);

io.on("connection", (socket) => {
  // connection state recovery
  if (socket.recovered) {
    // recovery was successful: socket.id, socket.rooms and socket.data were restored
  } else {
    // new or unrecoverable session
  }

  // the first HTTP request and the engine.io connection
  const request = socket.request;
  console.log(request.headers.cookie, request.url);
  console.log(socket.conn.transport.name, socket.conn.remoteAddress);
  socket.conn.on("packet", ({ type, data }: { type: string; data?: unknown }) => {
    console.log(type, data);
  });
  socket.conn.on("close", (reason: string) => console.log(reason));

  // the number of clients
  console.log(io.engine.clientsCount, io.of("/").sockets.size);
  const other = io.of("/").sockets.get("another-socket-id");
  other?.emit("hello");
});

httpServer.listen(3000);

// a custom engine.io id generator, unannotated adapter events
io.engine.generateId = () => `id-${Date.now()}`;
io.of("/").adapter.on("join-room", (room, id) => console.log(room, id));

// an Express-style middleware wrapped for io.use (docs: "How to use with express-session")
type HttpMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
const wrap = (middleware: HttpMiddleware) => (socket: Socket, next: (err?: Error) => void) =>
  middleware(socket.request, {} as ServerResponse, next as (err?: unknown) => void);
const session: HttpMiddleware = (req, _res, next) => {
  console.log(req.headers.cookie);
  next();
};
io.use(wrap(session));

// engine.io connection events
io.on("connection", (socket) => {
  socket.conn.once("upgrade", (transport) => console.log(transport.name));
  socket.conn.on("packetCreate", (packet) => console.log(packet));
  socket.conn.on("drain", () => console.log("flushed"));
});
