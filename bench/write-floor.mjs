// Diagnostics (not part of `npm run bench`): the kernel's floor for one paced broadcast. A server process writes one
// 130-byte buffer to each of 1 000 loopback TCP sockets (the paced scenario's shape), read by another process; it
// times the loop with Node's `socket.write` and with a bare `write(2)` on the file descriptor (`fs.writeSync`, no
// stream code at all). Both take about the same time: the cost of a paced broadcast is the syscall, per socket.
//
//   node bench/write-floor.mjs
import { fork } from "node:child_process";
import { writeSync } from "node:fs";
import { createServer, connect } from "node:net";

const N = 1000;
const ROUNDS = 50;

if (process.argv[2] === "reader") {
  // the receiving process: N connections, reading and dropping what arrives
  const port = Number(process.argv[3]);
  for (let i = 0; i < N; i++) connect(port, "127.0.0.1").on("data", () => {});
  process.send("connected");
  process.on("disconnect", () => process.exit(0));
} else {
  const sockets = [];
  const server = createServer((s) => {
    s.setNoDelay(true);
    sockets.push(s);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const reader = fork(new URL(import.meta.url).pathname, ["reader", String(server.address().port)]);
  await new Promise((r) => reader.once("message", r));
  while (sockets.length < N) await new Promise((r) => setTimeout(r, 10));
  const payload = Buffer.alloc(130, 0x61);
  const modes = {
    "socket.write": () => { for (const s of sockets) s.write(payload); },
    "write(2) on the fd": () => { for (const s of sockets) writeSync(s._handle.fd, payload); },
  };
  for (const [name, run] of Object.entries(modes)) {
    const times = [];
    for (let i = 0; i < ROUNDS; i++) {
      await new Promise((r) => setTimeout(r, 20)); // 50 broadcasts/s, as the paced scenario
      const t = performance.now();
      run();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const per = (times[ROUNDS >> 1] / N) * 1000;
    console.log(`${name.padEnd(20)} ${N} writes: median ${times[ROUNDS >> 1].toFixed(2)} ms (${per.toFixed(1)} µs per socket), max ${times[ROUNDS - 1].toFixed(2)} ms`);
  }
  reader.kill();
  for (const s of sockets) s.destroy();
  server.close();
}
