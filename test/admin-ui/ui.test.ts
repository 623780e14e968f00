/**
 * @socket.io/admin-ui's own dashboard (the built SPA shipped in the package, ui/dist) in real headless Chromium
 * (Debian's /usr/bin/chromium via playwright-core; never downloaded) against instrumented roomcast servers: the page
 * is served from another local origin, as admin.socket.io would be, so the server lists it in `cors.origin` with
 * credentials (the UI connects `withCredentials`). Requests off loopback (the page's web fonts and icon font) are
 * refused. The connection form is filled as a user would, then the Servers, Sockets, Rooms and Events pages are read
 * and actions are clicked: their effect is checked on the server and on the app's clients.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, extname, join, normalize as normalizePath, sep } from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../helpers/browser.js";
import type { Socket as ClientSocket } from "socket.io-client";
import { RedisProcess } from "../helpers/redis.js";
import { next } from "../helpers/events.js";
import { appClient, startRedisCluster, startRoomcastApp, type AdminApp } from "./harness.js";
import type { Server } from "../../server/index.js";

const UI_ROOT = join(dirname(createRequire(import.meta.url).resolve("@socket.io/admin-ui/package.json")), "ui", "dist");
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".map": "application/json",
};
/** Longest wait for anything the page shows (server_stats come every 2 s). */
const UI_WAIT = 10_000;

/** The UI's static files on a free loopback port (nothing outside ui/dist is served). */
async function serveUi(): Promise<{ origin: string; close(): Promise<void> }> {
  const http: HttpServer = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://ui").pathname;
    const file = normalizePath(join(UI_ROOT, path === "/" ? "index.html" : path));
    if (!file.startsWith(UI_ROOT + sep)) return void res.writeHead(404).end();
    readFile(file).then(
      (body) => res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}

/** Opens the UI, fills its connection form (server URL; WebSocket only when asked) and waits until it is connected. */
async function connectUi(page: Page, uiOrigin: string, serverUrl: string, wsOnly: boolean): Promise<void> {
  await page.route("**/*", (route) => (new URL(route.request().url()).hostname === "127.0.0.1" ? route.continue() : route.abort()));
  await page.goto(uiOrigin + "/");
  await page.getByLabel("Server URL").fill(serverUrl, { timeout: UI_WAIT });
  if (wsOnly) {
    await page.getByText("Advanced options").click({ timeout: UI_WAIT });
    await page.getByText("WebSocket only?").click({ timeout: UI_WAIT });
    // the other advanced options keep their defaults, socket.io's
    assert.equal(await page.getByLabel("Admin namespace").inputValue({ timeout: UI_WAIT }), "/admin");
    assert.equal(await page.getByLabel("Path").inputValue({ timeout: UI_WAIT }), "/socket.io");
  }
  await page.getByRole("button", { name: "Connect" }).click({ timeout: UI_WAIT });
  // the app bar shows the status twice (wide and narrow layouts); the page is 1280 px wide: the wide one
  await page.locator(".v-app-bar .d-lg-flex").getByText("connected", { exact: true }).waitFor({ timeout: UI_WAIT });
}

/** Goes to one of the UI's pages through its navigation drawer. */
async function open(page: Page, title: "Dashboard" | "Sockets" | "Rooms" | "Clients" | "Events" | "Servers"): Promise<void> {
  await page.locator(".v-navigation-drawer").getByText(title, { exact: true }).click({ timeout: UI_WAIT });
  await shown(page, title);
}

/**
 * Waits until the page whose breadcrumbs end with `title` is the only one in the document: during a page transition
 * the page left is still there (its rows too).
 */
async function shown(page: Page, title: string): Promise<void> {
  await page.waitForFunction(
    (t) => {
      const crumbs = document.querySelectorAll(".v-breadcrumbs");
      const items = crumbs.length === 1 ? crumbs[0]!.querySelectorAll(".v-breadcrumbs__item") : [];
      return items.length > 0 && items[items.length - 1]!.textContent?.trim() === t;
    },
    title,
    { timeout: UI_WAIT },
  );
}

const row = (page: Page, text: string) => page.locator("tbody tr", { hasText: text });

async function launch(): Promise<Browser> {
  return launchChromium();
}

describe("admin-ui's dashboard in Chromium against roomcast", { timeout: 120_000 }, () => {
  let browser: Browser;
  let ui: Awaited<ReturnType<typeof serveUi>>;
  let redis: RedisProcess;

  before(async () => {
    [browser, ui, redis] = await Promise.all([launch(), serveUi(), RedisProcess.start()]);
  });
  after(async () => {
    await browser?.close();
    await ui?.close();
    await redis?.stop();
  });

  it("one server (polling then WebSocket): dashboard, servers, sockets, a socket's page, rooms, clients, events; join, leave and disconnect from the UI", async () => {
    const app = await startRoomcastApp({
      instrument: { auth: false, mode: "development", serverId: "roomcast-1" },
      roomcast: { cors: { origin: [ui.origin], credentials: true } },
    });
    const clients: ClientSocket[] = [];
    const page = await browser.newPage();
    try {
      const alice = await appClient(app.url, "alice");
      const bob = await appClient(app.url, "bob", ["polling"]);
      clients.push(alice, bob);
      const [aliceId, bobId] = [alice.id!, bob.id!];
      await connectUi(page, ui.origin, app.url, false);

      // the dashboard: namespaces with their socket counts (from server_stats)
      await shown(page, "Dashboard");
      const namespaces = page.locator(".v-card", { has: page.locator(".v-card__title", { hasText: "Namespaces" }) });
      await namespaces.locator("tr", { hasText: "/admin" }).getByText("1", { exact: true }).waitFor({ timeout: UI_WAIT });
      await namespaces.locator("tr").filter({ has: page.getByText("/", { exact: true }) }).getByText("2", { exact: true }).waitFor({ timeout: UI_WAIT });

      await open(page, "Servers");
      await row(page, "roomcast-1").getByText("Healthy").waitFor({ timeout: UI_WAIT });

      await open(page, "Sockets");
      await row(page, aliceId).getByText("WebSocket").waitFor({ timeout: UI_WAIT });
      await row(page, bobId).getByText("HTTP long-polling").waitFor({ timeout: UI_WAIT });
      assert.match(await row(page, aliceId).innerText(), /127\.0\.0\.1/);

      await open(page, "Rooms");
      await row(page, "room-alice").waitFor({ timeout: UI_WAIT });
      await row(page, "room-bob").waitFor({ timeout: UI_WAIT });

      // an event from alice, and the server's answer, on the Events page
      assert.equal(await alice.timeout(5000).emitWithAck("echo", "hi"), "hi");
      await open(page, "Events");
      await row(page, "Event received").filter({ hasText: aliceId }).getByText("echo", { exact: true }).waitFor({ timeout: UI_WAIT });
      await row(page, "Event sent").filter({ hasText: aliceId }).getByText("echoed", { exact: true }).waitFor({ timeout: UI_WAIT });

      // JOIN from the socket's page: bob joins "vip"
      await open(page, "Sockets");
      await row(page, bobId).locator("td").first().click({ timeout: UI_WAIT });
      await shown(page, "Socket details");
      // the socket's page: its id, data, transport and initial request
      const details = page.locator(".v-card", { has: page.locator(".v-card__title", { hasText: "Details" }) });
      await details.getByText(bobId, { exact: true }).waitFor({ timeout: UI_WAIT });
      await details.getByText('"name": "bob"').waitFor({ timeout: UI_WAIT });
      await details.getByText("HTTP long-polling").waitFor({ timeout: UI_WAIT });
      const request = page.locator(".v-card", { hasText: "Initial HTTP request" });
      await request.locator("tr", { hasText: "transport" }).getByText("polling", { exact: true }).waitFor({ timeout: UI_WAIT });
      const roomsCard = page.locator(".v-card", { has: page.locator(".v-card__title", { hasText: "Rooms" }) });
      const vip = roomsCard.locator("tbody tr").filter({ has: page.getByRole("cell", { name: "vip", exact: true }) });
      await page.getByLabel("Join a room").fill("vip", { timeout: UI_WAIT });
      await page.locator("form", { has: page.getByLabel("Join a room") }).locator("button[type=submit]").click({ timeout: UI_WAIT });
      await vip.waitFor({ timeout: UI_WAIT }); // the socket's room list, updated by room_joined
      assert.ok(app.roomsOf(bobId)?.includes("vip"));
      // LEAVE from the same list
      await vip.locator("button").click({ timeout: UI_WAIT });
      await vip.waitFor({ state: "detached", timeout: UI_WAIT });
      assert.ok(!app.roomsOf(bobId)?.includes("vip"));

      // the Clients page groups sockets by Engine.IO session (socket.client.id, first 12 characters)
      await open(page, "Clients");
      await row(page, alice.io.engine.id.slice(0, 12)).waitFor({ timeout: UI_WAIT });
      await row(page, bob.io.engine.id.slice(0, 12)).waitFor({ timeout: UI_WAIT });

      // DISCONNECT from the Sockets page: alice's client is told, the row goes away
      await open(page, "Sockets");
      const gone = next<[string]>(alice, "disconnect", UI_WAIT);
      await row(page, aliceId).locator("button").click({ timeout: UI_WAIT });
      assert.equal((await gone)[0], "io server disconnect");
      // the click also reaches the row (the UI then opens the socket's page): back to the list, without alice
      await open(page, "Sockets");
      await row(page, bobId).waitFor({ timeout: UI_WAIT });
      await row(page, aliceId).waitFor({ state: "detached", timeout: UI_WAIT });
      assert.deepEqual(app.socketIds(), [bobId]);
    } finally {
      await page.close();
      for (const c of clients) c.close();
      await app.close();
    }
  });

  it("two servers on Redis (WebSocket only): both servers, the sockets and rooms of both; disconnect a socket of the other one", async () => {
    const apps: Array<AdminApp & { io: Server }> = await startRedisCluster(redis.url, 2, {
      instrument: { auth: false, mode: "development" },
      roomcast: { cors: { origin: [ui.origin], credentials: true } },
    });
    const [one, two] = apps as [AdminApp & { io: Server }, AdminApp & { io: Server }];
    const clients: ClientSocket[] = [];
    const page = await browser.newPage();
    try {
      const here = await appClient(one.url, "here");
      const there = await appClient(two.url, "there");
      clients.push(here, there);
      const [hereId, thereId] = [here.id!, there.id!];
      await connectUi(page, ui.origin, one.url, true);

      await open(page, "Servers");
      await row(page, "server-1").getByText("Healthy").waitFor({ timeout: UI_WAIT });
      await row(page, "server-2").getByText("Healthy").waitFor({ timeout: UI_WAIT });

      await open(page, "Sockets");
      await row(page, hereId).waitFor({ timeout: UI_WAIT });
      await row(page, thereId).waitFor({ timeout: UI_WAIT });

      await open(page, "Rooms");
      await row(page, "room-here").waitFor({ timeout: UI_WAIT });
      await row(page, "room-there").waitFor({ timeout: UI_WAIT });

      assert.equal(await there.timeout(5000).emitWithAck("echo", 7), 7);
      await open(page, "Events");
      await row(page, "Event received").filter({ hasText: thereId }).getByText("echo", { exact: true }).waitFor({ timeout: UI_WAIT });

      await open(page, "Sockets");
      const gone = next<[string]>(there, "disconnect", UI_WAIT);
      await row(page, thereId).locator("button").click({ timeout: UI_WAIT });
      assert.equal((await gone)[0], "io server disconnect");
      await open(page, "Sockets");
      await row(page, hereId).waitFor({ timeout: UI_WAIT });
      await row(page, thereId).waitFor({ state: "detached", timeout: UI_WAIT });
      assert.deepEqual(two.socketIds(), []);
      assert.deepEqual(one.socketIds(), [hereId]);
    } finally {
      await page.close();
      for (const c of clients) c.close();
      await Promise.all(apps.map((a) => a.close()));
    }
  });
});
