/**
 * No `any` in roomcast's public types, except where an app has not typed a value (socket.io's untyped defaults,
 * kept so that an untyped socket.io app compiles unchanged; see docs/migrating-from-socket.io.md).
 *
 * Two checks: at compile time, the main types of a typed server are exactly what they should be (never `any`); at
 * run time, every `any` in the published declarations (dist/**\/*.d.ts, what `npm install roomcast` gives) is one of
 * the listed untyped defaults — a new one anywhere else fails.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import type { createClient, createCluster } from "redis";
import type {
  Adapter,
  AdapterConstructor,
  AdapterHost,
  Namespace,
  RemoteSocket,
  Server,
  ServerContract,
  ServerOf,
  ServerReservedEvents,
  Socket,
  SocketOf,
  NamespaceOf,
} from "../../server/index.js";
import type { ClusterAdapter, RedisClientTemplate, createAdapter } from "../../server/adapter/redis/index.js";
import { expectEqual } from "./expect.js";

/** True when T is `any`. */
type IsAny<T> = 0 extends 1 & T ? true : false;

interface Chat extends ServerContract {
  clientToServer: { say: (text: string) => void };
  serverToClient: { said: (text: string) => void };
  serverToServer: { sync: (n: number) => void };
  socketData: { name: string };
}
type IO = ServerOf<Chat>;
type Nsp = NamespaceOf<Chat>;
type Sock = SocketOf<Chat>;

// the back-references and collections of a typed server are the typed objects, not `any`
expectEqual<Nsp["server"], IO>();
expectEqual<Sock["nsp"], Nsp>();
expectEqual<IO["sockets"], Nsp>();
expectEqual<IO["namespaces"], ReadonlyMap<string, Nsp>>();
type ChatEvents = ServerReservedEvents<Chat["clientToServer"], Chat["serverToClient"], { sync: (n: number) => void }, { name: string }>;
expectEqual<Parameters<ChatEvents["new_namespace"]>[0], Nsp>();
expectEqual<Sock["data"], { name: string }>();
expectEqual<Awaited<ReturnType<IO["fetchSockets"]>>, Array<RemoteSocket<Chat["serverToClient"], { name: string }>>>();
expectEqual<Awaited<ReturnType<Nsp["fetchSockets"]>>[number]["data"], { name: string }>();

// the adapter seam: its own interfaces, never `any`
expectEqual<Adapter["nsp"], AdapterHost>();
expectEqual<IsAny<Parameters<Extract<AdapterConstructor, (nsp: never) => Adapter>>[0]>, false>();
expectEqual<Parameters<Extract<AdapterConstructor, (nsp: never) => Adapter>>[0], AdapterHost>();

// roomcast/redis: takes any node-redis client as a template, typed (not RedisClientType<any, any, any, any, any>)
expectEqual<Parameters<typeof createAdapter>[0], RedisClientTemplate>();
expectEqual<ReturnType<typeof createAdapter>, (nsp: AdapterHost) => ClusterAdapter>();
declare const resp2: ReturnType<typeof createClient<{}, {}, {}, 2>>;
declare const resp3: ReturnType<typeof createClient>;
declare const cluster: ReturnType<typeof createCluster>;
declare const cluster2: ReturnType<typeof createCluster<{}, {}, {}, 2>>;
/** Never called: compiled only (RESP 2 and default clients and Redis Cluster clients are all accepted templates). */
export function templates(): RedisClientTemplate[] {
  // @ts-expect-error not a redis client
  const notAClient: RedisClientTemplate = { duplicate: 1 };
  return [resp2, resp3, cluster, cluster2, notAClient];
}

// a Server with the defaults is still socket.io's untyped server: these are the deliberate `any`
expectEqual<IsAny<Socket["data"]>, true>();
export type Untyped = [Server, Namespace];

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * The published declarations that may contain `any`, by file and declaration: the untyped defaults socket.io users
 * rely on (an app that gives its event maps and SocketData never meets them), and the values socket.io leaves
 * untyped because they come from the wire or from the app unchecked.
 */
const ALLOWED: Record<string, string[]> = {
  // the event-map constraint and the default map of an untyped app; a catch-all listener's arguments; the ack value
  // of an untyped event
  "shared/typed-events.d.ts": ["EventsMap", "DefaultEventsMap", "CatchAllListener", "AckResult"],
  // socket.data of an untyped server; the transport's disconnect details (engine.io's, untyped as in socket.io)
  "server/socket-types.d.ts": ["DefaultSocketData", "SocketReservedEvents.disconnect", "SocketReservedEvents.disconnecting"],
  // the CONNECT payload (`auth`), as the client sent it
  "server/handshake.d.ts": ["Handshake.auth"],
  "server/parent-namespace.d.ts": ["NamespaceMatcher"],
  // a per-packet middleware's view of an incoming event: its arguments as they came off the wire
  "server/packet-middleware.d.ts": ["Event"],
  // the data a connection middleware attaches to its refusal, and the client's view of it
  "server/namespace.d.ts": ["ExtendedError.data"],
  "client/socket-types.d.ts": ["ConnectError.data"],
};

/** Every `any` keyword of a declaration file's text, named by its enclosing declaration(s), e.g. "Handshake.auth". */
function anys(text: string): string[] {
  const source = ts.createSourceFile("x.d.ts", text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (node.kind === ts.SyntaxKind.AnyKeyword) {
      const names: string[] = [];
      for (let p: ts.Node | undefined = node.parent; p !== undefined; p = p.parent) {
        const name = (p as { name?: ts.Node }).name;
        if (name !== undefined && (ts.isIdentifier(name) || ts.isStringLiteral(name)) && !ts.isParameter(p) && !ts.isTypeParameterDeclaration(p) && !ts.isNamedTupleMember(p)) {
          names.unshift(name.text);
        }
      }
      found.push(names.join("."));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("no any in the public types", () => {
  it("the published declarations have `any` only in the listed untyped defaults", () => {
    const dist = join(root, "dist");
    const unexpected: string[] = [];
    let scanned = 0;
    for (const dir of ["server", "client", "shared"]) {
      for (const rel of readdirSync(join(dist, dir), { recursive: true, encoding: "utf8" })) {
        if (!rel.endsWith(".d.ts")) continue;
        const key = `${dir}/${rel.split("\\").join("/")}`;
        scanned++;
        for (const where of anys(readFileSync(join(dist, dir, rel), "utf8"))) {
          if (!(ALLOWED[key] ?? []).includes(where)) unexpected.push(`${key}: ${where}`);
        }
      }
    }
    assert.ok(scanned > 50, "the scan read the declaration files");
    assert.deepEqual(unexpected, []);
  });

  it("the scan names what it finds (so the check can fail)", () => {
    const text = "export interface Probe { a: string; b: Record<string, any>; f(x: any): void }\nexport type Loose = any;\n";
    assert.deepEqual(anys(text), ["Probe.b", "Probe.f", "Loose"]);
  });
});
