/** Compile-time checks of the client's typing (tsc fails on a regression); the runtime part is trivial. */
import { it } from "node:test";
import { io, type Socket, type ClientSocket } from "../../client/index.js";

interface S2C { news(msg: string, n: number): void; bin(b: ArrayBuffer): void }
interface C2S { hello(name: string, ack: (greeting: string) => void): void; ping(): void }
/** One shared contract, as the server uses it: Server<Chat["clientToServer"], Chat["serverToClient"]>. */
interface Chat { clientToServer: C2S; serverToClient: S2C }

export function typeChecks(): void {
  const a: Socket<S2C, C2S> = io("http://x", { autoConnect: false });
  a.on("news", (m, n) => { const x: string = m; const y: number = n; void x; void y; });
  a.on("connect", () => {});
  a.on("connect_error", (e) => e.message);
  a.on("disconnect", (r, d) => { void r; void d; });
  a.emit("hello", "bob", (g) => { const s: string = g; void s; });
  a.emit("ping");
  // @ts-expect-error wrong arg
  a.emit("hello", 3, () => {});
  // @ts-expect-error unknown
  a.emit("nope");
  const b = io<Chat>("http://x");
  const p: Promise<string> = b.emitWithAck("hello", "x");
  b.timeout(100).emit("hello", "bob", (err, g) => { void err; const s: string = g; void s; });
  const c: ClientSocket<Chat> = b; void c; void p;
  const u = io({ autoConnect: false });
  u.emit("anything", 1, {a: 2}, (x: number) => x);
  u.on("whatever", (a: string, b: number) => { void a; void b; });
  void u.emitWithAck("x", 1).then((v: unknown) => v);
  u.timeout(5).emit("x", (err: Error | null, v: number) => { void err; void v; });
}

it("client types compile (socket.io order and named contract)", () => {});
