/**
 * `serveClient` (default true, as in socket.io): the browser bundles of roomcast's client at the URLs socket.io
 * serves its own, under the server's path:
 *
 *   <path>/socket.io.js          IIFE, readable, sets the global `io` (as socket.io-client's browser build)
 *   <path>/socket.io.min.js      the same, minified
 *   <path>/socket.io.esm.min.js  ES module: io, connect, default, Manager, Socket, protocol
 *   <path>/<each of them>.map    its source map
 *
 * `socket.io.msgpack.min.js` (and its map) answers 404 with a body that says why: roomcast has no msgpack parser.
 * Files come from dist/client/bundle/ (scripts/bundle-client.mjs); 404 when not built. Each file is read once, when
 * first asked for, and each encoding of it (br, gzip, deflate) is compressed once, when first asked for: memory is
 * bounded by the fixed file set, whatever the requests. Responses carry a strong ETag (a hash of the file), answer
 * If-None-Match with 304, HEAD with the headers only, and Content-Length; every other path goes to the listeners
 * that were there before (engine.io's). Whether to serve is asked per request, so `io.serveClient(bool)` takes
 * effect at once.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { promisify } from "node:util";
import { brotliCompress, constants, deflate, gzip } from "node:zlib";

const JS = "application/javascript; charset=utf-8";
const MAP = "application/json; charset=utf-8";
const TEXT = "text/plain; charset=utf-8";

/** What is served, by file name under the path: its Content-Type. */
const FILES = new Map<string, string>([
  ["socket.io.js", JS],
  ["socket.io.js.map", MAP],
  ["socket.io.min.js", JS],
  ["socket.io.min.js.map", MAP],
  ["socket.io.esm.min.js", JS],
  ["socket.io.esm.min.js.map", MAP],
]);

/** socket.io serves these too; roomcast answers 404 with this body. */
const NO_MSGPACK = "roomcast has no msgpack parser, so no socket.io.msgpack.min.js: use socket.io.min.js\n";
const NOT_SHIPPED = new Map<string, string>([
  ["socket.io.msgpack.min.js", NO_MSGPACK],
  ["socket.io.msgpack.min.js.map", NO_MSGPACK],
]);

const NOT_BUILT = "roomcast client bundle not built (npm run build)\n";

/** Where `npm run build` writes the bundles, relative to this file once compiled (dist/server/). */
const DEFAULT_DIR = new URL("../client/bundle/", import.meta.url);

/** Content codings offered, in the order preferred when the client rates several the same. */
type Coding = "br" | "gzip" | "deflate";
const CODINGS: readonly Coding[] = ["br", "gzip", "deflate"];

const compressors: Record<Coding, (body: Buffer) => Promise<Buffer>> = {
  br: (body) =>
    promisify(brotliCompress)(body, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
    }),
  gzip: (body) => promisify(gzip)(body, { level: 9 }),
  deflate: (body) => promisify(deflate)(body, { level: 9 }),
};

/** One file: its bytes and ETag, and each encoding once computed (at most three, each once). */
class ClientFile {
  readonly etag: string;
  readonly #encoded = new Map<Coding, Promise<Buffer>>();

  constructor(
    readonly type: string,
    readonly body: Buffer,
  ) {
    this.etag = '"' + createHash("sha256").update(body).digest("base64url").slice(0, 27) + '"';
  }

  encoded(coding: Coding): Promise<Buffer> {
    let out = this.#encoded.get(coding);
    if (out === undefined) {
      out = compressors[coding](this.body);
      this.#encoded.set(coding, out);
    }
    return out;
  }
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;
interface RequestEmitter {
  listeners(event: "request"): unknown[];
  removeAllListeners(event: "request"): unknown;
  on(event: "request", listener: RequestListener): unknown;
}

export interface ServeClientOptions {
  /** Asked per request: false leaves every request to the other listeners (default: always true). */
  enabled?: () => boolean;
  /**
   * The server's origin policy, asked for a request with an `Origin`: when it lets that origin in, the reply carries
   * `Access-Control-Allow-Origin` (so a page of that origin can import the ES module, as socket.io's `cors` allows).
   * A refused origin still gets the file, without the header. Default: no CORS headers.
   */
  cors?: (req: IncomingMessage, done: (allowed: boolean) => void) => void;
  /** Where the files are (default: dist/client/bundle/, next to the compiled server). */
  dir?: URL;
}

/**
 * Puts a request listener in front of the server's others (engine.io's included) that answers the client files
 * while `enabled()` is true; every other request goes to those listeners, as before.
 */
export function attachServeClient(server: object, path: string, { enabled = () => true, cors, dir = DEFAULT_DIR }: ServeClientOptions = {}): void {
  const srv = server as RequestEmitter;
  const prefix = path.replace(/\/$/, "") + "/";
  const files = new Map<string, Promise<ClientFile>>();
  const load = (name: string, type: string): Promise<ClientFile> => {
    let file = files.get(name);
    if (file === undefined) {
      file = readFile(new URL(name, dir)).then((body) => new ClientFile(type, body));
      files.set(name, file);
      file.catch(() => files.delete(name)); // absent now, maybe built later
    }
    return file;
  };
  const serve = (req: IncomingMessage, res: ServerResponse, name: string, type: string, allowOrigin: string | undefined) =>
    load(name, type).then(
      (file) => send(req, res, file, allowOrigin),
      () => plain(req, res, 404, NOT_BUILT),
    );
  const others = srv.listeners("request").slice(0) as RequestListener[];
  srv.removeAllListeners("request");
  srv.on("request", (req, res) => {
    const url = req.url ?? "";
    if (url.startsWith(prefix) && enabled()) {
      const query = url.indexOf("?", prefix.length);
      const name = url.slice(prefix.length, query === -1 ? undefined : query);
      const type = FILES.get(name);
      const missing = type === undefined ? NOT_SHIPPED.get(name) : undefined;
      if (type !== undefined || missing !== undefined) {
        if (req.method !== "GET" && req.method !== "HEAD") return plain(req, res, 405, "GET or HEAD only\n", { Allow: "GET, HEAD" });
        if (type === undefined) return plain(req, res, 404, missing ?? "");
        const origin = req.headers.origin;
        if (origin === undefined || cors === undefined) return void serve(req, res, name, type, undefined);
        cors(req, (allowed) => void serve(req, res, name, type, allowed ? origin : undefined));
        return;
      }
    }
    for (const listener of others) listener.call(server, req, res);
  });
}

function plain(req: IncomingMessage, res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, "Content-Type": TEXT, "Content-Length": String(Buffer.byteLength(body)) });
  res.end(req.method === "HEAD" ? undefined : body);
}

function send(req: IncomingMessage, res: ServerResponse, file: ClientFile, allowOrigin: string | undefined): void {
  // Vary: Origin on every reply, so that a cache never hands one origin's reply (with or without CORS) to another
  const headers: Record<string, string> = { "Cache-Control": "public, max-age=0", ETag: file.etag, Vary: "Accept-Encoding, Origin" };
  if (allowOrigin !== undefined) headers["Access-Control-Allow-Origin"] = allowOrigin;
  if (matches(req.headers["if-none-match"], file.etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  headers["Content-Type"] = file.type;
  const coding = negotiate(req.headers["accept-encoding"]);
  if (coding === undefined) return reply(req, res, 200, headers, file.body);
  file.encoded(coding).then(
    (body) => {
      headers["Content-Encoding"] = coding;
      reply(req, res, 200, headers, body);
    },
    () => reply(req, res, 200, headers, file.body), // a compressor failing is not the client's problem
  );
}

function reply(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer): void {
  if (res.destroyed) return;
  headers["Content-Length"] = String(body.length);
  res.writeHead(status, headers);
  res.end(req.method === "HEAD" ? undefined : body);
}

/** If-None-Match: `*`, or a list of (weak or strong) tags, one of which is ours (weak comparison, RFC 9110 13.1.2). */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(",").some((tag) => {
    const t = tag.trim();
    return t === etag || t === "W/" + etag || t === "*";
  });
}

/** Most entries of Accept-Encoding looked at (a legitimate header has a handful; the rest is ignored). */
const MAX_CODINGS = 16;

/**
 * The coding to answer with, from Accept-Encoding's q-values: the best-rated of br, gzip and deflate (an entry of
 * its own, else `*`), ties going to br, then gzip, then deflate; none (identity) when none is acceptable, or when
 * identity is rated above all of them. No header: identity.
 */
export function negotiate(header: string | undefined): Coding | undefined {
  if (header === undefined) return undefined;
  const q: Partial<Record<Coding | "identity" | "*", number>> = {};
  let start = 0;
  for (let n = 0; n < MAX_CODINGS && start <= header.length; n++) {
    let end = header.indexOf(",", start);
    if (end === -1) end = header.length;
    const entry = header.slice(start, end);
    start = end + 1;
    const semi = entry.indexOf(";");
    const name = (semi === -1 ? entry : entry.slice(0, semi)).trim().toLowerCase();
    if (name !== "br" && name !== "gzip" && name !== "deflate" && name !== "identity" && name !== "*") continue;
    if (q[name] !== undefined) continue; // the first rating of a coding counts
    q[name] = semi === -1 ? 1 : qvalue(entry.slice(semi + 1));
  }
  let best: Coding | undefined;
  let bestQ = 0;
  for (const coding of CODINGS) {
    const rated = q[coding] ?? q["*"] ?? 0;
    if (rated > bestQ) {
      best = coding;
      bestQ = rated;
    }
  }
  return best !== undefined && (q.identity === undefined || q.identity <= bestQ) ? best : undefined;
}

/** The q parameter of an entry's parameters (`q=0.5`; 1 when absent, 0 when malformed or out of range). */
function qvalue(params: string): number {
  for (const param of params.split(";", 4)) {
    const eq = param.indexOf("=");
    if (eq === -1 || param.slice(0, eq).trim().toLowerCase() !== "q") continue;
    const value = param.slice(eq + 1).trim();
    if (!/^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(value)) return 0;
    return Number(value);
  }
  return 1;
}
