/**
 * Socket.IO corpus — docs "Namespaces" and "TypeScript" (custom types for each namespace): io.of() with a name, a
 * RegExp or a function (dynamic namespaces, parent namespace), a typed Namespace, namespace broadcasts and middlewares,
 * the client side of a namespace.
 */
import { Server, type Namespace, type Socket } from "roomcast/server";
import { io as connect, type Socket as ClientSocket } from "roomcast/client";

interface NamespaceSpecificClientToServerEvents {
  foo: (arg: string) => void;
}
interface NamespaceSpecificServerToClientEvents {
  bar: (arg: string) => void;
}
interface NamespaceSpecificInterServerEvents {
  // ...
}
interface NamespaceSpecificSocketData {
  // ...
}

const io = new Server();

// custom types for a namespace
const myNamespace: Namespace<
  NamespaceSpecificClientToServerEvents,
  NamespaceSpecificServerToClientEvents,
  NamespaceSpecificInterServerEvents,
  NamespaceSpecificSocketData
> = io.of("/my-namespace");

myNamespace.on("connection", (socket) => {
  socket.on("foo", () => {
    // ...
  });
  socket.emit("bar", "123");
});
myNamespace.emit("bar", "to everyone in the namespace");
myNamespace.to("room").emit("bar", "to a room of the namespace");

// on the client side
const socket: ClientSocket<NamespaceSpecificServerToClientEvents, NamespaceSpecificClientToServerEvents> = connect("/my-namespace");
socket.on("bar", (arg) => {
  console.log(arg); // "123"
});
socket.emit("foo", "abc");

// the main namespace
io.sockets.emit("hi", "everyone");
io.emit("hi", "everyone"); // short form
io.of("/").emit("hi", "everyone");

// custom namespaces
const nsp = io.of("/my-namespace");
nsp.on("connection", (socket) => {
  console.log("someone connected", socket.nsp.name);
  socket.on("hi", () => nsp.emit("hi", "everyone!"));
});
nsp.use((socket, next) => {
  console.log(socket.handshake.auth);
  next();
});
nsp.to("room1").emit("hi", "room1");
const orders = io.of("/orders");
orders.on("connection", (socket) => {
  socket.on("order:list", () => {});
  socket.on("order:create", () => {});
});

// dynamic namespaces: a RegExp or a function
const workspaces = io.of(/^\/\w+$/);
workspaces.on("connection", (socket) => {
  const workspace = socket.nsp;
  workspace.emit("hello", workspace.name);
});
workspaces.use((socket, next) => {
  // ensure the user has access to the workspace
  console.log(socket.nsp.name);
  next();
});
io.of((name, auth, next) => {
  next(null, name.startsWith("/dynamic-") && auth.token !== undefined); // or false, when the creation is denied
});
io.of(/^\/dynamic-\d+$/).on("connection", (socket) => {
  const namespace = socket.nsp;
  console.log(namespace.name);
});

// a handler typed with Namespace and Socket
function registerOrderHandlers(namespace: Namespace, socket: Socket): void {
  socket.on("order:create", (payload: { id: string }) => {
    namespace.emit("order:created", payload.id);
  });
}
orders.on("connection", (socket) => registerOrderHandlers(orders, socket));

// multiplexed client sockets and a forced new connection
const main = connect("https://example.com");
const admin = connect("https://example.com/admin", { forceNew: true });
main.emit("hi");
admin.emit("hi");
