/**
 * Optional peer dependencies (`redis` for roomcast/redis, `@socket.io/admin-ui` for roomcast/admin-ui): the module
 * that needs one asks for it when it loads, so `import` and `require()` of that module without the package installed
 * fail with an error that says what to install (its `cause` is Node's MODULE_NOT_FOUND), and nothing else is touched.
 * Synchronous, with `require` resolution from here: no top-level await, which `require(esm)` refuses.
 */
import { createRequire } from "node:module";
import { RoomcastError } from "../shared/errors.js";

const require = createRequire(import.meta.url);

/** Throws "<entry> needs the '<pkg>' package<why>: npm install <pkg>" (ERR_MISSING_PEER) when `pkg` cannot be resolved. */
export function requirePeer(entry: string, pkg: string, why = ""): void {
  try {
    require.resolve(pkg);
  } catch (err) {
    const message = `${entry} needs the '${pkg}' package${why}: npm install ${pkg}`;
    throw new RoomcastError("ERR_MISSING_PEER", message, { cause: err });
  }
}

/** `requirePeer`, then loads the (CommonJS) package and returns its exports. */
export function loadPeer<T>(entry: string, pkg: string): T {
  requirePeer(entry, pkg);
  return require(pkg) as T;
}
