/**
 * Raw HTTP/1.x probes of a live server's admission (origin gate, per-address limit): a polling handshake or a
 * WebSocket upgrade written byte for byte over `node:net`, so a test chooses every header line — Origin, Host
 * (or none), repeated X-Forwarded-For lines — as a browser or a proxy would send them. And the same gate as the
 * official socket.io-client meets it, in each transport mode.
 */
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { Clients, type TransportMode } from "./client.js";
import { next } from "./events.js";

/** Header name → value; an array is sent as repeated lines, `null` leaves the header out (e.g. no Host). */
export type ProbeHeaders = Record<string, string | readonly string[] | null>;

export interface ProbeOptions {
  /** Address to connect to (default 127.0.0.1). */
  address?: string;
  /** HTTP version of the request line (default "1.1"). */
  version?: "1.0" | "1.1";
  /** Extra query after `EIO=4&transport=…` (e.g. `&sid=…`). */
  query?: string;
  method?: string;
  body?: string;
}

export interface ProbeReply extends Disposable {
  status: number;
  /** lowercased names; repeated lines joined with ", " */
  headers: Record<string, string>;
  body: string;
  /** Ends the connection (an opened WebSocket stays open until then). */
  close(): void;
}

/** An Engine.IO polling request (a handshake unless `query` has a sid). */
export function pollingRequest(port: number, headers: ProbeHeaders = {}, opts: ProbeOptions = {}): Promise<ProbeReply> {
  const method = opts.method ?? "GET";
  const body = opts.body ?? "";
  const extra: ProbeHeaders = method === "GET" ? {} : { "content-type": "text/plain;charset=UTF-8", "content-length": String(Buffer.byteLength(body)) };
  return exchange(port, method, `transport=polling${opts.query ?? ""}`, { ...extra, ...headers }, opts, body);
}

/** Opens a long-polling session (the open packet of a GET, nothing polled after it) and returns its sid. */
export async function pollingHandshake(port: number): Promise<string> {
  const { status, body } = await pollingRequest(port);
  assert.ok(status === 200 && body.startsWith("0"), `polling handshake answered ${status} ${body}`);
  return (JSON.parse(body.slice(1)) as { sid: string }).sid;
}

/** An Engine.IO WebSocket upgrade; status 101 when it opened (close() it when done). */
export function upgradeRequest(port: number, headers: ProbeHeaders = {}, opts: ProbeOptions = {}): Promise<ProbeReply> {
  const upgrade: ProbeHeaders = {
    upgrade: "websocket",
    connection: "Upgrade",
    "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
    "sec-websocket-version": "13",
  };
  return exchange(port, "GET", `transport=websocket${opts.query ?? ""}`, { ...upgrade, ...headers }, opts, "");
}

/**
 * socket.io-client over `mode`: a client sending each of `admitted` (in turn; undefined: no Origin header) connects,
 * then one sending `refused` gets connect_error and stays disconnected. Closes its clients.
 */
export async function clientOrigins(mode: TransportMode, url: string, admitted: readonly (string | undefined)[], refused: string): Promise<void> {
  const c = new Clients(mode);
  try {
    for (const origin of admitted) await c.connect(url, "/", origin === undefined ? {} : { extraHeaders: { origin } });
    const client = c.open(url, "/", { extraHeaders: { origin: refused } });
    await next(client, "connect_error");
    assert.equal(client.connected, false);
  } finally {
    c.closeAll();
  }
}

function exchange(port: number, method: string, query: string, headers: ProbeHeaders, opts: ProbeOptions, body: string): Promise<ProbeReply> {
  const address = opts.address ?? "127.0.0.1";
  const all: ProbeHeaders = { host: `${address.includes(":") ? `[${address}]` : address}:${port}`, ...headers };
  let head = `${method} /socket.io/?EIO=4&${query} HTTP/${opts.version ?? "1.1"}\r\n`;
  for (const [name, value] of Object.entries(all)) {
    if (value === null) continue;
    for (const line of typeof value === "string" ? [value] : value) head += `${name}: ${line}\r\n`;
  }
  if (opts.version !== "1.0" && all["connection"] === undefined) head += "connection: close\r\n";
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, address);
    socket.setTimeout(5000, () => socket.destroy(new Error(`no complete answer within 5 s to ${method} ?${query}`)));
    let data = Buffer.alloc(0);
    let settled = false;
    const close = () => socket.destroy();
    const finish = (reply: Omit<ProbeReply, "close" | typeof Symbol.dispose>) => {
      if (settled) return;
      settled = true;
      socket.setTimeout(0);
      resolve({ ...reply, close, [Symbol.dispose]: close });
    };
    socket.on("error", (err) => {
      if (!settled) reject(err);
      settled = true;
    });
    socket.write(head + "\r\n" + body);
    const parse = (ended: boolean) => {
      const end = data.indexOf("\r\n\r\n");
      if (end < 0) return ended ? socket.destroy(new Error(`connection closed before an answer: ${JSON.stringify(data.toString())}`)) : undefined;
      const [statusLine = "", ...lines] = data.subarray(0, end).toString("latin1").split("\r\n");
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
      const replyHeaders: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        replyHeaders[name] = replyHeaders[name] === undefined ? value : `${replyHeaders[name]}, ${value}`;
      }
      const rest = data.subarray(end + 4);
      if (status === 101) return finish({ status, headers: replyHeaders, body: "" });
      const length = replyHeaders["content-length"];
      if (length !== undefined && rest.length >= Number(length)) {
        finish({ status, headers: replyHeaders, body: rest.subarray(0, Number(length)).toString() });
        socket.end();
      } else if (ended) {
        finish({ status, headers: replyHeaders, body: rest.toString() });
      }
    };
    socket.on("data", (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      parse(false);
    });
    socket.on("end", () => parse(true));
  });
}
