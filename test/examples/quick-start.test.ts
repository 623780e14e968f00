/**
 * examples/quick-start (the README's quick start) against the packed package, in a temp app outside the repo: the
 * ESM and the CommonJS server, each with the example's own client (run twice: the second hello reaches the first
 * client through the room) and with the official socket.io-client. The example hard-codes port 3000, as the README
 * does: the temp copy gets a free port instead.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { io as officialClient } from "socket.io-client";
import { packTarball, removeDir, type PackedTarball } from "../helpers/packed.js";
import { freePort } from "../helpers/redis.js";
import { ExampleProcess, copyExample, installExample, waitForPort } from "./app.js";

describe("example: quick-start (packed package)", { timeout: 300_000 }, () => {
  let pack: PackedTarball | undefined;
  let app = "";
  const processes: ExampleProcess[] = [];

  before(async () => {
    pack = await packTarball();
    app = await copyExample("quick-start");
    await installExample(app, pack.tarball);
  });

  after(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await removeDir(app);
    if (pack) await removeDir(pack.dir);
  });

  const start = (file: string): ExampleProcess => {
    const p = ExampleProcess.start(app, file);
    processes.push(p);
    return p;
  };

  for (const ext of ["mjs", "cjs"]) {
    it(`server.${ext} + client.${ext}: ack, room broadcast; socket.io-client too`, async () => {
      const port = await freePort();
      for (const file of [`server.${ext}`, `client.${ext}`]) {
        const source = await readFile(join(app, file), "utf8");
        assert.match(source, /3000/, `${file} no longer uses port 3000: update this test`);
        await writeFile(join(app, file), source.replaceAll(/\b\d{4,5}\b/g, String(port)));
      }
      const server = start(`server.${ext}`);
      await waitForPort(port);

      const first = start(`client.${ext}`);
      assert.equal(await first.waitForLine(/^hi /), "hi alice");
      const second = start(`client.${ext}`);
      assert.equal(await second.waitForLine(/^hi /), "hi alice");
      assert.equal(await first.waitForLine(/joined$/), "alice joined"); // the room broadcast, from the second client

      const official = officialClient(`http://127.0.0.1:${port}`, { transports: ["websocket"] });
      try {
        assert.equal(await official.timeout(10_000).emitWithAck("hello", "bob"), "hi bob");
        await first.waitForLine(/^bob joined$/);
        await second.waitForLine(/^bob joined$/);
      } finally {
        official.close();
      }
      await Promise.all([first.stop(), second.stop(), server.stop()]);
    });
  }
});
