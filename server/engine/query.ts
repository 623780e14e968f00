/**
 * engine.io parses the query of every request it handles with `new URL(req.url, base).searchParams` (its
 * `prepare`), unless `req._query` is already set. Engine.IO's own queries (`EIO=4&transport=polling&t=…&sid=…`) are
 * plain `name=value` pairs of URL-safe characters, which a split reads with the same result at a fraction of the
 * cost (about 10 µs per request on the benchmark box); anything else — percent-escapes, `+`, other characters —
 * takes URLSearchParams' path, so the result is always the same as engine.io's.
 */
import type { IncomingMessage } from "node:http";
import { requestQuery, setRequestQuery } from "./internals.js";

/** Characters of a query that URLSearchParams leaves exactly as they are. */
const PLAIN = /^[A-Za-z0-9._~=&-]*$/;

/** The query of a request URL as an object (the last of repeated names wins), as engine.io builds `_query`. */
export function parseQuery(url: string): Record<string, string> {
  const query: Record<string, string> = {};
  const hash = url.indexOf("#");
  const end = hash < 0 ? url.length : hash;
  const q = url.indexOf("?");
  if (q < 0 || q > end) return query; // no query, or a "?" inside the fragment
  const search = url.slice(q + 1, end);
  if (!PLAIN.test(search)) {
    // (URLSearchParams drops one leading "?": give it the one URL's `search` starts with)
    for (const [name, value] of new URLSearchParams("?" + search)) query[name] = value;
    return query;
  }
  for (const pair of search.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    if (eq < 0) query[pair] = "";
    else query[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return query;
}

/** A listener put in front of engine.io's on "request" and "upgrade": sets `_query` for the requests it will take. */
export function preparseQuery(enginePath: string): (req: IncomingMessage) => void {
  return (req) => {
    const url = req.url ?? "";
    if (requestQuery(req) === undefined && url.startsWith(enginePath)) setRequestQuery(req, parseQuery(url));
  };
}
