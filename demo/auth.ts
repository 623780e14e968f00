/**
 * Demo sign-in: HMAC-SHA256-signed, expiring tokens carrying a display name. `payload.signature`, base64url.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export interface TokenClaims {
  name: string;
  /** Expiry, ms since epoch. */
  exp: number;
}

export function signToken(secret: string, name: string, ttlMs: number, now = Date.now()): string {
  const payload = Buffer.from(JSON.stringify({ name, exp: now + ttlMs } satisfies TokenClaims)).toString("base64url");
  return `${payload}.${sign(secret, payload)}`;
}

/** The claims of a valid, unexpired token; undefined for a missing, malformed, forged or expired one. */
export function verifyToken(secret: string, token: unknown, now = Date.now()): TokenClaims | undefined {
  if (typeof token !== "string" || token.length > 1024) return undefined;
  const dot = token.indexOf(".");
  if (dot <= 0) return undefined;
  const payload = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), "base64url");
  const expected = Buffer.from(sign(secret, payload), "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Partial<TokenClaims>;
    if (typeof claims.name !== "string" || typeof claims.exp !== "number" || claims.exp <= now) return undefined;
    return { name: claims.name, exp: claims.exp };
  } catch {
    return undefined;
  }
}

function sign(secret: string, payload: string): string {
  return createHmac("sha256", secret).update(payload).digest("base64url");
}

/** Trims and validates a display name: 1–24 characters, no control characters. */
export function cleanName(name: unknown, maxLength: number): string | undefined {
  if (typeof name !== "string") return undefined;
  const trimmed = name.trim();
  // eslint-disable-next-line no-control-regex
  if (trimmed.length === 0 || trimmed.length > maxLength || /[\u0000-\u001f\u007f]/.test(trimmed)) return undefined;
  return trimmed;
}
