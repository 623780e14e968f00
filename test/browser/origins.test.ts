/**
 * The origin gate from a real browser (Debian's /usr/bin/chromium via playwright-core): a page of another site
 * (another port) cannot open a session — WebSocket (cross-site WebSocket hijacking) or long-polling — unless the
 * server lists that site in socket.io's `cors.origin`.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server as HttpServer } from "node:http";
import type { Browser } from "playwright-core";
import { launchChromium } from "../helpers/browser.js";
import { listen } from "../helpers/server.js";
import { Server, type ServerOptions } from "../../server/index.js";

async function listenUrl(http: HttpServer): Promise<string> {
  return `http://127.0.0.1:${await listen(http)}`;
}

describe("browser: a page of another site and the origin gate", { timeout: 60_000 }, () => {
  let browser: Browser;
  let site: HttpServer;
  let siteUrl: string;
  const servers: Server[] = [];

  /** A roomcast server on its own port; the page of `siteUrl` loads its bundle and connects to it. */
  async function roomcast(opts: Partial<ServerOptions>): Promise<{ io: Server; url: string }> {
    const http = createServer();
    const io = new Server(http, opts);
    servers.push(io);
    io.on("connection", (socket) => {
      socket.on("ping?", (ack: (a: string) => void) => ack("pong"));
    });
    return { io, url: await listenUrl(http) };
  }

  /** Opens the other site's page and connects from it to `url`: "pong" or the connect_error message. */
  async function connectFromSite(url: string, transports: string[]): Promise<string> {
    const page = await browser.newPage();
    try {
      await page.goto(`${siteUrl}/`);
      await page.addScriptTag({ url: `${url}/socket.io/socket.io.min.js` });
      return await page.evaluate(
        ([target, transports]) =>
          new Promise<string>((resolve) => {
            type Sock = {
              once(ev: string, fn: (...a: unknown[]) => void): void;
              timeout(ms: number): { emitWithAck(ev: string): Promise<string> };
              disconnect(): void;
            };
            const w = window as unknown as { io: (url: string, opts: object) => Sock };
            const socket = w.io(target, { transports, reconnection: false, timeout: 5000 });
            socket.once("connect", () => {
              void socket.timeout(5000).emitWithAck("ping?").then((answer) => {
                socket.disconnect();
                resolve(answer);
              }, (err: Error) => resolve(`ack: ${err.message}`));
            });
            socket.once("connect_error", (err) => {
              socket.disconnect();
              resolve(`connect_error: ${(err as Error).message}`);
            });
          }),
        [url, transports] as const,
      );
    } finally {
      await page.close();
    }
  }

  before(async () => {
    site = createServer((_req, res) => res.writeHead(200, { "Content-Type": "text/html" }).end("<!doctype html><title>another site</title>"));
    siteUrl = await listenUrl(site);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await Promise.all(servers.map((io) => io.close()));
    await new Promise((resolve) => site?.close(resolve));
  });

  for (const transports of [["websocket"], ["polling"]]) {
    it(`default: the other site's page is refused (${transports[0]}); no session is opened`, async () => {
      const { io, url } = await roomcast({});
      const sessions: string[] = [];
      io.engine.on("connection", (conn: { id: string }) => sessions.push(conn.id));
      assert.match(await connectFromSite(url, transports), /^connect_error: (websocket|xhr poll) error$/);
      assert.deepEqual(sessions, []);
    });

    it(`cors.origin listing the other site lets its page in (${transports[0]})`, async () => {
      const { url } = await roomcast({ cors: { origin: [siteUrl] } });
      assert.equal(await connectFromSite(url, transports), "pong");
    });

    it(`cors.origin listing only a third site still refuses the page (${transports[0]})`, async () => {
      const { url } = await roomcast({ cors: { origin: "https://third.example" } });
      assert.match(await connectFromSite(url, transports), /^connect_error/);
    });
  }
});
