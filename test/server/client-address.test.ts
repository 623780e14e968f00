/**
 * trustProxy (unit): the address the last trusted proxy saw, the Host a trusted proxy passed on, and the option's
 * validation. Every row gives the TCP peer and the headers a proxy chain would deliver.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { IncomingHttpHeaders } from "node:http";
import { ProxyTrust, parseEntry, type TrustProxy } from "../../server/client-address.js";
import { Server } from "../../server/index.js";

interface Row {
  name: string;
  trust: TrustProxy | undefined;
  peer: string | undefined;
  xff?: string | string[];
  want: string;
}

const ROWS: Row[] = [
  // off
  { name: "default: the TCP peer, the header ignored", trust: undefined, peer: "127.0.0.1", xff: "203.0.113.7", want: "127.0.0.1" },
  { name: "false", trust: false, peer: "127.0.0.1", xff: "203.0.113.7", want: "127.0.0.1" },
  { name: "0 hops is false", trust: 0, peer: "127.0.0.1", xff: "203.0.113.7", want: "127.0.0.1" },
  { name: "an empty list trusts nothing", trust: [], peer: "127.0.0.1", xff: "203.0.113.7", want: "127.0.0.1" },
  { name: "the peer is kept as Node reports it", trust: false, peer: "::ffff:127.0.0.1", xff: "203.0.113.7", want: "::ffff:127.0.0.1" },
  { name: "unknown peer", trust: true, peer: undefined, xff: "203.0.113.7", want: "" },
  // hop counts
  { name: "true: the right-most entry (what the proxy saw)", trust: true, peer: "127.0.0.1", xff: "203.0.113.7", want: "203.0.113.7" },
  { name: "true: spoofed left entries are never read", trust: true, peer: "127.0.0.1", xff: "6.6.6.6, 7.7.7.7, 203.0.113.7", want: "203.0.113.7" },
  { name: "true without the header: the proxy's own address", trust: true, peer: "127.0.0.1", want: "127.0.0.1" },
  { name: "true with an empty header", trust: true, peer: "127.0.0.1", xff: "  ", want: "127.0.0.1" },
  { name: "1 is true", trust: 1, peer: "127.0.0.1", xff: "6.6.6.6, 203.0.113.7", want: "203.0.113.7" },
  { name: "2 hops: the second entry from the right", trust: 2, peer: "10.0.0.2", xff: "6.6.6.6, 203.0.113.7, 10.0.0.1", want: "203.0.113.7" },
  { name: "2 hops, one entry: the left-most there is", trust: 2, peer: "10.0.0.2", xff: "203.0.113.7", want: "203.0.113.7" },
  { name: "repeated header lines are one list, in order", trust: true, peer: "127.0.0.1", xff: ["6.6.6.6", "203.0.113.7"], want: "203.0.113.7" },
  // addresses, subnets, presets
  { name: "loopback: walks past every trusted hop", trust: "loopback", peer: "127.0.0.1", xff: "6.6.6.6, 203.0.113.7, 127.0.0.2", want: "203.0.113.7" },
  { name: "an untrusted peer: the header ignored", trust: "10.0.0.0/8", peer: "192.0.2.1", xff: "203.0.113.7", want: "192.0.2.1" },
  { name: "CIDR list", trust: ["10.0.0.0/8", "192.168.1.0/24"], peer: "10.1.2.3", xff: "6.6.6.6, 203.0.113.7, 192.168.1.20", want: "203.0.113.7" },
  { name: "outside the /24", trust: ["10.0.0.0/8", "192.168.1.0/24"], peer: "10.1.2.3", xff: "203.0.113.7, 192.168.2.20", want: "192.168.2.20" },
  { name: "comma-separated string", trust: "loopback, 10.0.0.0/8", peer: "127.0.0.1", xff: "203.0.113.7, 10.9.9.9", want: "203.0.113.7" },
  { name: "a single address", trust: "192.0.2.10", peer: "192.0.2.10", xff: "6.6.6.6, 203.0.113.7", want: "203.0.113.7" },
  { name: "uniquelocal", trust: "uniquelocal", peer: "172.20.0.5", xff: "203.0.113.7, 192.168.0.9, fd00::1", want: "203.0.113.7" },
  { name: "linklocal", trust: "linklocal", peer: "169.254.1.1", xff: "203.0.113.7, fe80::1", want: "203.0.113.7" },
  { name: "a public address is not uniquelocal", trust: "uniquelocal", peer: "203.0.113.1", xff: "6.6.6.6", want: "203.0.113.1" },
  // IPv6 and IPv4-mapped IPv6
  { name: "IPv6 subnet", trust: ["2001:db8::/32"], peer: "2001:db8::1", xff: "6.6.6.6, 2400:cb00::1, 2001:db8::2", want: "2400:cb00::1" },
  { name: "IPv6 is lowercased", trust: true, peer: "::1", xff: "2001:DB8:0:0:0:0:0:7", want: "2001:db8:0:0:0:0:0:7" },
  { name: "IPv6 loopback peer", trust: "loopback", peer: "::1", xff: "203.0.113.7", want: "203.0.113.7" },
  { name: "mapped peer matches an IPv4 subnet", trust: "10.0.0.0/8", peer: "::ffff:10.0.0.1", xff: "203.0.113.7", want: "203.0.113.7" },
  { name: "mapped entries are written as IPv4", trust: true, peer: "::ffff:127.0.0.1", xff: "::ffff:203.0.113.7", want: "203.0.113.7" },
  { name: "mapped entries are walked as IPv4", trust: "loopback", peer: "127.0.0.1", xff: "203.0.113.7, ::FFFF:127.0.0.9", want: "203.0.113.7" },
  { name: "a mapped list entry matches IPv4", trust: ["::ffff:192.0.2.10"], peer: "192.0.2.10", xff: "203.0.113.7", want: "203.0.113.7" },
  { name: "bracketed list entry", trust: ["[::1]"], peer: "::1", xff: "203.0.113.7", want: "203.0.113.7" },
  // ports some proxies append
  { name: "IPv4 with a port", trust: true, peer: "127.0.0.1", xff: "203.0.113.7:51234", want: "203.0.113.7" },
  { name: "bracketed IPv6 with a port", trust: true, peer: "127.0.0.1", xff: "[2001:db8::7]:51234", want: "2001:db8::7" },
  { name: "bracketed IPv6", trust: true, peer: "127.0.0.1", xff: "[2001:db8::7]", want: "2001:db8::7" },
  // malformed entries stop the walk: the last address stands
  { name: "malformed right-most entry: the proxy's own address", trust: true, peer: "127.0.0.1", xff: "203.0.113.7, not-an-ip", want: "127.0.0.1" },
  { name: "malformed entry mid-chain", trust: "loopback", peer: "127.0.0.1", xff: "203.0.113.7, unknown, 127.0.0.5", want: "127.0.0.5" },
  { name: "empty entry", trust: "loopback", peer: "127.0.0.1", xff: "203.0.113.7,,127.0.0.5", want: "127.0.0.5" },
  { name: "trailing comma", trust: true, peer: "127.0.0.1", xff: "203.0.113.7,", want: "127.0.0.1" },
  { name: "an entry with a path is malformed", trust: true, peer: "127.0.0.1", xff: "203.0.113.7/8", want: "127.0.0.1" },
  { name: "a host name is malformed", trust: true, peer: "127.0.0.1", xff: "client.example", want: "127.0.0.1" },
  { name: "malformed entries left of the stop are never read", trust: true, peer: "127.0.0.1", xff: "<script>, 203.0.113.7", want: "203.0.113.7" },
];

const headersOf = (xff: string | string[] | undefined): IncomingHttpHeaders =>
  xff === undefined ? {} : ({ "x-forwarded-for": xff } as IncomingHttpHeaders);

describe("trustProxy: client address (unit)", () => {
  for (const row of ROWS) {
    it(`${row.name}: ${JSON.stringify(row.trust)} ${row.peer} ← ${JSON.stringify(row.xff ?? null)} = ${row.want}`, () => {
      assert.equal(ProxyTrust.compile(row.trust).address(headersOf(row.xff), row.peer), row.want);
    });
  }

  it("a predicate sees each hop, normalised, from the TCP peer (hop 0) leftwards, until it says no", () => {
    const seen: [string, number][] = [];
    const trust = ProxyTrust.compile((address, hop) => {
      seen.push([address, hop]);
      return address.startsWith("10.");
    });
    assert.equal(trust.address(headersOf("6.6.6.6, 203.0.113.7, 10.0.0.1"), "::ffff:10.0.0.2"), "203.0.113.7");
    assert.deepEqual(seen, [["10.0.0.2", 0], ["10.0.0.1", 1], ["203.0.113.7", 2]]);
  });

  it("a throwing predicate trusts nothing more", () => {
    const trust = ProxyTrust.compile((_address, hop) => {
      if (hop > 0) throw new Error("boom");
      return true;
    });
    assert.equal(trust.address(headersOf("6.6.6.6, 203.0.113.7, 10.0.0.1"), "127.0.0.1"), "10.0.0.1");
  });

  it("parses X-Forwarded-For entries", () => {
    assert.equal(parseEntry(" 203.0.113.7 "), "203.0.113.7");
    assert.equal(parseEntry("203.0.113.7:80"), "203.0.113.7");
    assert.equal(parseEntry("[::1]:80"), "::1");
    assert.equal(parseEntry("::1"), "::1");
    for (const bad of ["", "unknown", "[::1", "[::1]x", "[1.2.3.4]", "203.0.113.7:", "203.0.113.7:http", "1.2.3", "256.1.1.1", "::1:80:"]) {
      assert.equal(parseEntry(bad), undefined, bad);
    }
  });
});

describe("trustProxy: request host (unit)", () => {
  const host = (trust: TrustProxy | undefined, peer: string, headers: IncomingHttpHeaders) => ProxyTrust.compile(trust).host(headers, peer);

  it("Host, or :authority over HTTP/2, when no proxy is trusted (X-Forwarded-Host ignored)", () => {
    assert.equal(host(undefined, "127.0.0.1", { host: "app.example:8080", "x-forwarded-host": "evil.example" }), "app.example:8080");
    assert.equal(host(undefined, "127.0.0.1", { ":authority": "app.example" }), "app.example");
    assert.equal(host(undefined, "127.0.0.1", {}), undefined);
  });

  it("X-Forwarded-Host from a trusted proxy: the entry of the outermost trusted one", () => {
    const xfh = (value: string, xff?: string): IncomingHttpHeaders => ({ host: "backend:3000", "x-forwarded-host": value, ...(xff ? { "x-forwarded-for": xff } : {}) });
    assert.equal(host(true, "127.0.0.1", xfh("chat.example")), "chat.example");
    assert.equal(host(true, "127.0.0.1", xfh("evil.example, chat.example", "203.0.113.7")), "chat.example", "a forged entry on the left");
    assert.equal(host(2, "10.0.0.2", xfh("evil.example, chat.example, backend", "203.0.113.7, 10.0.0.1")), "chat.example");
    assert.equal(host(2, "10.0.0.2", xfh("chat.example", "203.0.113.7, 10.0.0.1")), "chat.example", "one proxy set it, the next passed it on");
    assert.equal(host(true, "127.0.0.1", { host: "backend:3000" }), "backend:3000", "no X-Forwarded-Host: Host");
    assert.equal(host(true, "127.0.0.1", xfh("  ")), "backend:3000");
  });

  it("X-Forwarded-Host from an untrusted peer is ignored", () => {
    assert.equal(host("10.0.0.0/8", "192.0.2.1", { host: "backend:3000", "x-forwarded-host": "chat.example" }), "backend:3000");
  });
});

describe("trustProxy: validation", () => {
  const rejects: [unknown, typeof RangeError | typeof TypeError, RegExp][] = [
    [-1, RangeError, /non-negative integer/],
    [1.5, RangeError, /non-negative integer/],
    [Number.NaN, RangeError, /non-negative integer/],
    [Number.POSITIVE_INFINITY, RangeError, /non-negative integer/],
    ["", RangeError, /empty string/],
    [" , ", RangeError, /empty string/],
    ["proxy.example", RangeError, /"proxy\.example" is not an IP address/],
    ["loopbak", RangeError, /loopback, linklocal, uniquelocal/],
    ["10.0.0.0/33", RangeError, /0-32/],
    ["::1/129", RangeError, /0-128/],
    ["10.0.0.0/", RangeError, /prefix/],
    ["10.0.0.0/x", RangeError, /prefix/],
    [["10.0.0.1", ""], RangeError, /"" is not an IP address/],
    [[10], TypeError, /list entries must be strings/],
    [{}, TypeError, /expected a boolean/],
    [null, TypeError, /expected a boolean/],
  ];
  for (const [option, type, message] of rejects) {
    it(`${JSON.stringify(option) ?? String(option)} throws ${type.name}`, () => {
      assert.throws(() => ProxyTrust.compile(option as TrustProxy), (err: Error) => err instanceof type && message.test(err.message));
    });
  }

  it("the Server compiles the option when it is constructed", () => {
    assert.throws(() => new Server({ trustProxy: "bogus" }), RangeError);
    assert.throws(() => new Server({ trustProxy: -2 }), RangeError);
    assert.throws(() => new Server({ trustProxy: [42] as unknown as string[] }), TypeError);
  });
});
