/**
 * client/parse-uri.ts (the browser bundle's stand-in for engine.io-client's URI parser) against engine.io-client's
 * own `parse`, on the URL shapes io() hands over: same host, protocol, port and query, except brackets after the
 * host, which engine.io-client's parser takes for an IPv6 host.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parse as theirs } from "engine.io-client";
import { parse as ours } from "../../client/parse-uri.js";
import { parseUrl } from "../../client/url.js";

const pick = (u: { host?: string; protocol?: string; port?: string; query?: string }): [string, string, string, string] => [
  u.host ?? "",
  u.protocol ?? "",
  u.port ?? "",
  u.query ?? "",
];

test("same fields as engine.io-client's parser for the URLs io() builds", () => {
  const schemes = ["http", "https", "ws", "wss"];
  const hosts = ["localhost", "example.com", "sub.example.co.uk", "127.0.0.1", "[::1]", "[2001:db8::7]", "xn--bcher-kva.example"];
  const ports = ["", ":80", ":3000", ":65535"];
  const paths = ["/", "/socket.io/", "/a/b/c"];
  const queries = ["", "?a=1", "?EIO=4&transport=polling&t=abc", "?x=%20y&z=a%2Bb", "?empty="];
  let n = 0;
  for (const s of schemes)
    for (const h of hosts)
      for (const p of ports)
        for (const path of paths)
          for (const q of queries) {
            const url = parseUrl(`${s}://${h}${p}${path}${q}`, "/socket.io").href; // as io() hands it over
            assert.deepEqual(pick(ours(url)), pick(theirs(url)), url);
            n++;
          }
  assert.equal(n, 4 * 7 * 4 * 3 * 5);
});

test("paths without a host: no host for either, the query is read", () => {
  for (const url of ["/chat", "/chat?room=1", "/"]) {
    assert.deepEqual(pick(ours(url)).slice(0, 1), [""], url);
    assert.equal(ours(url).query, theirs(url).query ?? "", url);
  }
});

test("brackets in the query: engine.io-client's parser reads an IPv6 host, ours the real host", () => {
  const url = "https://example.com/?a[]=1";
  assert.equal(ours(url).host, "example.com");
  assert.notEqual(theirs(url).host, "example.com");
});

test("a URI over 8,000 characters is refused as engine.io-client refuses it", () => {
  const long = "https://example.com/?" + "a".repeat(8000);
  assert.throws(() => theirs(long));
  assert.throws(() => ours(long));
});
