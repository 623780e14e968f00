/** The suite-wide server of the server interop suites (being replaced by a server per test: `await using`). */
import { after, afterEach, before } from "node:test";
import type { Server, ServerOptions } from "../../server/index.js";
import type { Clients } from "../helpers/client.js";
import { startServer, type TestServer } from "../helpers/server.js";

/**
 * One server for the suite (started in `before`, closed in `after`) and `clients` closed after each test. The
 * returned object reads the running server; use it inside tests and hooks.
 */
export function serverForSuite(clients: Clients, opts: Partial<ServerOptions> = {}): TestServer<Server> {
  let current: TestServer<Server> | undefined;
  before(async () => {
    current = await startServer(opts);
  });
  afterEach(() => clients.closeAll());
  after(() => current?.close());
  const running = (): TestServer<Server> => {
    if (current === undefined) throw new Error("the suite's server runs only inside its tests and hooks");
    return current;
  };
  return {
    get io() {
      return running().io;
    },
    get port() {
      return running().port;
    },
    get url() {
      return running().url;
    },
    get http() {
      return running().http;
    },
    close: () => running().close(),
    [Symbol.asyncDispose]: () => running().close(),
  };
}
