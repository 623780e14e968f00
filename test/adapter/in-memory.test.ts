/** The adapter conformance suite on the in-memory adapter: one instance. */
import { startServer } from "../helpers/server.js";
import { adapterConformanceSuite } from "./conformance.js";

adapterConformanceSuite("in-memory (1 instance)", async (opts) => {
  const srv = await startServer(opts);
  return { servers: [srv], ready: () => Promise.resolve(), close: () => srv.close() };
});
