/**
 * Scale-out: with REDIS_URL, the demo uses roomcast/redis for rooms and broadcasts and keeps room history and the
 * room list in Redis, so every instance shows the same chat.
 */
import { createClient } from "redis";
import { createAdapter } from "roomcast/redis";
import type { Server } from "roomcast/server";
import type { Message } from "./contract.js";
import type { ChatStore } from "./history.js";

const KEY = "roomcast-demo";

export async function useRedis(io: Server, url: string): Promise<{ store: ChatStore; close(): Promise<void> }> {
  const pub = createClient({ url });
  pub.on("error", (err: unknown) => console.error("[demo] redis:", err));
  io.adapter(createAdapter(pub));
  const data = createClient({ url, socket: { reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 500) } });
  data.on("error", (err: unknown) => console.error("[demo] redis:", err));
  await data.connect();
  const store: ChatStore = {
    async add(message: Message, limit: number) {
      const key = `${KEY}:history:${message.room}`;
      await data.multi().rPush(key, JSON.stringify(message)).lTrim(key, -limit, -1).exec();
    },
    async recent(room: string, limit: number) {
      const raw = await data.lRange(`${KEY}:history:${room}`, -limit, -1);
      return raw.map((entry: string) => JSON.parse(entry) as Message);
    },
    async addRoom(room: string) {
      await data.sAdd(`${KEY}:rooms`, room);
    },
    async rooms() {
      return (await data.sMembers(`${KEY}:rooms`)).slice(0, 1000);
    },
    async close() {
      await data.quit().catch(() => undefined);
    },
  };
  return { store, close: () => store.close() };
}
