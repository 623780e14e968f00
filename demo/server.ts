/**
 * The demo server: static page, `POST /api/login`, and the `/chat` namespace. In-memory by default; with
 * `redisUrl` it uses roomcast/redis so several instances share rooms, presence and messages.
 */
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Server } from "roomcast/server";
import { cleanName, signToken } from "./auth.js";
import { LIMITS } from "./contract.js";
import { mountChat } from "./chat.js";
import { MemoryStore, type ChatStore } from "./history.js";

export interface DemoOptions {
  port?: number;
  host?: string;
  /** HMAC secret for tokens. Instances behind one load balancer must share it. */
  secret: string;
  /** Token lifetime in ms. Default 12 h. */
  tokenTtlMs?: number;
  redisUrl?: string;
}

export interface DemoServer {
  io: Server;
  http: HttpServer;
  url: string;
  close(): Promise<void>;
}

const here = fileURLToPath(new URL(".", import.meta.url));
/** Static files: the page sources (html/css) and the bundled page script, both next to this file once built. */
const STATIC: Record<string, { file: string; type: string }> = {
  "/": { file: "public/index.html", type: "text/html; charset=utf-8" },
  "/style.css": { file: "public/style.css", type: "text/css; charset=utf-8" },
  "/app.js": { file: "public/app.js", type: "text/javascript; charset=utf-8" },
  "/app.js.map": { file: "public/app.js.map", type: "application/json" },
};

export async function createDemoServer(opts: DemoOptions): Promise<DemoServer> {
  const ttl = opts.tokenTtlMs ?? 12 * 3600_000;
  const http = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, "text/plain", "internal error"));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0]!;
    if (path === "/api/login") return login(req, res);
    const entry = STATIC[path];
    if (req.method !== "GET" || entry === undefined) return send(res, 404, "text/plain", "not found");
    const body = await readStatic(entry.file);
    if (body === undefined) return send(res, 404, "text/plain", "not built: run npm run build");
    res.writeHead(200, { "content-type": entry.type, "cache-control": "no-cache", "x-content-type-options": "nosniff" });
    res.end(body);
  }

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST") return send(res, 405, "application/json", JSON.stringify({ error: "use POST" }));
    let raw = "";
    for await (const chunk of req) {
      raw += chunk;
      if (raw.length > 4096) return send(res, 413, "application/json", JSON.stringify({ error: "body too large" }));
    }
    let name: string | undefined;
    try {
      name = cleanName((JSON.parse(raw) as { name?: unknown }).name, LIMITS.maxNameLength);
    } catch {
      name = undefined;
    }
    if (name === undefined) {
      return send(res, 400, "application/json", JSON.stringify({ error: `name must be 1-${LIMITS.maxNameLength} characters` }));
    }
    send(res, 200, "application/json", JSON.stringify({ token: signToken(opts.secret, name, ttl) }));
  }

  const io = new Server(http, { connectionStateRecovery: {} });
  let store: ChatStore = new MemoryStore();
  let closeRedis: (() => Promise<void>) | undefined;
  if (opts.redisUrl) {
    const redis = await import("./redis-setup.js");
    const setup = await redis.useRedis(io, opts.redisUrl);
    store = setup.store;
    closeRedis = setup.close;
  }
  mountChat(io, opts.secret, store);

  await new Promise<void>((resolve) => http.listen(opts.port ?? 3000, opts.host ?? "0.0.0.0", resolve));
  const { port } = http.address() as AddressInfo;
  return {
    io,
    http,
    url: `http://localhost:${port}`,
    async close() {
      await io.close();
      await store.close();
      await closeRedis?.();
    },
  };
}

const cache = new Map<string, Buffer>();
async function readStatic(file: string): Promise<Buffer | undefined> {
  const hit = cache.get(file);
  if (hit) return hit;
  try {
    const body = await readFile(join(here, file));
    if (extname(file) !== ".map") cache.set(file, body);
    return body;
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "content-type": type });
  res.end(body);
}
