// redis and @socket.io/admin-ui are optional peer dependencies: installed without them, roomcast/redis and
// roomcast/admin-ui say what to install (on import and on require) and everything else works.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { installApp, packTarball, removeDir, runNode, tempDir, type PackedTarball } from "../helpers/packed.js";

const HINTS = {
  "roomcast/redis": "roomcast/redis needs the 'redis' package (node-redis): npm install redis",
  "roomcast/admin-ui": "roomcast/admin-ui needs the '@socket.io/admin-ui' package: npm install @socket.io/admin-ui",
} as const;

/** Prints the error roomcast/redis throws, as JSON; `load` is the ESM or CJS way to load it. */
const probe = (load: string): string => `try {
  ${load};
  console.log(JSON.stringify({ loaded: true }));
} catch (err) {
  console.log(JSON.stringify({ message: err.message, cause: err.cause && err.cause.code }));
}
`;

/** socket.io's browser-client URLs, which the installed server must serve from the tarball's bundles. */
const CLIENT_FILES = ["socket.io.js", "socket.io.min.js", "socket.io.esm.min.js"].flatMap((f) => [f, `${f}.map`]);

/** A server from the installed package serves the client files, and its client exchanges an ack; both close. */
const SERVER_APP = `import { createServer } from "node:http";
import { Server } from "roomcast/server";
import { io } from "roomcast/client";
const http = createServer();
const server = new Server(http);
server.on("connection", (socket) => socket.on("echo", (v, ack) => ack(v)));
await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
const url = "http://127.0.0.1:" + http.address().port;
for (const file of ${JSON.stringify(CLIENT_FILES)}) {
  const res = await fetch(url + "/socket.io/" + file);
  const body = await res.arrayBuffer();
  console.log(file, res.status, body.byteLength > 1000);
}
const client = io(url, { transports: ["websocket"] });
console.log(await client.emitWithAck("echo", "without redis"));
client.close();
await server.close();
`;

describe("package: installed without redis and @socket.io/admin-ui (optional peer dependencies)", { timeout: 180_000 }, () => {
  let pack: PackedTarball | undefined;
  let app = "";

  before(async () => {
    pack = await packTarball();
    app = await tempDir("app-no-redis");
    await installApp(app, { tarball: pack.tarball });
  });

  after(async () => {
    if (app) await removeDir(app);
    if (pack) await removeDir(pack.dir);
  });

  it("npm leaves redis out (optional peer)", () => {
    assert.ok(existsSync(join(app, "node_modules", "roomcast", "package.json")));
    assert.ok(!existsSync(join(app, "node_modules", "redis")), "redis was installed");
    assert.ok(!existsSync(join(app, "node_modules", "@redis")), "@redis/* was installed");
    assert.ok(!existsSync(join(app, "node_modules", "@socket.io", "admin-ui")), "@socket.io/admin-ui was installed");
  });

  for (const entry of ["roomcast/redis", "roomcast/admin-ui"] as const) {
    for (const [file, load] of [
      ["require.cjs", `require(${JSON.stringify(entry)})`],
      ["import.mjs", `await import(${JSON.stringify(entry)})`],
    ] as const) {
      it(`${file.endsWith(".cjs") ? "require" : "import"}("${entry}") throws an error that says what to install`, async () => {
        await writeFile(join(app, file), probe(load));
        const { stdout, stderr } = await runNode(join(app, file), { cwd: app, timeoutMs: 30_000 });
        assert.equal(stderr, "");
        assert.deepEqual(JSON.parse(stdout) as unknown, { message: HINTS[entry], cause: "MODULE_NOT_FOUND" });
      });
    }
  }

  it("roomcast/server serves the browser client from the tarball's bundles; roomcast/client: an ack round-trip", async () => {
    await writeFile(join(app, "server.mjs"), SERVER_APP);
    const { stdout, stderr } = await runNode(join(app, "server.mjs"), { cwd: app, timeoutMs: 30_000 });
    assert.equal(stderr, "");
    assert.deepEqual(stdout.trim().split("\n"), [...CLIENT_FILES.map((f) => `${f} 200 true`), "without redis"]);
  });

  it("require() of roomcast/server, client and shared works", async () => {
    const script = 'for (const e of ["server", "client", "shared"]) console.log(typeof require("roomcast/" + e));\n';
    await writeFile(join(app, "require-rest.cjs"), script);
    const { stdout, stderr } = await runNode(join(app, "require-rest.cjs"), { cwd: app, timeoutMs: 30_000 });
    assert.equal(stderr, "");
    assert.equal(stdout, "object\nobject\nobject\n");
  });
});
