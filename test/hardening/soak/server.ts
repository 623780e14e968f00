/**
 * The soak's server process (run with --expose-gc by soak/main.ts). Talks over IPC: sends {port}; answers
 * "heap" (after global.gc(): {heapUsed}), "stats" (io.stats() + peak heap), "close".
 */
import { startServer } from "../../helpers/server.js";
import { installChurnApp } from "../churn.js";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc");
const send = (msg: object): void => void process.send!(msg);

const srv = await startServer({
  eventRateLimit: { burst: 50, perSecond: 100 },
  maxConnectionsPerAddress: 5000,
  connectionStateRecovery: { maxDisconnectionDuration: 2000, maxPackets: 1000 },
  shutdownGracePeriod: 2000,
  // a client that gave up mid-handshake (connect timeout under load) leaves a session engine.io reaps by heartbeat:
  // 5 s + 5 s instead of 45 s, so that the end-of-run check does not wait for it
  pingInterval: 5000,
  pingTimeout: 5000,
});
installChurnApp(srv.io);
let peakHeap = 0;
let peakSockets = 0;
const sampler = setInterval(() => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  peakSockets = Math.max(peakSockets, srv.io.stats().sockets);
}, 250);

function settledHeap(): number {
  for (let i = 0; i < 4; i++) gc!();
  return process.memoryUsage().heapUsed;
}

process.on("message", (msg: { cmd: string }) => {
  if (msg.cmd === "heap") {
    // let pending timers and sockets' close callbacks run before collecting
    setImmediate(() => send({ heapUsed: settledHeap() }));
  } else if (msg.cmd === "stats") {
    send({ stats: srv.io.stats(), peakHeap, peakSockets });
  } else if (msg.cmd === "close") {
    clearInterval(sampler);
    void srv.close().then(() => process.exit(0));
  }
});
send({ port: srv.port });
