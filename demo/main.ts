/**
 * `npm start`: the chat-rooms demo on http://localhost:3000 (PORT to change). In-memory unless REDIS_URL is set.
 * DEMO_SECRET signs login tokens; instances that share a Redis must share it too.
 */
import { randomBytes } from "node:crypto";
import { createDemoServer } from "./server.js";

const secret = process.env["DEMO_SECRET"] ?? randomBytes(32).toString("hex");
const redisUrl = process.env["REDIS_URL"];
const server = await createDemoServer({
  port: Number(process.env["PORT"] ?? 3000),
  secret,
  ...(redisUrl ? { redisUrl } : {}),
});
console.log(`roomcast demo on ${server.url}${redisUrl ? ` (Redis: ${redisUrl})` : ""}`);
if (!process.env["DEMO_SECRET"]) console.log("DEMO_SECRET not set: sign-ins last until this process stops");

const stop = () => {
  void server.close().then(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
