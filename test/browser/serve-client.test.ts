/**
 * What a Socket.IO page does, in real headless Chromium (Debian's /usr/bin/chromium via playwright-core; never
 * downloaded): `<script src="/socket.io/socket.io.js">` (and socket.io.min.js), then `io()`; `<script type="module">`
 * importing `/socket.io/socket.io.esm.min.js`; and the official socket.io-client's own socket.io.min.js against a
 * roomcast server. Each page checks the global / the exports and exchanges an ack with the server.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { chromium, type Browser } from "playwright-core";
import { Server } from "../../server/index.js";

const OFFICIAL = new URL("../../../node_modules/socket.io-client/dist/socket.io.min.js", import.meta.url);

const classic = (src: string) => `<!doctype html><html><head><script src="${src}"></script></head><body></body></html>`;
const MODULE_PAGE = `<!doctype html><html><head><script type="module">
import { io, connect, Manager, Socket, protocol } from "/socket.io/socket.io.esm.min.js";
import lookup from "/socket.io/socket.io.esm.min.js";
window.esm = { io, connect, Manager, Socket, protocol, lookup };
</script></head><body></body></html>`;

/** What a page reports: the shape of what it got, then the ack of one round trip. */
interface Outcome {
  shape: Record<string, boolean | number | string>;
  ack: unknown;
  transport: string;
}

describe("browser: the served client at socket.io's URLs", { timeout: 90_000 }, () => {
  let browser: Browser;
  let io: Server;
  let url: string;

  before(async () => {
    const official = await readFile(OFFICIAL);
    const http = createServer((req, res) => {
      const html = (body: string) => res.writeHead(200, { "Content-Type": "text/html" }).end(body);
      if (req.url === "/classic") html(classic("/socket.io/socket.io.js"));
      else if (req.url === "/classic-min") html(classic("/socket.io/socket.io.min.js"));
      else if (req.url === "/module") html(MODULE_PAGE);
      else if (req.url === "/official") html(classic("/official/socket.io.min.js"));
      else if (req.url === "/official/socket.io.min.js") res.writeHead(200, { "Content-Type": "application/javascript" }).end(official);
      else res.writeHead(404).end();
    });
    io = new Server(http);
    io.on("connection", (socket) => {
      socket.on("double", (n: number, ack: (r: { doubled: number; id: string }) => void) => ack({ doubled: n * 2, id: socket.id }));
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
  });
  after(async () => {
    await browser?.close();
    await io?.close();
  });

  /** Opens `path`, waits for `ready` (a global the page sets), and runs one `io()` round trip with what it got. */
  async function run(path: string, ready: "io" | "esm"): Promise<Outcome> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));
    try {
      await page.goto(url + path);
      await page.waitForFunction((name) => name in window, ready, { timeout: 10_000 });
      const outcome = await page.evaluate(async (ready) => {
        type Sock = {
          once(ev: string, fn: (...a: unknown[]) => void): void;
          timeout(ms: number): { emitWithAck(ev: string, ...a: unknown[]): Promise<unknown> };
          disconnect(): void;
          io: { engine: { transport: { name: string } } };
        };
        type Lookup = ((opts?: object) => Sock) & Record<string, unknown>;
        const w = window as unknown as { io: Lookup; esm: Record<string, unknown> & { io: Lookup } };
        const lookup = ready === "io" ? w.io : w.esm.io;
        const shape: Record<string, boolean | number | string> = {
          lookupIsFunction: typeof lookup === "function",
          ioIo: lookup.io === lookup,
          ioConnect: lookup.connect === lookup,
          ioManager: typeof lookup.Manager === "function",
          ioSocket: typeof lookup.Socket === "function",
        };
        if (ready === "esm") {
          shape.connect = w.esm.connect === lookup;
          shape.default = w.esm.lookup === lookup;
          shape.Manager = w.esm.Manager === lookup.Manager;
          shape.Socket = w.esm.Socket === lookup.Socket;
          shape.protocol = w.esm.protocol as number;
        }
        const socket = lookup({ reconnection: false, timeout: 5000 });
        await new Promise<void>((resolve, reject) => {
          socket.once("connect", () => resolve());
          socket.once("connect_error", (e) => reject(e));
        });
        const ack = await socket.timeout(5000).emitWithAck("double", 21);
        const transport = socket.io.engine.transport.name;
        socket.disconnect();
        return { shape, ack, transport };
      }, ready);
      assert.deepEqual(errors, []);
      return outcome;
    } finally {
      await page.close();
    }
  }

  const globalShape = { lookupIsFunction: true, ioIo: true, ioConnect: true, ioManager: true, ioSocket: true };

  for (const path of ["/classic", "/classic-min"]) {
    it(`${path === "/classic" ? "socket.io.js" : "socket.io.min.js"}: the global io (io.Manager, io.Socket, io.io, io.connect), io() and an ack`, async () => {
      const { shape, ack } = await run(path, "io");
      assert.deepEqual(shape, globalShape);
      assert.equal((ack as { doubled: number }).doubled, 42);
      assert.equal(typeof (ack as { id: string }).id, "string");
    });
  }

  it('<script type="module"> importing socket.io.esm.min.js: io, connect, default, Manager, Socket, protocol; an ack', async () => {
    const { shape, ack } = await run("/module", "esm");
    assert.deepEqual(shape, { ...globalShape, connect: true, default: true, Manager: true, Socket: true, protocol: 5 });
    assert.equal((ack as { doubled: number }).doubled, 42);
  });

  it("the official socket.io-client's socket.io.min.js (same page code) against roomcast: an ack", async () => {
    const { shape, ack } = await run("/official", "io");
    assert.deepEqual(shape, globalShape);
    assert.equal((ack as { doubled: number }).doubled, 42);
  });
});
