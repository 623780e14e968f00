/**
 * Socket.IO corpus — docs "Client API", "Client options", "Client socket instance" and "Manager": io() forms and
 * options, the default export and connect alias, Manager and manager.socket(), the Socket's attributes, reserved
 * events, reconnection events on socket.io, connect/disconnect, auth, sendBuffer, protocol.
 */
import ioDefault, {
  io,
  connect,
  Manager,
  Socket,
  protocol,
  type ManagerOptions,
  type SocketOptions,
  type SocketReservedEvents,
  type ManagerReservedEvents,
  type DisconnectDescription,
  WebSocket,
  XHR,
} from "roomcast/client";

// the forms of io()
const socket = io(); // same origin
const other = io("https://server-domain.com");
const withPath = io("https://server-domain.com/admin", {
  path: "/my-custom-path/",
  transports: ["websocket", "polling"],
  reconnectionDelayMax: 10000,
  auth: { token: "123" },
  query: { "my-key": "my-value" },
  extraHeaders: { "x-client": "corpus" },
  withCredentials: true,
  autoConnect: false,
  ackTimeout: 10000,
  retries: 3,
});
const fromOptions = io({ path: "/io", reconnection: false });
// transports given as classes (socket.io-client re-exports engine.io-client's)
const withTransports = io("https://server-domain.com", { transports: [XHR, WebSocket] });
withTransports.disconnect();
const viaDefault = ioDefault("https://server-domain.com");
const viaConnect = connect("https://server-domain.com", { forceNew: true, multiplex: false });
console.log(protocol, other.id, fromOptions.connected, viaDefault.disconnected, viaConnect.active);

// auth as a function
const withAuthFn = io({
  auth: (cb) => {
    cb({ token: "abc" });
  },
});
withAuthFn.connect();

// options as typed values
const managerOptions: Partial<ManagerOptions> = { reconnectionAttempts: 5, timeout: 20000 };
const socketOptions: Partial<SocketOptions> = { auth: { token: "abc" } };
const both: Partial<ManagerOptions & SocketOptions> = { ...managerOptions, ...socketOptions };
io("https://server-domain.com", both);

// the socket's attributes and reserved events
socket.on("connect", () => {
  console.log(socket.id, socket.connected, socket.recovered);
  console.log(socket.io.engine.transport.name); // in most cases, prints "polling"
  socket.io.engine.once("upgrade", () => {
    console.log(socket.io.engine.transport.name); // in most cases, prints "websocket"
  });
});
socket.on("connect_error", (error) => {
  if (socket.active) {
    // temporary failure, the socket will automatically try to reconnect
  } else {
    // the connection was denied by the server: call socket.connect() manually to reconnect
    console.log(error.message);
  }
});
socket.on("disconnect", (reason, details) => {
  if (reason === "io server disconnect") {
    socket.connect();
  }
  console.log(details);
});
const reasonOf = (reason: Socket.DisconnectReason): string => {
  switch (reason) {
    case "io server disconnect":
    case "io client disconnect":
      return "by one side";
    case "ping timeout":
    case "transport close":
    case "transport error":
    case "parse error":
      return "lost";
    default: {
      const unreachable: never = reason;
      return unreachable;
    }
  }
};
socket.io.engine.on("packetCreate", (packet) => console.log(packet));
console.log(reasonOf("io client disconnect"));

// the Manager: reconnection events are on socket.io
socket.io.on("reconnect_attempt", (attempt) => console.log(attempt));
socket.io.on("reconnect", (attempt) => console.log(attempt));
socket.io.on("reconnect_error", (error) => console.log(error.message));
socket.io.on("reconnect_failed", () => {});
socket.io.on("error", (error) => console.log(error));
socket.io.on("ping", () => {});
socket.io.on("open", () => {});
socket.io.on("close", (reason, description?: DisconnectDescription) => console.log(reason, description));
socket.io.opts.query = { token: "fgh" };
socket.io.reconnection(false);
console.log(socket.io.reconnectionAttempts(), socket.io.reconnectionDelay(), socket.io.reconnectionDelayMax());

const manager = new Manager("https://example.com", { autoConnect: false, reconnectionDelay: 1000 });
const viaManager = manager.socket("/");
const adminSocket = manager.socket("/admin", { auth: { token: "admin" } });
manager.open((err) => {
  if (err) {
    // an error has occurred
  } else {
    // the connection was successfully established
  }
});
viaManager.connect();
adminSocket.open();

// auth may change between reconnections
socket.auth = { token: "efgh" };

// the offline buffer
socket.sendBuffer = [];

// disconnect
socket.disconnect();
socket.close();

// the reserved event maps, as types
const onConnect: SocketReservedEvents["connect"] = () => {};
const onReconnect: ManagerReservedEvents["reconnect"] = (attempt) => console.log(attempt);
socket.on("connect", onConnect);
socket.io.on("reconnect", onReconnect);
socket.off("connect", onConnect);
socket.io.off("reconnect", onReconnect);
socket.removeAllListeners();
console.log(socket.listeners("connect").length, socket.hasListeners("connect"));

// a helper typed with the Socket class
function track(s: Socket): void {
  s.onAny((event, ...args) => console.log(event, args));
}
track(socket);
