/** Both servers the client is tested against: roomcast's and the official socket.io 4.8 Server. */
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server as SioServer } from "socket.io";
import { Server } from "../../server/index.js";

export type Kind = "roomcast" | "socket.io";
export const KINDS: Kind[] = ["roomcast", "socket.io"];

// Both servers expose the same socket.io API; the tests use it untyped.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyServer = any;

export interface Running {
  io: AnyServer;
  http: HttpServer;
  port: number;
  url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  port?: number;
  recovery?: boolean;
}

export async function start(kind: Kind, opts: StartOptions = {}): Promise<Running> {
  const http = createServer();
  const serverOpts = opts.recovery ? { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } } : {};
  const io: AnyServer = kind === "roomcast" ? new Server(http, serverOpts) : new SioServer(http, serverOpts);
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(opts.port ?? 0, "127.0.0.1", resolve);
  });
  const port = (http.address() as AddressInfo).port;
  return {
    io,
    http,
    port,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      http.closeAllConnections();
      await io.close();
    },
  };
}
