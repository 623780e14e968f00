/**
 * The demo page: sign in, rooms, messages with delivery marks, presence, typing, connection banner.
 * Bundled with roomcast's client into dist/demo/public/app.js. Text is always rendered as text.
 */
import { io, type Socket } from "roomcast/client";
import { LIMITS, type ClientToServer, type Message, type RoomInfo, type ServerToClient } from "../contract.js";

type ChatSocket = Socket<ServerToClient, ClientToServer>;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const banner = $<HTMLParagraphElement>("banner");
const signin = $<HTMLElement>("signin");
const app = $<HTMLElement>("app");
const roomsList = $<HTMLUListElement>("rooms");
const messagesList = $<HTMLOListElement>("messages");
const membersList = $<HTMLUListElement>("members");
const roomTitle = $<HTMLHeadingElement>("room-title");
const typingLine = $<HTMLParagraphElement>("typing");
const textInput = $<HTMLInputElement>("text");
const sendButton = document.querySelector<HTMLButtonElement>("#send-form button")!;
const leaveButton = $<HTMLButtonElement>("leave");
const chatError = $<HTMLParagraphElement>("chat-error");

const forcePolling = new URLSearchParams(location.search).get("transport") === "polling";
const state = {
  socket: undefined as ChatSocket | undefined,
  user: "",
  current: undefined as string | undefined,
  joined: new Set<string>(),
  /** Rooms whose join is waiting for its ack. */
  joining: new Set<string>(),
  messages: new Map<string, Message[]>(),
  members: new Map<string, string[]>(),
  rooms: [] as RoomInfo[],
  typing: new Map<string, ReturnType<typeof setTimeout>>(),
  /** Delivery marks of this page's own messages, by message id: kept so that re-rendering a room keeps them. */
  marks: new Map<string, Mark>(),
};
type Mark = "sent" | "acknowledged" | "failed";
let localIds = 0;

function setBanner(kind: "connecting" | "connected" | "reconnecting" | "error" | "idle", text: string): void {
  banner.dataset["state"] = kind;
  banner.textContent = text;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (cls) node.className = cls;
  return node;
}

// ---- rendering ----------------------------------------------------------------------------------------------------

function renderRooms(): void {
  roomsList.replaceChildren(
    ...state.rooms.map((room) => {
      const li = el("li");
      const button = el("button", `# ${room.name} (${room.members})`);
      button.type = "button";
      button.setAttribute("aria-label", `${room.name}, ${room.members} online`);
      if (room.name === state.current) button.setAttribute("aria-current", "true");
      button.addEventListener("click", () => void joinRoom(room.name));
      li.append(button);
      return li;
    }),
  );
}

const MARK_TEXT: Record<Mark, [text: string, label: string]> = {
  sent: ["sent", "sent"],
  acknowledged: ["✓ delivered", "delivered"],
  failed: ["not delivered", "not delivered"],
};

function messageItem(message: Message): HTMLLIElement {
  const li = el("li");
  li.dataset["id"] = message.id;
  li.append(el("span", new Date(message.ts).toLocaleTimeString(), "meta"), el("span", message.user, "user"), el("span", message.text, "text"));
  const mark = state.marks.get(message.id);
  if (mark) {
    const [text, label] = MARK_TEXT[mark];
    const span = el("span", text, "mark");
    span.dataset["state"] = mark;
    span.setAttribute("aria-label", label);
    li.append(span);
  }
  return li;
}

function renderRoom(): void {
  const room = state.current;
  roomTitle.textContent = room ? `# ${room}` : "No room";
  const inRoom = room !== undefined && state.joined.has(room);
  textInput.disabled = !inRoom;
  sendButton.disabled = !inRoom;
  leaveButton.disabled = !inRoom;
  messagesList.replaceChildren(...(room ? state.messages.get(room) ?? [] : []).map(messageItem));
  messagesList.scrollTop = messagesList.scrollHeight;
  membersList.replaceChildren(...(room ? state.members.get(room) ?? [] : []).map((name) => el("li", name)));
  renderRooms();
}

// ---- actions ------------------------------------------------------------------------------------------------------

/** Joins `room` and shows it (`show`; rejoining after a reconnection shows only the room that was shown). */
async function joinRoom(room: string, show = true): Promise<void> {
  const socket = state.socket;
  if (!socket) return;
  chatError.textContent = "";
  if (state.joined.has(room)) {
    state.current = room;
    return renderRoom();
  }
  // a "presence" for this room can arrive before the join's ack (it is newer than the ack's member list): the
  // pending set keeps it, and the ack's list is used only when none came
  state.joining.add(room);
  state.members.delete(room);
  const result = await socket.timeout(10_000).emitWithAck("room:join", room).catch(() => undefined);
  state.joining.delete(room);
  if (!result) {
    chatError.textContent = "The server did not answer; try again.";
    return;
  }
  if (!result.ok) {
    chatError.textContent = result.error.message;
    return;
  }
  state.joined.add(room);
  state.messages.set(room, result.history);
  if (!state.members.has(room)) state.members.set(room, result.members);
  if (show || state.current === undefined) state.current = room;
  renderRoom();
}

async function leaveRoom(): Promise<void> {
  const room = state.current;
  const socket = state.socket;
  if (!room || !socket) return;
  await socket.timeout(10_000).emitWithAck("room:leave", room).catch(() => undefined);
  state.joined.delete(room);
  state.messages.delete(room);
  state.members.delete(room);
  state.current = [...state.joined][0];
  renderRoom();
}

async function sendMessage(text: string): Promise<void> {
  const room = state.current;
  const socket = state.socket;
  if (!room || !socket) return;
  chatError.textContent = "";
  if (text.trim().length === 0) return;
  if (text.length > LIMITS.maxMessageLength) {
    chatError.textContent = `Messages are at most ${LIMITS.maxMessageLength} characters.`;
    return;
  }
  // kept in the room's list (so that re-rendering keeps it) and marked "sent" until the server acknowledges it
  const pending: Message = { id: `local-${++localIds}`, room, user: state.user, text, ts: Date.now() };
  const list = state.messages.get(room);
  list?.push(pending);
  if (list && list.length > LIMITS.historySize) list.shift();
  state.marks.set(pending.id, "sent");
  if (room === state.current) {
    messagesList.append(messageItem(pending));
    messagesList.scrollTop = messagesList.scrollHeight;
  }
  const result = await socket.timeout(10_000).emitWithAck("message:send", { room, text }).catch(() => undefined);
  const localId = pending.id;
  state.marks.delete(localId);
  if (result?.ok) {
    pending.id = result.id;
    pending.ts = result.ts;
    state.marks.set(result.id, "acknowledged");
  } else {
    state.marks.set(localId, "failed");
    chatError.textContent = result ? result.error.message : "The server did not answer.";
  }
  const item = Array.from(messagesList.children).find((li) => (li as HTMLElement).dataset["id"] === localId);
  item?.replaceWith(messageItem(pending));
}

// ---- connection ---------------------------------------------------------------------------------------------------

function connect(token: string): void {
  const socket: ChatSocket = io("/chat", {
    auth: { token },
    ...(forcePolling ? { transports: ["polling"] } : {}),
  });
  state.socket = socket;
  setBanner("connecting", "Connecting…");

  const showTransport = () => {
    const name = socket.io.engine?.transport?.name;
    setBanner("connected", `Connected via ${name === "websocket" ? "WebSocket" : "long-polling"}`);
  };
  socket.on("connect", () => {
    showTransport();
    socket.io.engine?.once("upgrade", showTransport);
    signin.hidden = true;
    app.hidden = false;
    socket.emit("rooms:list", (rooms) => {
      state.rooms = rooms;
      renderRooms();
    });
    // after a reconnection that did not recover the session, join the rooms again
    if (!socket.recovered) {
      const rooms = [...state.joined];
      const shown = state.current;
      state.joined.clear();
      for (const room of rooms) void joinRoom(room, room === shown);
      if (rooms.length === 0) void joinRoom(state.current ?? "lobby");
    }
  });
  socket.on("connect_error", (err) => {
    if (err.message === "unauthorized") {
      sessionStorage.removeItem("roomcast-demo-token");
      signin.hidden = false;
      app.hidden = true;
      $("signin-error").textContent = "Sign-in refused (unauthorized). Please sign in again.";
      setBanner("error", "Unauthorized");
    } else {
      setBanner("reconnecting", "Reconnecting…");
    }
  });
  socket.on("disconnect", () => setBanner("reconnecting", "Reconnecting…"));
  socket.io.on("reconnect_attempt", () => setBanner("reconnecting", "Reconnecting…"));

  socket.on("message:new", (message) => {
    const list = state.messages.get(message.room);
    if (!list || list.some((m) => m.id === message.id)) return;
    list.push(message);
    if (list.length > LIMITS.historySize) list.shift();
    if (message.room !== state.current) return;
    messagesList.append(messageItem(message));
    messagesList.scrollTop = messagesList.scrollHeight;
  });
  socket.on("presence", ({ room, members }) => {
    if (!state.joined.has(room) && !state.joining.has(room)) return;
    state.members.set(room, members);
    if (room === state.current) renderRoom();
  });
  socket.on("rooms:update", (rooms) => {
    state.rooms = rooms;
    renderRooms();
  });
  socket.on("typing", ({ room, user }) => {
    if (room !== state.current || user === state.user) return;
    typingLine.textContent = `${user} is typing…`;
    clearTimeout(state.typing.get(room));
    state.typing.set(room, setTimeout(() => (typingLine.textContent = ""), 2000));
  });
}

async function signIn(name: string): Promise<void> {
  const res = await fetch("/api/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  const body = (await res.json()) as { token?: string; error?: string };
  if (!res.ok || !body.token) {
    $("signin-error").textContent = body.error ?? "Sign-in failed";
    return;
  }
  state.user = name.trim();
  sessionStorage.setItem("roomcast-demo-token", body.token);
  sessionStorage.setItem("roomcast-demo-user", state.user);
  state.socket?.close();
  connect(body.token);
}

$<HTMLFormElement>("signin-form").addEventListener("submit", (event) => {
  event.preventDefault();
  void signIn($<HTMLInputElement>("name").value);
});
$<HTMLFormElement>("room-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $<HTMLInputElement>("room-name");
  void joinRoom(input.value.trim());
  input.value = "";
});
$<HTMLFormElement>("send-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = textInput.value;
  textInput.value = "";
  void sendMessage(text);
});
leaveButton.addEventListener("click", () => void leaveRoom());
let lastTyping = 0;
textInput.addEventListener("input", () => {
  const now = Date.now();
  if (state.current && state.socket?.connected && now - lastTyping > 1000) {
    lastTyping = now;
    state.socket.emit("typing", state.current);
  }
});

const saved = sessionStorage.getItem("roomcast-demo-token");
if (saved) {
  state.user = sessionStorage.getItem("roomcast-demo-user") ?? "";
  connect(saved);
}
