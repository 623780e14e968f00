// The IPC side of a benchmark server child process (bench/server.mjs, bench/attack-server.mjs): answers the
// orchestrator's { id, op, ... } messages with { id, result } or { id, error }, handles "exit", and exits when the
// orchestrator goes away or on SIGTERM (which lets --cpu-prof write its profile).
export function serveIpc(handle, ready) {
  const answer = (msg) => (msg.op === "exit" ? (setTimeout(() => process.exit(0), 10), Promise.resolve({})) : handle(msg));
  process.on("message", (msg) => {
    answer(msg).then(
      (result) => process.send({ id: msg.id, result }),
      (err) => process.send({ id: msg.id, error: String(err?.stack ?? err) }),
    );
  });
  process.on("disconnect", () => process.exit(0));
  process.on("SIGTERM", () => process.exit(0));
  process.send({ ready: true, ...ready, pid: process.pid });
}
