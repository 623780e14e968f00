/**
 * What `io(url)` means: the server's origin, the namespace (the URL's path) and the key under which namespaces of
 * the same origin + engine path share one connection.
 */
export interface ParsedUrl {
  /** Absolute URL handed to engine.io (it reads host, port, scheme and query from it). */
  href: string;
  /** The namespace, "/" by default. */
  nsp: string;
  /** scheme://host[:port] + engine path (URL omits the scheme's default port): connections are shared per key. */
  key: string;
}

declare const location: { protocol: string; host: string } | undefined;

export function parseUrl(uri: string | undefined, path: string): ParsedUrl {
  const loc = typeof location === "object" && location !== null ? location : undefined;
  let s = uri ?? (loc ? loc.host : "");
  if (s.startsWith("//")) s = s.slice(2);
  else if (s.startsWith("/")) s = (loc ? loc.host : "localhost") + s;
  if (!/^(https?|wss?):\/\//i.test(s)) s = (loc?.protocol === "https:" ? "https://" : "http://") + s;
  const url = new URL(s);
  return {
    href: url.href,
    nsp: url.pathname, // "/" at least, for these schemes
    key: url.protocol + "//" + url.host + path,
  };
}
