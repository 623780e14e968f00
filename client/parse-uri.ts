/**
 * The browser bundles' (socket.io.min.js & co.) stand-in for engine.io-client's URI parser (its contrib/parseuri.js,
 * a regex parser of 1.1 kB, close to half a kilobyte of the gzipped bundle), swapped in by scripts/bundle-client.mjs.
 * engine.io-client reads four fields of its result — host, protocol, port, query — for the URI its Socket is given
 * (host only, for the `host` option); here the platform's URL parser provides them.
 *
 * For the URLs io() hands to engine.io-client (absolute http(s)/ws(s) URLs, already normalised by URL: see url.ts)
 * both parsers agree, except where engine.io-client's is wrong: brackets after the host (path, query, fragment),
 * which it takes for an IPv6 host. A path ("/chat", "//host") has no host for either (engine.io-client then uses the page's). The npm
 * module (Node, app bundlers) keeps engine.io-client's own parser.
 */
export interface ParsedUri {
  host: string;
  protocol: string;
  port: string;
  query: string;
}

export function parse(str: string): ParsedUri {
  if (str.length > 8000) throw "URI too long"; // engine.io-client's limit, thrown the same way (a string)
  if (str.startsWith("/")) return { host: "", protocol: "", port: "", query: /\?([^#]*)/.exec(str)?.[1] ?? "" };
  const url = new URL(/^(https?|wss?):\/\//.test(str) ? str : "http://" + str);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"), // an IPv6 address without its brackets
    protocol: url.protocol.slice(0, -1),
    port: url.port,
    query: url.search.slice(1),
  };
}
