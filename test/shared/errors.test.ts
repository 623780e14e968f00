/**
 * One error model (shared/error-codes.ts, shared/errors.ts): every code is documented, every layer raises its errors
 * with a `code` and an unchanged message, and no bare `new Error(` comes back into the sources.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { io, Manager, type Socket } from "../../client/index.js";
import { AckTable } from "../../shared/ack-table.js";
import { Decoder } from "../../shared/decoder.js";
import {
  ErrorCode,
  ProtocolError,
  ProtocolErrorCode,
  RoomcastError,
  codedRangeError,
  codedTypeError,
  toError,
} from "../../shared/errors.js";
import { WebSocketErrorCode } from "../../shared/error-codes.js";
import { Server, type ServerOptions, type Socket as ServerSocket } from "../../server/index.js";
import { refuseRequest } from "../../server/engine/http-refusal.js";
import { decodeMessage, MalformedMessageError } from "../../server/adapter/cluster-message.js";
import { ClusterRequests, RequestTimeoutError } from "../../server/adapter/cluster-requests.js";
import { requirePeer } from "../../server/optional-peer.js";
import { next } from "../helpers/events.js";
import { FakePeer } from "../helpers/fake-peer.js";
import { fixture, listen, startServer } from "../helpers/server.js";

const root = fileURLToPath(new URL("../../../", import.meta.url)); // from dist/test/shared
const codes: string[] = Object.values(ErrorCode);

/** Checks `err` is an Error with `code` and exactly `message`; returns true for assert.throws / rejects. */
function coded(err: unknown, code: ErrorCode, message: string | RegExp, type: new (...a: never[]) => Error = Error): true {
  assert.ok(err instanceof type, `expected a ${type.name}, got ${String(err)}`);
  assert.equal((err as { code?: unknown }).code, code);
  if (typeof message === "string") assert.equal(err.message, message);
  else assert.match(err.message, message);
  return true;
}

describe("error codes", () => {
  it("are unique, ERR_-prefixed and keyed by their own name", () => {
    assert.equal(new Set(codes).size, codes.length);
    for (const [key, code] of Object.entries(ErrorCode)) assert.equal(code, `ERR_${key}`);
  });

  it("include the codec's and the WebSocket engine's", () => {
    for (const code of Object.values(ProtocolErrorCode)) assert.ok(codes.includes(code), code);
    for (const code of Object.values(WebSocketErrorCode)) assert.ok(codes.includes(code), code);
  });

  it("are each a row of the table in docs/limits-and-errors.md, which lists no other", () => {
    const doc = readFileSync(join(root, "docs/limits-and-errors.md"), "utf8");
    const section = doc.slice(doc.indexOf("## Error codes"), doc.indexOf("### Protocol error codes"));
    const rows = [...section.matchAll(/^\| `(ERR_[A-Z0-9_]+)` \| [^|]+ \| [^|]+ \| [^|]+ \|$/gm)].map((m) => m[1]);
    assert.deepEqual([...rows].sort(), [...codes].sort());
  });
});

describe("error classes", () => {
  it("RoomcastError: an Error named Error, with code and cause", () => {
    const cause = new Error("under");
    const err = new RoomcastError("ERR_ADAPTER_CLOSED", "adapter closed", { cause });
    coded(err, "ERR_ADAPTER_CLOSED", "adapter closed");
    assert.equal(err.name, "Error");
    assert.equal(err.cause, cause);
    assert.equal(toError(err), err, "toError keeps it as it is");
  });

  it("ProtocolError is a RoomcastError with a protocol code", () => {
    const err = new ProtocolError("ERR_BAD_JSON", "invalid JSON payload");
    assert.ok(err instanceof RoomcastError);
    assert.equal(err.name, "ProtocolError");
    assert.equal(err.code, ProtocolErrorCode.BAD_JSON);
  });

  it("codedTypeError / codedRangeError keep their class (users check it) and add the code", () => {
    coded(codedTypeError("ERR_INVALID_OPTION", "bad"), "ERR_INVALID_OPTION", "bad", TypeError);
    coded(codedRangeError("ERR_INVALID_OPTION", "far"), "ERR_INVALID_OPTION", "far", RangeError);
    assert.equal(codedTypeError("ERR_INVALID_OPTION", "bad").name, "TypeError");
  });
});

describe("each layer raises coded errors, messages unchanged", () => {
  it("codec: a refused packet is a ProtocolError", () => {
    assert.throws(() => new Decoder().add("9"), (e) => coded(e, "ERR_UNKNOWN_TYPE", "unknown packet type", ProtocolError));
  });

  it("ack table: a timeout is socket.io's 'operation has timed out'", async () => {
    const table = new AckTable();
    const err = await new Promise<unknown>((resolve) => table.add(1, resolve, 1, true));
    coded(err, "ERR_ACK_TIMEOUT", "operation has timed out");
    assert.equal((err as Error).name, "AckTimeoutError");
  });

  it("server options: TypeError / RangeError with ERR_INVALID_OPTION", () => {
    const refused = (opts: Partial<ServerOptions>, message: string | RegExp, type: typeof TypeError | typeof RangeError) =>
      assert.throws(() => new Server(opts), (e) => coded(e, "ERR_INVALID_OPTION", message, type));
    refused({ trustProxy: -1 }, "trustProxy: a hop count must be a non-negative integer, got -1", RangeError);
    refused({ trustProxy: [1] as never }, "trustProxy: list entries must be strings, got number 1", TypeError);
    refused({ trustProxy: "nonsense" }, /^trustProxy: "nonsense" is not an IP address/, RangeError);
    refused({ allowedOrigins: 5 as never }, /^allowedOrigins: expected an array/, TypeError);
    refused({ cors: 5 as never }, /^cors: expected/, TypeError);
    refused({ cors: { origin: 5 as never } }, /^cors\.origin: expected/, TypeError);
    refused({ maxConnectionsPerAddress: 0 }, "maxConnectionsPerAddress must be ≥ 1", RangeError);
    refused({ eventRateLimit: { burst: 0, perSecond: 1 } }, "token bucket: burst must be ≥ 1 and perSecond > 0", RangeError);
  });

  it("server sockets: reserved event names, pending acks on disconnect", async () => {
    await using server = await startServer();
    const connected = next<[ServerSocket]>(server.io, "connection");
    const client = io(server.url, { forceNew: true, reconnection: false });
    try {
      const [socket] = await connected;
      const reserved = (emit: () => unknown, event: string) =>
        assert.throws(emit, (e) => coded(e, "ERR_RESERVED_EVENT", `"${event}" is a reserved event name`));
      reserved(() => socket.emit("disconnect"), "disconnect");
      reserved(() => server.io.emit("connect"), "connect");
      reserved(() => server.io.to("room").emit("disconnecting"), "disconnecting");
      reserved(() => server.io.serverSideEmit("new_namespace"), "new_namespace");
      const pending = socket.emitWithAck("hang"); // the client has no listener: never acks
      client.disconnect();
      await assert.rejects(pending, (e) => coded(e, "ERR_SOCKET_DISCONNECTED", "socket has been disconnected"));
    } finally {
      client.disconnect();
    }
  });

  it("connection: a CONNECT past maxNamespacesPerConnection closes it with ERR_TOO_MANY_NAMESPACES", async () => {
    await using server = await startServer({ maxNamespacesPerConnection: 1 });
    server.io.of("/second");
    const connected = next<[ServerSocket]>(server.io, "connection");
    using peer = await FakePeer.open(server.url, "websocket");
    await peer.connect("/");
    const [socket] = await connected;
    const disconnected = next<[string, unknown]>(socket, "disconnect");
    await peer.send("0/second,").catch(() => undefined);
    const [reason, description] = await disconnected;
    assert.equal(reason, "parse error");
    coded(description, "ERR_TOO_MANY_NAMESPACES", "too many namespaces on one connection", RoomcastError);
  });

  it("engine: buffer bounds are options (ERR_INVALID_OPTION), an HTTP refusal the engine must answer is coded", () => {
    assert.throws(
      () => new Server({ maxBufferedBytes: 1 }),
      (e) => coded(e, "ERR_INVALID_OPTION", /^maxBufferedBytes must be at least 131072 .*got 1$/, RangeError),
    );
    assert.throws(
      () => new Server({ maxBufferedPackets: 1 }),
      (e) => coded(e, "ERR_INVALID_OPTION", "maxBufferedPackets must be at least 2 (Infinity turns the bound off), got 1", RangeError),
    );
    const refused: unknown[] = [];
    refuseRequest({}, 429, 429, "too many connections", "ERR_TOO_MANY_CONNECTIONS", (err) => refused.push(err));
    refuseRequest({}, 403, 4, "Forbidden", "ERR_ORIGIN_REFUSED", (err) => refused.push(err));
    coded(refused[0], "ERR_TOO_MANY_CONNECTIONS", "too many connections", RoomcastError);
    coded(refused[1], "ERR_ORIGIN_REFUSED", "Forbidden", RoomcastError);
  });

  it("cluster adapter: request timeout, closed adapter, malformed message", async () => {
    const requests = new ClusterRequests();
    const sent: number[] = [];
    await assert.rejects(requests.request("fetchSockets", ["peer"], 5, () => {}, (rid) => sent.push(rid)), (e) =>
      coded(e, "ERR_CLUSTER_REQUEST_TIMEOUT", "timeout reached: missing 1 responses", RequestTimeoutError),
    );
    assert.equal(sent.length, 1);
    const pending = requests.request("allRooms", ["peer"], 60_000, () => {}, () => {});
    requests.close();
    await assert.rejects(pending, (e) => coded(e, "ERR_ADAPTER_CLOSED", "adapter closed", RoomcastError));
    assert.throws(() => decodeMessage("{"), (e) => coded(e, "ERR_MALFORMED_CLUSTER_MESSAGE", "malformed cluster message dropped: not JSON", MalformedMessageError));
  });

  it("optional peer: ERR_MISSING_PEER, Node's MODULE_NOT_FOUND as cause", () => {
    assert.throws(
      () => requirePeer("roomcast/test", "roomcast-no-such-package", " (a test)"),
      (e) => {
        coded(e, "ERR_MISSING_PEER", "roomcast/test needs the 'roomcast-no-such-package' package (a test): npm install roomcast-no-such-package");
        assert.equal(((e as Error).cause as { code?: unknown }).code, "MODULE_NOT_FOUND");
        return true;
      },
    );
  });

  it("client: reserved event name, dropped emits (no connection needed)", async () => {
    const socket = io("http://127.0.0.1:9", { forceNew: true, autoConnect: false, maxBufferedPackets: 1 });
    assert.throws(() => socket.emit("connect"), (e) => coded(e, "ERR_RESERVED_EVENT", '"connect" is a reserved event name'));
    await assert.rejects(socket.volatile.emitWithAck("a"), (e) => coded(e, "ERR_EMIT_DROPPED", "volatile packet discarded"));
    const first = socket.emitWithAck("a");
    const second = socket.emitWithAck("b");
    await assert.rejects(first, (e) => coded(e, "ERR_EMIT_DROPPED", "offline buffer full"));
    assert.equal(socket.clearSendBuffer(), 1);
    await assert.rejects(second, (e) => coded(e, "ERR_EMIT_DROPPED", "send buffer cleared"));
  });

  it("client: refusals, ack timeout and pending acks on disconnect, against a server", async () => {
    await using server = await startServer();
    const sockets: Socket[] = [];
    const client = (nsp = "/", opts: Parameters<typeof io>[1] = {}): Socket => {
      const socket = io(server.url + nsp, { forceNew: true, reconnection: false, ...opts });
      sockets.push(socket);
      return socket;
    };
    try {
      server.io.of("/guarded").use((_socket, refuse) => refuse(Object.assign(new Error("not you"), { data: { why: 1 } })));
      server.io.on("connection", (socket) => socket.on("hang", () => {})); // never acks
      const [refusal] = await next<[Error & { data?: unknown }]>(client("/guarded"), "connect_error");
      coded(refusal, "ERR_CONNECT_REFUSED", "not you", RoomcastError);
      assert.deepEqual(refusal.data, { why: 1 });
      const [unknown] = await next<[Error]>(client("/nowhere"), "connect_error");
      coded(unknown, "ERR_CONNECT_REFUSED", "Invalid namespace");

      const socket = client();
      await next(socket, "connect");
      await assert.rejects(socket.timeout(20).emitWithAck("hang"), (e) => coded(e, "ERR_ACK_TIMEOUT", "operation has timed out"));
      const pending = socket.emitWithAck("hang");
      socket.disconnect();
      await assert.rejects(pending, (e) => coded(e, "ERR_SOCKET_DISCONNECTED", "socket has been disconnected"));
    } finally {
      for (const socket of sockets) socket.disconnect();
    }
  });

  it("client: a connection that does not open in time is socket.io-client's 'timeout'", async () => {
    const silent = createServer(() => {}); // takes every request, answers none
    await listen(silent);
    await using server = fixture(silent, silent, () => new Promise<void>((resolve) => silent.close(() => resolve())));
    const manager = new Manager(server.url, { timeout: 50, reconnection: false, transports: ["polling"] });
    try {
      const err = await new Promise<Error>((resolve) => manager.once("error", resolve));
      coded(err, "ERR_CONNECT_TIMEOUT", "timeout");
    } finally {
      manager.disconnect();
    }
  });
});

/**
 * Bare constructions left in the sources, each for a stated reason, matched by the line's text (not its path: files
 * move). Everything else builds a coded error with shared/errors.ts (RoomcastError, codedTypeError, codedRangeError).
 */
const ALLOWED: { line: RegExp; why: string }[] = [
  {
    line: /e instanceof Error \? e : new Error\(String\(e\)\)/,
    why: "client/manager.ts: the browser bundle's normaliser of what engine.io-client emits (Errors and strings); toError would add 212 B to it (min+gzip)",
  },
];

/** The source lines (comments left out) of server/, client/ and shared/, but the files that build errors. */
function* sourceLines(): Generator<{ where: string; text: string }> {
  const builders = new Set(["shared/errors.ts", "shared/error-codes.ts"]);
  for (const dir of ["server", "client", "shared"]) {
    for (const entry of readdirSync(join(root, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith(".ts")) continue;
      const file = join(entry.parentPath, entry.name).slice(root.length).replaceAll("\\", "/");
      if (builders.has(file)) continue;
      const lines = readFileSync(join(root, file), "utf8").split("\n");
      for (const [i, text] of lines.entries()) {
        if (/^\s*(\*|\/\/|\/\*)/.test(text)) continue;
        yield { where: `${file}:${i + 1}`, text: text.trim() };
      }
    }
  }
}

describe("no bare errors in the sources", () => {
  const lines = [...sourceLines()];
  const offending = (pattern: RegExp) =>
    lines.filter(({ text }) => pattern.test(text) && !ALLOWED.some((a) => a.line.test(text))).map(({ where, text }) => `${where}: ${text}`);

  it("scans the sources", () => assert.ok(lines.length > 5000, `${lines.length} lines`));

  it("no `new Error(` / `new TypeError(` / `new RangeError(` outside shared/errors.ts", () => {
    assert.deepEqual(offending(/\bnew (Error|TypeError|RangeError)\(/), []);
  });

  it("no error class extends Error directly (a subclass of RoomcastError has a code)", () => {
    assert.deepEqual(offending(/\bclass \w+ extends (Error|TypeError|RangeError)\b/), []);
  });

  it("no inline normaliser beside toError", () => {
    assert.deepEqual(offending(/instanceof Error \?/), []);
  });

  it("each allowed construction is still there (the list does not outlive its reason)", () => {
    for (const allowed of ALLOWED) assert.ok(lines.some(({ text }) => allowed.line.test(text)), allowed.why);
  });
});
