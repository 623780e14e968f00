/**
 * `trustProxy`: which proxies in front of the server are trusted, hence the client's address (`handshake.address`,
 * the `maxConnectionsPerAddress` key) and the Host the client asked for (the same-origin check). Compiled once per
 * Server; the per-request work is a walk from the TCP peer leftwards through `X-Forwarded-For`, stopping at the
 * first address that is not a trusted proxy: that address is what the last trusted proxy saw. Entries to its left
 * were written by the client (or by proxies it chose) and are never read.
 */
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { BlockList, isIP } from "node:net";
import { codedRangeError, codedTypeError } from "../shared/errors.js";

/**
 * - `false` (default): no proxy; the TCP peer is the client.
 * - `true`: one trusted hop (the TCP peer is a proxy): the right-most `X-Forwarded-For` entry. (Express's `true`
 *   takes the left-most entry, which the client chooses.)
 * - `n`: `n` trusted hops from the right (`0` is `false`, `1` is `true`).
 * - addresses, CIDR subnets (IPv4 / IPv6) and the names `loopback`, `linklocal`, `uniquelocal`, as an array or a
 *   comma-separated string: walk from the TCP peer leftwards while the address is one of them.
 * - `(address, hop) => boolean`: the same walk with your predicate (`hop` 0 is the TCP peer, 1 the right-most entry).
 */
export type TrustProxy = boolean | number | string | readonly string[] | ((address: string, hop: number) => boolean);

/** Express's preset names (proxy-addr), as subnets. */
const PRESETS: Readonly<Record<string, readonly string[]>> = {
  loopback: ["127.0.0.0/8", "::1/128"],
  linklocal: ["169.254.0.0/16", "fe80::/10"],
  uniquelocal: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
};

type Trusts = (address: string, hop: number) => boolean;

/** Where the walk stopped: the client address, and how many trusted proxies it went through. */
interface Walk {
  address: string;
  proxies: number;
}

/** A compiled `trustProxy` option. */
export class ProxyTrust {
  /** undefined: no proxy is trusted */
  readonly #trusts: Trusts | undefined;

  private constructor(trusts: Trusts | undefined) {
    this.#trusts = trusts;
  }

  /** Compiles the option; RangeError / TypeError (naming the bad part) for an invalid one. */
  static compile(option: TrustProxy | undefined): ProxyTrust {
    return new ProxyTrust(compileTrusts(option));
  }

  /**
   * The client's address: the TCP peer (`peer`, as Node reports it) when it is not a trusted proxy, else the
   * address the last trusted proxy saw (IPv4-mapped IPv6 written as IPv4; a port some proxies add is dropped).
   */
  clientAddress(req: IncomingMessage, peer: string | undefined = req.socket?.remoteAddress): string {
    return this.address(req.headers, peer);
  }

  /** `clientAddress` from the headers and the TCP peer's address (`""` when unknown). */
  address(headers: IncomingHttpHeaders, peer: string | undefined): string {
    return this.#walk(headers, peer).address;
  }

  /**
   * The `host[:port]` the client asked for: the `X-Forwarded-Host` a trusted proxy passed on (with a chain of
   * proxies that each append, the entry of the outermost trusted one), else `Host` (`:authority` over HTTP/2).
   */
  requestHost(req: IncomingMessage, peer: string | undefined = req.socket?.remoteAddress): string | undefined {
    return this.host(req.headers, peer);
  }

  /** `requestHost` from the headers and the TCP peer's address. */
  host(headers: IncomingHttpHeaders, peer: string | undefined): string | undefined {
    const own = headerValue(headers.host) ?? headerValue(headers[":authority"]);
    if (this.#trusts === undefined) return own;
    const forwarded = headerValue(headers["x-forwarded-host"]);
    if (forwarded === undefined) return own;
    const { proxies } = this.#walk(headers, peer);
    if (proxies === 0) return own;
    const entries = forwarded.split(",");
    const entry = entries[Math.max(0, entries.length - proxies)]?.trim();
    return entry === undefined || entry === "" ? own : entry;
  }

  #walk(headers: IncomingHttpHeaders, peer: string | undefined): Walk {
    const trusts = this.#trusts;
    if (trusts === undefined || peer === undefined || peer === "") return { address: peer ?? "", proxies: 0 };
    let address = peer;
    let current = normalise(peer);
    const chain = headerValue(headers["x-forwarded-for"]) ?? "";
    let end = chain === "" ? -1 : chain.length; // entries are read right to left, chain[..end)
    let hop = 0;
    for (;;) {
      if (current === undefined || !trusts(current, hop)) return { address, proxies: hop };
      if (end < 0) return { address, proxies: hop + 1 }; // a trusted proxy and nothing it saw: it stands
      const comma = chain.lastIndexOf(",", end - 1);
      const entry = parseEntry(chain.slice(comma + 1, end));
      end = comma;
      if (entry === undefined) return { address, proxies: hop + 1 }; // malformed: the last address stands
      address = entry;
      current = entry;
      hop++;
    }
  }
}

function compileTrusts(option: unknown): Trusts | undefined {
  if (option === undefined || option === false || option === 0) return undefined;
  if (option === true) return hopCount(1);
  if (typeof option === "number") {
    if (!Number.isSafeInteger(option) || option < 0) {
      throw codedRangeError("ERR_INVALID_OPTION", `trustProxy: a hop count must be a non-negative integer, got ${option}`);
    }
    return hopCount(option);
  }
  if (typeof option === "function") return guarded(option as (address: string, hop: number) => boolean);
  if (typeof option === "string") {
    // "loopback, 10.0.0.0/8" (Express's form, handy in an environment variable); empty items are skipped
    const items = option.split(",").map((item) => item.trim()).filter((item) => item !== "");
    if (items.length === 0) {
      throw codedRangeError("ERR_INVALID_OPTION", "trustProxy: an empty string lists no proxy (use false to trust none)");
    }
    return addressList(items);
  }
  if (Array.isArray(option)) return addressList(option as readonly unknown[]);
  throw codedTypeError(
    "ERR_INVALID_OPTION",
    `trustProxy: expected a boolean, a hop count, addresses / subnets or a function, got ${describe(option)}`,
  );
}

function hopCount(hops: number): Trusts {
  return (_address, hop) => hop < hops;
}

function guarded(predicate: (address: string, hop: number) => boolean): Trusts {
  return (address, hop) => {
    try {
      return predicate(address, hop) === true;
    } catch {
      return false; // a throwing predicate trusts nothing more
    }
  };
}

/** Addresses, subnets and preset names, matched with one BlockList. */
function addressList(items: readonly unknown[]): Trusts | undefined {
  const list = new BlockList();
  let count = 0;
  for (const item of items) {
    if (typeof item !== "string") {
      throw codedTypeError("ERR_INVALID_OPTION", `trustProxy: list entries must be strings, got ${describe(item)}`);
    }
    const text = item.trim();
    for (const subnet of PRESETS[text.toLowerCase()] ?? [text]) {
      addSubnet(list, subnet, item);
      count++;
    }
  }
  if (count === 0) return undefined;
  return (address) => list.check(address, isIP(address) === 4 ? "ipv4" : "ipv6");
}

function addSubnet(list: BlockList, text: string, original: string): void {
  const slash = text.indexOf("/");
  const raw = slash < 0 ? text : text.slice(0, slash);
  const address = normalise(raw.startsWith("[") && raw.endsWith("]") ? raw.slice(1, -1) : raw);
  const family = address === undefined ? 0 : isIP(address);
  if (address === undefined || family === 0) {
    throw codedRangeError("ERR_INVALID_OPTION", 
      `trustProxy: "${original}" is not an IP address, a CIDR subnet (address/prefix) or one of loopback, linklocal, uniquelocal`,
    );
  }
  const type = family === 4 ? "ipv4" : "ipv6";
  if (slash < 0) return list.addAddress(address, type);
  const prefixText = text.slice(slash + 1);
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  const max = family === 4 ? 32 : 128;
  if (!(prefix <= max)) {
    throw codedRangeError("ERR_INVALID_OPTION", `trustProxy: the prefix of "${original}" must be an integer 0-${max}`);
  }
  list.addSubnet(address, prefix, type);
}

/** One X-Forwarded-For entry: an IP address, optionally `[v6]`, `[v6]:port` or `v4:port`; undefined if malformed. */
export function parseEntry(entry: string): string | undefined {
  let text = entry.trim();
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    const rest = text.slice(close + 1);
    if (close < 0 || (rest !== "" && !/^:\d{1,5}$/.test(rest))) return undefined;
    text = text.slice(1, close);
    return isIP(text) === 6 ? normalise(text) : undefined;
  }
  const colon = text.indexOf(":");
  if (colon > 0 && colon === text.lastIndexOf(":") && /^:\d{1,5}$/.test(text.slice(colon))) text = text.slice(0, colon);
  return isIP(text) === 0 ? undefined : normalise(text);
}

/** IPv4-mapped IPv6 (`::ffff:1.2.3.4`) as IPv4; anything that is not an IP address: undefined. */
function normalise(address: string): string | undefined {
  const family = isIP(address);
  if (family === 4) return address;
  if (family !== 6) return undefined;
  const lower = address.toLowerCase();
  if (lower.startsWith("::ffff:")) {
    const v4 = lower.slice(7);
    if (isIP(v4) === 4) return v4;
  }
  return lower;
}

/** A header Node gives as a string, or (for repeated lines it does not join) as an array: one string. */
function headerValue(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(",") : value;
  return text.trim() === "" ? undefined : text;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  return typeof value === "object" ? Object.prototype.toString.call(value) : `${typeof value} ${String(value)}`;
}
