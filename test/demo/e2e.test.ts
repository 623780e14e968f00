/**
 * The demo chat in real headless Chromium (Debian's /usr/bin/chromium via playwright-core; never downloaded):
 * sign-in, transports, rooms, messages both ways with delivery marks, history for a late joiner, presence, text
 * rendered as text, and a server restart the pages survive. Controls are found by role and label, as people do.
 * Writes docs/demo.png when it is missing or UPDATE_SCREENSHOT=1.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { launchChromium } from "../helpers/browser.js";
import { createDemoServer, type DemoServer } from "../../demo/server.js";

const SECRET = "e2e-test-secret";
const HOST = "127.0.0.1";
const WAIT = 10_000;
const ROOM = "e2e-room";
const root = fileURLToPath(new URL("../../../", import.meta.url));
const SCREENSHOT = `${root}docs/demo.png`;

// ---- how a person finds things on the page --------------------------------------------------------------------------

const bannerSays = (page: Page, text: string | RegExp) =>
  page.getByRole("status").filter({ hasText: text }).waitFor({ timeout: WAIT });
const messageBox = (page: Page) => page.getByRole("textbox", { name: "Message", exact: true });
const messages = (page: Page) => page.getByRole("list", { name: "Messages" }).getByRole("listitem");
const messageWith = (page: Page, text: string) => messages(page).filter({ hasText: text });
const roomHeading = (page: Page, room: string) => page.getByRole("heading", { name: `# ${room}`, exact: true });
const roomButton = (page: Page, room: string) =>
  page.getByRole("list", { name: "Rooms" }).getByRole("button", { name: new RegExp(`^${room}, \\d+ online$`) });

/** Waits until the "Online" list reads exactly `names` (in order). */
async function onlineIs(page: Page, names: string[]): Promise<void> {
  const list = await page.getByRole("list", { name: "Online" }).elementHandle({ timeout: WAIT });
  try {
    await page.waitForFunction(
      ([el, want]) => Array.from((el as HTMLElement).children).map((li) => li.textContent).join("\n") === want,
      [list, names.join("\n")] as const,
      { timeout: WAIT },
    );
  } catch (err) {
    const got = await page.getByRole("list", { name: "Online" }).getByRole("listitem").allTextContents();
    throw new Error(`online list is ${JSON.stringify(got)}, expected ${JSON.stringify(names)}: ${String(err)}`);
  }
}

async function send(page: Page, text: string): Promise<void> {
  const box = messageBox(page);
  await box.fill(text, { timeout: WAIT });
  await box.press("Enter");
  // the sender's own copy shows "✓ delivered" once the server has acknowledged it
  await messageWith(page, text).getByLabel("delivered", { exact: true }).waitFor({ timeout: WAIT });
}

const sees = (page: Page, text: string): Promise<void> => messageWith(page, text).waitFor({ timeout: WAIT });

describe("demo e2e: the chat page in Chromium", { timeout: 60_000 }, () => {
  let browser: Browser;
  let demo: DemoServer | undefined;
  let port: number;
  let base: string;
  const contexts: BrowserContext[] = [];
  let alice: Page;
  let bob: Page;
  let carol: Page;

  async function openAs(name: string, query = ""): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    await page.goto(`${base}/${query}`);
    await page.getByLabel("Display name").fill(name);
    await page.getByRole("button", { name: "Sign in" }).click();
    await bannerSays(page, /^Connected via /);
    await roomHeading(page, "lobby").waitFor({ timeout: WAIT }); // everyone starts in the lobby
    return page;
  }

  before(async () => {
    demo = await createDemoServer({ port: 0, host: HOST, secret: SECRET });
    port = (demo.http.address() as AddressInfo).port;
    base = `http://${HOST}:${port}`;
    browser = await launchChromium();
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await demo?.close();
  });

  it("two users sign in: one over WebSocket (after the upgrade), one forced to long-polling", async () => {
    [alice, bob] = await Promise.all([openAs("alice"), openAs("bob", "?transport=polling")]);
    await bannerSays(alice, "Connected via WebSocket");
    assert.equal(await bob.getByRole("status").textContent(), "Connected via long-polling");
    await onlineIs(alice, ["alice", "bob"]);
  });

  it("one creates a room, the other joins it from the rooms list", async () => {
    await alice.getByLabel("New room").fill(ROOM);
    await alice.getByRole("button", { name: "Create or join" }).click();
    await roomHeading(alice, ROOM).waitFor();
    await onlineIs(alice, ["alice"]);

    await roomButton(bob, ROOM).click(); // appears through rooms:update
    await roomHeading(bob, ROOM).waitFor();
    await Promise.all([onlineIs(alice, ["alice", "bob"]), onlineIs(bob, ["alice", "bob"])]);
    assert.equal(await roomButton(alice, ROOM).getAttribute("aria-current"), "true");
  });

  it("they chat both ways; the sender's own message is marked delivered", async () => {
    await send(alice, "hi bob, this is alice");
    await sees(bob, "hi bob, this is alice");
    await send(bob, "hello alice! bob here, on long-polling");
    await sees(alice, "hello alice! bob here, on long-polling");
    await send(alice, "messages go both ways, with acks");
    await sees(bob, "messages go both ways, with acks");
    // the receiver's copy carries no delivery mark, and the order is the same on both pages
    assert.equal(await messageWith(bob, "hi bob").getByLabel("delivered").count(), 0);
    const order = ["hi bob, this is alice", "hello alice! bob here, on long-polling", "messages go both ways, with acks"];
    for (const page of [alice, bob]) {
      const texts = await messages(page).allTextContents();
      assert.deepEqual(order.map((t) => texts.findIndex((x) => x.includes(t))), [0, 1, 2]);
    }
  });

  it("a late joiner sees the history when joining", async () => {
    carol = await openAs("carol");
    await roomButton(carol, ROOM).click();
    await roomHeading(carol, ROOM).waitFor();
    await sees(carol, "hi bob, this is alice");
    await sees(carol, "hello alice! bob here, on long-polling");
    await sees(carol, "messages go both ways, with acks");
    assert.equal(await messages(carol).count(), 3);
    await Promise.all([alice, bob, carol].map((page) => onlineIs(page, ["alice", "bob", "carol"])));
    // the presence update re-rendered the room: alice's own messages keep their marks
    assert.equal(await messageWith(alice, "hi bob, this is alice").getByLabel("delivered", { exact: true }).count(), 1);
    assert.equal(await messageWith(carol, "hi bob, this is alice").getByLabel("delivered").count(), 0);
  });

  it("typing shows on the others' pages (and the screenshot is taken mid-conversation)", async () => {
    await send(carol, "hey both, carol joined late but has the history");
    await sees(alice, "carol joined late");
    await sees(bob, "carol joined late");
    // one "typing" at most per second per page: typing for 1.2 s sends at least one
    await messageBox(bob).pressSequentially("on my way", { delay: 150 });
    await alice.getByText("bob is typing…").waitFor({ timeout: WAIT });
    if (process.env["UPDATE_SCREENSHOT"] === "1" || !existsSync(SCREENSHOT)) {
      mkdirSync(`${root}docs`, { recursive: true });
      await alice.screenshot({ path: SCREENSHOT });
    }
    await messageBox(bob).press("Enter");
    await sees(alice, "on my way");
  });

  it("presence: leaving the room and closing the page both update the online list", async () => {
    await carol.getByRole("button", { name: "Leave room" }).click();
    await Promise.all([onlineIs(alice, ["alice", "bob"]), onlineIs(bob, ["alice", "bob"])]);
    await roomHeading(carol, "lobby").waitFor(); // back in the room carol is still in
    assert.equal(await roomButton(alice, ROOM).getAttribute("aria-label"), `${ROOM}, 2 online`);

    await roomButton(carol, ROOM).click();
    await Promise.all([onlineIs(alice, ["alice", "bob", "carol"]), onlineIs(bob, ["alice", "bob", "carol"])]);
    await carol.close();
    await Promise.all([onlineIs(alice, ["alice", "bob"]), onlineIs(bob, ["alice", "bob"])]);
  });

  it("text is rendered as text: markup arrives literally and nothing is injected", async () => {
    const evil = `<img src=x onerror="window.__pwned=1"><b>bold?</b>`;
    await send(alice, evil);
    await sees(bob, evil);
    for (const page of [alice, bob]) {
      const list = page.getByRole("list", { name: "Messages" });
      assert.equal(await list.locator("img, b").count(), 0, "no element was created from the message");
      assert.equal(await messageWith(page, evil).getByText(evil, { exact: true }).count(), 1);
      assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    }
  });

  it("the server restarts on the same port: the pages reconnect, rejoin and carry on chatting", async () => {
    await demo!.close();
    demo = undefined;
    await Promise.all([bannerSays(alice, "Reconnecting…"), bannerSays(bob, "Reconnecting…")]);

    demo = await createDemoServer({ port, host: HOST, secret: SECRET }); // same secret: the saved tokens still work
    await Promise.all([bannerSays(alice, "Connected via WebSocket"), bannerSays(bob, "Connected via long-polling")]);
    // still in the room they were looking at, back in it on the new server
    await Promise.all([roomHeading(alice, ROOM).waitFor(), roomHeading(bob, ROOM).waitFor()]);
    await Promise.all([onlineIs(alice, ["alice", "bob"]), onlineIs(bob, ["alice", "bob"])]);

    await send(bob, "bob is back after the restart");
    await sees(alice, "bob is back after the restart");
    await send(alice, "alice too");
    await sees(bob, "alice too");
  });
});
