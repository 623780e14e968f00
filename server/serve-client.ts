/**
 * `serveClient` (default true, as in socket.io): the server answers `<path>/roomcast.min.js` (the IIFE browser
 * bundle, global `roomcast`), `<path>/roomcast.esm.min.js` and their `.map` files from dist/client/bundle/, with
 * an ETag (304 on If-None-Match), gzip when accepted, and 404 when the bundle has not been built.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";

const JS = "application/javascript; charset=utf-8";
const MAP = "application/json; charset=utf-8";
const FILES: Record<string, string> = {
  "roomcast.min.js": JS,
  "roomcast.min.js.map": MAP,
  "roomcast.esm.min.js": JS,
  "roomcast.esm.min.js.map": MAP,
};

/** Where `npm run build` writes the bundles, relative to this file once compiled (dist/server/). */
const DEFAULT_DIR = new URL("../client/bundle/", import.meta.url);

interface Loaded {
  body: Buffer;
  gzip: Buffer;
  etag: string;
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;
interface RequestEmitter {
  listeners(event: "request"): unknown[];
  removeAllListeners(event: "request"): unknown;
  on(event: "request", listener: RequestListener): unknown;
}

/** Puts a request listener in front of the server's others (engine.io's included) for the bundle files. */
export function attachServeClient(server: object, path: string, dir: URL = DEFAULT_DIR): void {
  const srv = server as RequestEmitter;
  const prefix = path.replace(/\/$/, "") + "/";
  const loaded = new Map<string, Promise<Loaded>>();
  const others = srv.listeners("request").slice(0) as RequestListener[];
  srv.removeAllListeners("request");
  srv.on("request", (req, res) => {
    const url = req.url ?? "";
    if (url.startsWith(prefix) && (req.method === "GET" || req.method === "HEAD")) {
      const name = url.slice(prefix.length).split("?")[0] ?? "";
      const type = Object.prototype.hasOwnProperty.call(FILES, name) ? FILES[name] : undefined;
      if (type !== undefined) {
        let file = loaded.get(name);
        if (file === undefined) {
          file = load(new URL(name, dir));
          loaded.set(name, file);
          file.catch(() => loaded.delete(name)); // absent now, maybe built later
        }
        file.then(
          (f) => send(req, res, f, type),
          () => {
            res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" });
            res.end("roomcast client bundle not built (npm run build)");
          },
        );
        return;
      }
    }
    for (const listener of others) listener.call(server, req, res);
  });
}

async function load(url: URL): Promise<Loaded> {
  const body = await readFile(url);
  const etag = '"' + createHash("sha256").update(body).digest("base64url").slice(0, 27) + '"';
  return { body, gzip: gzipSync(body), etag };
}

function send(req: IncomingMessage, res: ServerResponse, file: Loaded, type: string): void {
  const match = req.headers["if-none-match"];
  const headers: Record<string, string> = { "Cache-Control": "public, max-age=0", ETag: file.etag, Vary: "Accept-Encoding" };
  if (match !== undefined && match.split(/\s*,\s*/).some((tag) => tag === file.etag || tag === "W/" + file.etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const gzip = /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
  const body = gzip ? file.gzip : file.body;
  headers["Content-Type"] = type;
  headers["Content-Length"] = String(body.length);
  if (gzip) headers["Content-Encoding"] = "gzip";
  res.writeHead(200, headers);
  res.end(req.method === "HEAD" ? undefined : body);
}
