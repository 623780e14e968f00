/** Test servers: a roomcast Server on a free loopback port, closed by the caller. */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type ServerOptions } from "../../server/index.js";

export interface TestServer<S> {
  io: S;
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startServer(opts: Partial<ServerOptions> = {}): Promise<TestServer<Server>> {
  const http = createServer();
  const io = new Server(http, opts);
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const port = (http.address() as AddressInfo).port;
  return { io, port, url: `http://127.0.0.1:${port}`, close: () => io.close() };
}
