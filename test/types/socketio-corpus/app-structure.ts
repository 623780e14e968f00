/**
 * Socket.IO corpus — docs "Application structure" (handlers in their own modules, registered per socket) and the
 * TypeScript helpers: the Server, Socket and event maps passed around as types, a typed handler registry.
 */
import { createServer } from "node:http";
import { Server, type Socket } from "roomcast/server";

interface Order {
  id: string;
  items: string[];
}

export interface ClientToServerEvents {
  "order:create": (payload: Omit<Order, "id">, callback: (res: { status: "OK"; data: Order } | { error: string }) => void) => void;
  "order:read": (orderId: string, callback: (res: { status: "OK"; data: Order } | { error: string }) => void) => void;
  "user:update-password": (payload: { password: string }) => void;
}

export interface ServerToClientEvents {
  "order:created": (order: Order) => void;
  "user:updated": () => void;
}

export interface InterServerEvents {}

export interface SocketData {
  userId: string;
}

export type TypedServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type TypedSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

// orderHandler.ts
export function registerOrderHandlers(io: TypedServer, socket: TypedSocket): void {
  const createOrder = (payload: Omit<Order, "id">, callback: (res: { status: "OK"; data: Order } | { error: string }) => void) => {
    const order = { id: "1", ...payload };
    io.emit("order:created", order);
    callback({ status: "OK", data: order });
  };

  const readOrder = async (orderId: string, callback: (res: { status: "OK"; data: Order } | { error: string }) => void) => {
    callback({ status: "OK", data: { id: orderId, items: [] } });
  };

  socket.on("order:create", createOrder);
  socket.on("order:read", readOrder);
}

// userHandler.ts
export function registerUserHandlers(io: TypedServer, socket: TypedSocket): void {
  const updatePassword = (payload: { password: string }) => {
    console.log(socket.data.userId, payload.password.length);
    socket.emit("user:updated");
  };
  socket.on("user:update-password", updatePassword);
  console.log(io.engine.clientsCount);
}

// index.ts
const httpServer = createServer();
const io: TypedServer = new Server(httpServer);

const onConnection = (socket: TypedSocket) => {
  registerOrderHandlers(io, socket);
  registerUserHandlers(io, socket);
};

io.on("connection", onConnection);

// a generic helper over any typed socket
function leaveAll(socket: Socket): void {
  for (const room of socket.rooms) if (room !== socket.id) void socket.leave(room);
}
io.on("connection", (socket) => leaveAll(socket));

// an untyped server with its default (any) socket.data
const untyped = new Server();
untyped.on("connection", (socket: Socket) => {
  socket.data.whatever = { anything: true };
  socket.on("anything", (a: number, b: string) => console.log(a, b));
});

httpServer.listen(3000);
