/** parseQuery gives exactly engine.io's `_query` (URL + URLSearchParams) for any request URL. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseQuery } from "../../server/engine/query.js";

const engineIo = (url: string): Record<string, string> => Object.fromEntries(new URL(url, "https://socket.io").searchParams.entries());

test("Engine.IO's own queries", () => {
  for (const url of [
    "/socket.io/?EIO=4&transport=polling&t=PabcXyz_-",
    "/socket.io/?EIO=4&transport=websocket&sid=AbC-_123",
    "/socket.io/",
    "/socket.io/?",
    "/socket.io/?&&EIO=4&&",
    "/socket.io/?a&b=&=c&a=2",
    "/socket.io/?EIO=4#frag&x=1",
    "/socket.io/#frag?EIO=4",
  ]) {
    assert.deepEqual(parseQuery(url), engineIo(url), url);
  }
});

test("2,000 random request URLs with escapes, +, unicode and stray characters: same as URLSearchParams", () => {
  const alphabet = ["a", "Z", "0", "=", "&", "-", "_", ".", "~", "%", "%2", "%41", "%zz", "+", " ", "#", "?", "/", "é", "€", "\"", "<", "[", ";"];
  let seed = 7;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  for (let i = 0; i < 2000; i++) {
    let q = "";
    for (let j = rand(24); j > 0; j--) q += alphabet[rand(alphabet.length)];
    const url = `/socket.io/${i % 2 ? "?" : ""}${q}`;
    assert.deepEqual(parseQuery(url), engineIo(url), url);
  }
});
