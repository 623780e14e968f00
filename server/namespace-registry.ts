/**
 * The Server's namespaces: the ones that exist, by name, and the dynamic families (ParentNamespace) that create a
 * child when a client asks for a name one of their matchers accepts.
 */
import { runAppCode } from "./app-code.js";
import type { Adapter } from "./adapter/adapter.js";
import type { SocketId } from "./adapter/types.js";
import type { JoinableNamespace } from "./client.js";
import type { NamespaceMatcher } from "./parent-namespace.js";
import type { DisconnectReason } from "./reasons.js";

/**
 * A namespace as the registry, the shutdown and the client sessions see it, whatever its event maps (`io.of<…>()`
 * types each namespace its own way; these members do not depend on them).
 */
export interface RegisteredNamespace extends JoinableNamespace {
  readonly name: string;
  readonly adapter: Adapter;
  readonly sockets: ReadonlyMap<SocketId, { onclose(reason: DisconnectReason): void }>;
  /** Re-creates the adapter from the server's `adapter` option (after `io.adapter(ctor)`). */
  initAdapter(): void;
}

/** A dynamic family (ParentNamespace) as the registry sees it. */
export interface NamespaceFamily {
  readonly adapter: Adapter;
  /** Creates the child namespace `name` (a client asked for it and a matcher accepted it). */
  createChild(name: string): RegisteredNamespace;
  /** Forgets `child` if it is one of this family's; true when it was. */
  forget(child: RegisteredNamespace): boolean;
}


/** A RegExp as a matcher: accepts the names it matches. */
export function toMatcher(pattern: RegExp | NamespaceMatcher): NamespaceMatcher {
  return typeof pattern === "function" ? pattern : (nsp, _auth, next) => next(null, pattern.test(nsp));
}

export class NamespaceRegistry {
  /** Every namespace, by name (dynamic children included, parents not). */
  readonly byName = new Map<string, RegisteredNamespace>();
  readonly #parents = new Map<NamespaceMatcher, NamespaceFamily>();
  readonly #reportError: (err: unknown, context: string) => void;
  readonly #announce: (nsp: RegisteredNamespace) => void;

  /** `announce` is called with each child namespace created by a dynamic family. */
  constructor(reportError: (err: unknown, context: string) => void, announce: (nsp: RegisteredNamespace) => void) {
    this.#reportError = reportError;
    this.#announce = announce;
  }

  addParent(matcher: NamespaceMatcher, parent: NamespaceFamily): void {
    this.#parents.set(matcher, parent);
  }

  parents(): IterableIterator<NamespaceFamily> {
    return this.#parents.values();
  }

  /**
   * Finds or creates (dynamic) the namespace a client asks for; undefined when none exists or matches. A matcher that
   * throws or rejects is reported and does not match; `next(err)` (whatever `err` is, never read) does not match.
   */
  async resolve(name: string, auth: Record<string, unknown>): Promise<RegisteredNamespace | undefined> {
    const existing = this.byName.get(name);
    if (existing !== undefined) return existing;
    for (const [matcher, parent] of this.#parents) {
      const allowed = await new Promise<boolean>((resolve) => {
        runAppCode(
          () => matcher(name, auth, (err, success) => resolve(!err && success === true)),
          (err) => {
            this.#reportError(err, "dynamic namespace matcher");
            resolve(false);
          },
        );
      });
      if (!allowed) continue;
      const again = this.byName.get(name); // created meanwhile by another connection
      if (again !== undefined) return again;
      const child = parent.createChild(name);
      this.byName.set(name, child);
      // a throwing "new_namespace" listener must not leave the client without an answer
      runAppCode(() => this.#announce(child), (err) => this.#reportError(err, '"new_namespace" listener'));
      return child;
    }
    return undefined;
  }

  /** Forgets `nsp` if it is a dynamic child; true when it was one. */
  removeChild(nsp: RegisteredNamespace): boolean {
    for (const parent of this.#parents.values()) {
      if (parent.forget(nsp)) {
        this.byName.delete(nsp.name);
        return true;
      }
    }
    return false;
  }
}
