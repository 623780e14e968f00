/** The IIFE bundle in real headless Chromium (Debian's /usr/bin/chromium via playwright-core; never downloaded). */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { launchChromium } from "../helpers/browser.js";
import { Server } from "../../server/index.js";

const PAGE = `<!doctype html><html><head><script src="/socket.io/socket.io.min.js"></script></head><body></body></html>`;

describe("browser: socket.io.min.js (global io) in Chromium", { timeout: 60_000 }, () => {
  let browser: Browser;
  let io: Server;
  let url: string;

  before(async () => {
    const http = createServer((req, res) => {
      if (req.url === "/") res.writeHead(200, { "Content-Type": "text/html" }).end(PAGE);
      else res.writeHead(404).end();
    });
    io = new Server(http); // serveClient: true (default)
    io.on("connection", (socket) => {
      socket.on("join", (room: string, ack: (rooms: string[]) => void) => {
        void socket.join(room);
        ack([...socket.rooms]);
        io.to(room).emit("announce", `joined ${room}`, new Uint8Array([7, 8, 9]));
      });
      socket.on("bytes", (data: Buffer, ack: (len: number, back: Buffer) => void) => ack(data.length, Buffer.from([...data].reverse())));
      socket.on("ask", (ack: (answer: unknown) => void) => {
        socket.emit("question", 21, (n: number) => ack(n));
      });
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await io?.close();
  });

  for (const transports of [undefined, ["polling"]]) {
    it(`connects, joins a room, exchanges events and binary with acks (transports: ${JSON.stringify(transports ?? "default")})`, async () => {
      const page = await browser.newPage();
      try {
        await page.goto(url + "/");
        const result = await page.evaluate(async (transports) => {
          type Sock = {
            on(ev: string, fn: (...a: unknown[]) => void): void;
            once(ev: string, fn: (...a: unknown[]) => void): void;
            emit(ev: string, ...a: unknown[]): void;
            emitWithAck(ev: string, ...a: unknown[]): Promise<unknown>;
            timeout(ms: number): Sock;
            disconnect(): void;
            id: string;
            io: { engine: { transport: { name: string } } };
          };
          const w = window as unknown as { io: (opts?: object) => Sock };
          const socket = w.io(transports ? { transports } : {});
          const within = <T>(p: Promise<T>) =>
            Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error("timed out")), 5000))]);
          await within(new Promise<void>((resolve, reject) => {
            socket.once("connect", () => resolve());
            socket.once("connect_error", (e) => reject(e));
          }));
          socket.on("question", (n, ack) => (ack as (r: number) => void)((n as number) * 2));
          const announce = new Promise<unknown[]>((resolve) => socket.once("announce", (...a) => resolve(a)));
          const rooms = await within(socket.timeout(5000).emitWithAck("join", "lobby"));
          const [text, bytes] = await within(announce);
          const sent = new Uint8Array([1, 2, 3, 4]);
          const back = await within(new Promise<unknown[]>((resolve) => socket.emit("bytes", sent, (...a: unknown[]) => resolve(a))));
          const blobBack = await within(new Promise<unknown[]>((resolve) => socket.emit("bytes", new Blob([new Uint8Array([5, 6])]), (...a: unknown[]) => resolve(a))));
          const answer = await within(socket.emitWithAck("ask"));
          const transport = socket.io.engine.transport.name;
          socket.disconnect();
          return {
            id: socket.id,
            rooms,
            text,
            announced: [...new Uint8Array(bytes as ArrayBuffer)],
            len: back[0],
            reversed: [...new Uint8Array(back[1] as ArrayBuffer)],
            blobLen: blobBack[0],
            answer,
            transport,
          };
        }, transports);
        assert.equal(result.text, "joined lobby");
        assert.ok(Array.isArray(result.rooms) && (result.rooms as string[]).includes("lobby"));
        assert.deepEqual(result.announced, [7, 8, 9]);
        assert.equal(result.len, 4);
        assert.deepEqual(result.reversed, [4, 3, 2, 1]);
        assert.equal(result.blobLen, 2);
        assert.equal(result.answer, 42);
        if (transports) assert.equal(result.transport, "polling");
      } finally {
        await page.close();
      }
    });
  }
});
