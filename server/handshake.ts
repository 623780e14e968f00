/** The `socket.handshake` object, as socket.io builds it, from engine.io's request. */
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { ParsedUrlQuery } from "node:querystring";
import type { ProxyTrust } from "./client-address.js";
import { requestQuery } from "./engine/internals.js";

/**
 * What `socket.handshake` holds: the first request of the session and the CONNECT payload, as socket.io presents them.
 */
export interface Handshake {
  /** The headers of the first HTTP request of the session. */
  headers: IncomingHttpHeaders;
  /** The date of creation (as a string). */
  time: string;
  /** The client address: the TCP peer, or with `trustProxy` the address the last trusted proxy saw. */
  address: string;
  /** Whether the connection is cross-domain (an Origin header was sent). */
  xdomain: boolean;
  /** Whether the connection is over TLS. */
  secure: boolean;
  /** The date of creation (as a UNIX timestamp in ms). */
  issued: number;
  /** The request URL. */
  url: string;
  /** The query parameters of the first request. */
  query: ParsedUrlQuery;
  /** The authentication payload sent by the client with CONNECT (untyped, as in socket.io: check it before use). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  auth: Record<string, any>;
}

/** The handshake of a socket created at `issued` (ms since the epoch): sockets build it on first read. */
export function buildHandshake(
  req: IncomingMessage,
  remoteAddress: string,
  auth: Record<string, unknown>,
  trust: ProxyTrust,
  issued: number,
): Handshake {
  const headers = req.headers;
  return {
    headers,
    time: new Date(issued).toString(),
    address: trust.clientAddress(req, remoteAddress),
    xdomain: headers.origin !== undefined,
    secure: (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true,
    issued,
    url: req.url ?? "",
    query: requestQuery(req) ?? {},
    auth,
  };
}
