/**
 * server/engine/internals.ts is the only file of server/ that reads engine.io's, ws's and Node's private fields: the
 * source of every other server file has no `as unknown as` (but the few casts between roomcast's own types listed
 * below) and reads none of those fields.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const INTERNALS = "server/engine/internals.ts";

/** Files that may hold an `as unknown as` besides internals.ts, and why (none of them reaches into engine.io or ws). */
const CAST_ALLOWED: ReadonlyMap<string, string> = new Map([
  ["server/adapter/redis/connections.ts", "a marker symbol of ours on node-redis's client (roomcast/redis alone imports redis)"],
  ["server/socket.ts", "timeout() returns `this` retyped with timeout acks (roomcast's own Socket type)"],
  ["server/broadcast.ts", "RemoteSocket arrays and the timeout() operator retyped to roomcast's own generics"],
  ["server/server.ts", "the server as `namespace.server` of a namespace typed with its own event maps, and the registry's namespaces as the server's Namespace type (roomcast's own types)"],
  ["server/admin-ui.ts", "roomcast's Server given to @socket.io/admin-ui's instrument(), typed for socket.io's Server"],
  ["server/adapter/cluster-message.ts", "a checked wire object read as roomcast's Handshake"],
]);

const CAST = /\bas\s+unknown\s+as\b/;
/** Private fields of engine.io, ws and Node read on another object than `this` (ServerWebSocket defines its own). */
const PRIVATE_FIELD = /(?<!\bthis)\.(writeBuffer|_socket|_sender|_extensions|_events|_query)\b/;
/**
 * engine.io fields read by bracket on a session, transport or server (its Socket's `id` and `writeBuffer` are declared
 * private, its Server's `clients` protected), in a value or a type.
 */
const BRACKET_READ = /\b\w*(conn|engine|session|transport|socket)\w*\s*\[\s*["'](id|writeBuffer|transport|clients|_events|_query)["']\s*\]/i;
const TRANSPORT_CAST = /\bas\s+(unknown\s+as\s+)?\{[^}]*\btransport\b/;

/** The code of a source file, comments blanked (so a comment naming `writeBuffer` or a cast is no finding). */
function code(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:\\])\/\/.*$/gm, "$1");
}

/** Lines of `source` matching `pattern`, as "line: text". */
function findings(source: string, pattern: RegExp): string[] {
  const out: string[] = [];
  code(source)
    .split("\n")
    .forEach((line, i) => {
      if (pattern.test(line)) out.push(`${i + 1}: ${line.trim()}`);
    });
  return out;
}

/** Every .ts source of server/, as "server/…" paths. */
function serverSources(): string[] {
  return readdirSync(join(root, "server"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => `server/${f.split("\\").join("/")}`)
    .sort();
}

function scan(pattern: RegExp, allowed: (file: string) => boolean): string[] {
  const out: string[] = [];
  for (const file of serverSources()) {
    if (allowed(file)) continue;
    for (const f of findings(readFileSync(join(root, file), "utf8"), pattern)) out.push(`${file}:${f}`);
  }
  return out;
}

describe("engine internals: one file reads engine.io's, ws's and Node's private fields", () => {
  it("the scan sees what it looks for (a cast, a private field, a bracket read) and not comments", () => {
    assert.equal(findings("const t = (conn as unknown as { transport: X }).transport;", CAST).length, 1);
    assert.equal(findings("const n = (c as View).writeBuffer.length;", PRIVATE_FIELD).length, 1);
    assert.equal(findings("const s = ws._socket;", PRIVATE_FIELD).length, 1);
    assert.equal(findings("this._socket.write(b);", PRIVATE_FIELD).length, 0);
    assert.equal(findings('return this.conn["id"];', BRACKET_READ).length, 1);
    assert.equal(findings('type C = EngineServer["clients"][string];', BRACKET_READ).length, 1);
    assert.equal(findings('const id = str(s["id"], "socket.id");', BRACKET_READ).length, 0);
    assert.equal(findings("const t = (conn as { transport: X }).transport;", TRANSPORT_CAST).length, 1);
    assert.equal(findings("// (x as unknown as Y)._events\n/** `writeBuffer` as unknown as */", CAST).length, 0);
    // and internals.ts is where the casts are
    const internals = readFileSync(join(root, INTERNALS), "utf8");
    assert.ok(findings(internals, CAST).length > 0 && findings(internals, PRIVATE_FIELD).length > 0);
  });

  it("no `as unknown as` in server/ outside internals.ts and the allow-listed casts between roomcast's own types", () => {
    const sources = new Set(serverSources());
    for (const file of CAST_ALLOWED.keys()) assert.ok(sources.has(file), `allow-listed ${file} does not exist: update CAST_ALLOWED`);
    const found = scan(CAST, (file) => file === INTERNALS || CAST_ALLOWED.has(file));
    assert.deepEqual(found, [], "read engine.io / ws / Node internals through an accessor of server/engine/internals.ts");
  });

  it("engine.io's writeBuffer, ws's _socket / _sender / _extensions, _events and _query are read in internals.ts alone", () => {
    assert.deepEqual(scan(PRIVATE_FIELD, (file) => file === INTERNALS), []);
  });

  it("no engine.io Socket field is read by bracket or through a cast to a `{ transport }` shape outside internals.ts", () => {
    assert.deepEqual(scan(BRACKET_READ, (file) => file === INTERNALS), []);
    assert.deepEqual(scan(TRANSPORT_CAST, (file) => file === INTERNALS), []);
  });
});
