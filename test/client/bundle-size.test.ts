/**
 * The size limit `npm run size` checks, in CI: the socket.io.min.js roomcast serves, min+gzip, is at most 0.9× of
 * socket.io-client's built the same way (esbuild, same flags, an IIFE setting the global `io`). Fresh in-memory
 * builds from the sources (scripts/size.mjs), so what is measured is what `npm run build` ships.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";

interface Measured {
  label: string;
  min: number;
  gzip: number;
}
interface SizeScript {
  LIMIT: number;
  measureShipped(): Promise<{ ours: Measured; theirs: Measured; ratio: number }>;
}

describe("client bundle size", { timeout: 60_000 }, () => {
  it("socket.io.min.js min+gzip is at most 0.9x socket.io-client's", async () => {
    const script = new URL("../../../scripts/size.mjs", import.meta.url).href; // from dist/test/client
    const { LIMIT, measureShipped } = (await import(script)) as SizeScript;
    assert.equal(LIMIT, 0.9);
    const { ours, theirs, ratio } = await measureShipped();
    assert.ok(theirs.gzip > 10_000, `socket.io-client measured at ${theirs.gzip} B`); // measured something real
    assert.ok(ratio <= LIMIT, `roomcast ${ours.gzip} B vs socket.io-client ${theirs.gzip} B: ${ratio.toFixed(4)}x > ${LIMIT}x`);
  });
});
