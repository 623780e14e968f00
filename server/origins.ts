/** The `allowedOrigins` option: which browser origins may open a session (cross-site WebSocket hijacking guard). */
export type AllowedOrigins = readonly string[] | ((origin: string) => boolean);

/** Returns a predicate over the Origin header. A request without Origin (not from a browser page) is allowed. */
export function originChecker(allowed: AllowedOrigins): (origin: string | undefined) => boolean {
  if (typeof allowed === "function") {
    return (origin) => {
      if (origin === undefined) return true;
      try {
        return allowed(origin);
      } catch {
        return false;
      }
    };
  }
  const set = new Set(allowed.map((o) => o.toLowerCase().replace(/\/$/, "")));
  return (origin) => origin === undefined || set.has("*") || set.has(origin.toLowerCase());
}
