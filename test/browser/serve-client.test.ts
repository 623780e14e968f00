/**
 * What a Socket.IO page does, in real headless Chromium (Debian's /usr/bin/chromium via playwright-core; never
 * downloaded): `<script src="/socket.io/socket.io.js">` (and socket.io.min.js), then `io()`; `<script type="module">`
 * importing `/socket.io/socket.io.esm.min.js`; and the official socket.io-client's own socket.io.min.js against a
 * roomcast server. Each page checks the global / the exports and exchanges an ack with the server. And a page of
 * another site importing the ES module: allowed by the server's `cors.origin` as in socket.io, refused without it.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { Browser } from "playwright-core";
import { launchChromium } from "../helpers/browser.js";
import { listen } from "../helpers/server.js";
import { Server, type ServerOptions } from "../../server/index.js";

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
  const closers: (() => Promise<unknown>)[] = [];

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
    url = await listenUrl(http);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await io?.close();
    for (const close of closers) await close();
  });

  async function listenUrl(http: ReturnType<typeof createServer>): Promise<string> {
    return `http://127.0.0.1:${await listen(http)}`;
  }

  /** Opens `path`, waits for `ready` (a global the page sets), and runs one `io()` round trip with what it got. */
  async function run(path: string, ready: "io" | "esm", base = url, target?: string): Promise<Outcome> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));
    try {
      await page.goto(base + path);
      await page.waitForFunction((name) => name in window, ready, { timeout: 10_000 });
      const outcome = await page.evaluate(async ([ready, target]) => {
        type Sock = {
          once(ev: string, fn: (...a: unknown[]) => void): void;
          timeout(ms: number): { emitWithAck(ev: string, ...a: unknown[]): Promise<unknown> };
          disconnect(): void;
          io: { engine: { transport: { name: string } } };
        };
        type Lookup = ((url: string | object, opts?: object) => Sock) & Record<string, unknown>;
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
        const opts = { reconnection: false, timeout: 5000 };
        const socket = target === undefined ? lookup(opts) : lookup(target, opts);
        await new Promise<void>((resolve, reject) => {
          socket.once("connect", () => resolve());
          socket.once("connect_error", (e) => reject(e));
        });
        const ack = await socket.timeout(5000).emitWithAck("double", 21);
        const transport = socket.io.engine.transport.name;
        socket.disconnect();
        return { shape, ack, transport };
      }, [ready, target] as const);
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

  it("a page of another site imports socket.io.esm.min.js when cors.origin lists it (as socket.io), not otherwise", async () => {
    const site = createServer((req, res) => {
      const target = new URL(req.url ?? "/", "http://x").searchParams.get("target") ?? "";
      const html = (body: string) => res.writeHead(200, { "Content-Type": "text/html" }).end(body);
      if (req.url?.startsWith("/static?")) {
        html(`<!doctype html><script type="module">import { io, Manager, Socket, protocol } from "${target}/socket.io/socket.io.esm.min.js";
window.esm = { io, Manager, Socket, protocol };</script>`);
      } else if (req.url?.startsWith("/dynamic?")) {
        html(`<!doctype html><script type="module">import("${target}/socket.io/socket.io.esm.min.js").then(
  () => (window.imported = "ok"), (e) => (window.imported = String(e)));</script>`);
      } else res.writeHead(404).end();
    });
    closers.push(() => new Promise((resolve) => site.close(resolve)));
    const siteUrl = await listenUrl(site);
    const server = async (opts: Partial<ServerOptions>) => {
      const http = createServer((_req, res) => res.writeHead(404).end());
      const other = new Server(http, opts);
      closers.push(() => other.close());
      other.on("connection", (socket) => {
        socket.on("double", (n: number, ack: (r: { doubled: number }) => void) => ack({ doubled: n * 2 }));
      });
      return listenUrl(http);
    };
    const listed = await server({ cors: { origin: [siteUrl] } });
    const { ack } = await run(`/static?target=${encodeURIComponent(listed)}`, "esm", siteUrl, listed);
    assert.equal((ack as { doubled: number }).doubled, 42);

    const unlisted = await server({});
    const page = await browser.newPage();
    try {
      await page.goto(`${siteUrl}/dynamic?target=${encodeURIComponent(unlisted)}`);
      await page.waitForFunction(() => "imported" in window, undefined, { timeout: 10_000 });
      const imported = await page.evaluate(() => (window as unknown as { imported: string }).imported);
      assert.match(imported, /TypeError: Failed to fetch dynamically imported module/);
    } finally {
      await page.close();
    }
  });
});
