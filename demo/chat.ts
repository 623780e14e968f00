/**
 * The `/chat` namespace: auth middleware, rooms, history, presence, typing, limits.
 * Built only on roomcast's public API.
 */
import { randomUUID } from "node:crypto";
import type { Namespace, Server, Socket } from "roomcast/server";
import { verifyToken } from "./auth.js";
import { LIMITS, type ChatError, type ClientToServer, type ChatSocketData, type RoomInfo, type ServerToClient } from "./contract.js";
import type { ChatStore } from "./history.js";
import { RateLimiter } from "./rate-limit.js";

type ChatNamespace = Namespace<ClientToServer, ServerToClient, Record<string, never>, ChatSocketData>;
type ChatSocket = Socket<ClientToServer, ServerToClient, Record<string, never>, ChatSocketData>;

const DEFAULT_ROOMS = ["lobby", "random"];

export function mountChat(io: Server, secret: string, store: ChatStore): ChatNamespace {
  const chat = io.of<ClientToServer, ServerToClient, Record<string, never>, ChatSocketData>("/chat");
  const limiter = new RateLimiter(LIMITS.messageBurst, LIMITS.messagesPerSecond);
  for (const room of DEFAULT_ROOMS) void store.addRoom(room);

  chat.use((socket, next) => {
    const claims = verifyToken(secret, (socket.handshake.auth as { token?: unknown }).token);
    if (claims === undefined) return next(new Error("unauthorized"));
    socket.data.user = claims.name;
    next();
  });

  const membersOf = async (room: string): Promise<string[]> => {
    const sockets = await chat.in(room).fetchSockets();
    return [...new Set(sockets.map((s) => (s.data as ChatSocketData).user))].sort();
  };
  const roomList = async (): Promise<RoomInfo[]> => {
    const names = await store.rooms();
    return Promise.all(names.sort().map(async (name) => ({ name, members: (await membersOf(name)).length })));
  };
  const announce = async (room: string): Promise<string[]> => {
    const members = await membersOf(room);
    chat.to(room).emit("presence", { room, members });
    chat.emit("rooms:update", await roomList());
    return members;
  };
  const fail = (code: ChatError["code"], message: string) => ({ ok: false as const, error: { code, message } });
  const report = (err: unknown) => console.error("[demo] chat error:", err);

  chat.on("connection", (socket: ChatSocket) => {
    const user = socket.data.user;

    socket.on("rooms:list", (ack) => {
      if (typeof ack !== "function") return;
      roomList().then(ack, report);
    });

    socket.on("room:join", (room, ack) => {
      if (typeof ack !== "function") return;
      if (typeof room !== "string" || !LIMITS.roomName.test(room)) {
        return ack(fail("bad_room", "room names are 1-32 letters, digits, - or _"));
      }
      void (async () => {
        await store.addRoom(room);
        await socket.join(room);
        const [history, members] = await Promise.all([store.recent(room, LIMITS.historySize), announce(room)]);
        ack({ ok: true, history, members });
      })().catch((err: unknown) => {
        report(err);
        ack(fail("unavailable", "could not join the room"));
      });
    });

    socket.on("room:leave", (room, ack) => {
      const reply = typeof ack === "function" ? ack : () => undefined;
      if (typeof room !== "string" || !socket.rooms.has(room) || room === socket.id) {
        return reply(fail("not_in_room", "you are not in this room"));
      }
      void socket
        .leave(room)
        .then(() => announce(room))
        .then(() => reply({ ok: true }), (err: unknown) => {
          report(err);
          reply(fail("unavailable", "could not leave the room"));
        });
    });

    socket.on("message:send", (message, ack) => {
      if (typeof ack !== "function") return;
      const { room, text } = (typeof message === "object" && message !== null ? message : {}) as { room?: unknown; text?: unknown };
      if (typeof room !== "string" || typeof text !== "string") return ack(fail("bad_request", "expected { room, text }"));
      if (!socket.rooms.has(room) || room === socket.id) return ack(fail("not_in_room", "join the room first"));
      const trimmed = text.trim();
      if (trimmed.length === 0) return ack(fail("empty", "message is empty"));
      if (trimmed.length > LIMITS.maxMessageLength) {
        return ack(fail("too_long", `messages are at most ${LIMITS.maxMessageLength} characters`));
      }
      if (!limiter.take(user)) return ack(fail("rate_limited", "slow down: too many messages"));
      const stored = { id: randomUUID(), room, user, text: trimmed, ts: Date.now() };
      store.add(stored, LIMITS.historySize).then(
        () => {
          // the sender has it from the ack; its other tabs and everyone else get it here
          socket.to(room).emit("message:new", stored);
          ack({ ok: true, id: stored.id, ts: stored.ts });
        },
        (err: unknown) => {
          report(err);
          ack(fail("unavailable", "message not stored"));
        },
      );
    });

    socket.on("typing", (room) => {
      if (typeof room !== "string" || !socket.rooms.has(room) || room === socket.id) return;
      socket.to(room).volatile.emit("typing", { room, user });
    });

    socket.on("disconnecting", () => {
      const rooms = [...socket.rooms].filter((room) => room !== socket.id);
      // the socket has left its rooms once "disconnect" fires: announce then
      socket.once("disconnect", (reason) => {
        // a shutting-down instance has nobody left to tell (and its adapter is closing: a cluster query would hang)
        if (reason === "server shutting down") return;
        for (const room of rooms) announce(room).catch(report);
      });
    });
  });
  return chat;
}
