/**
 * Links in README.md, docs/**\/*.md (not the generated docs/api/) and examples/*\/README.md resolve: a relative
 * link names an existing file or folder, and an `#anchor` (in the same file or in another .md) names a heading of
 * that file, by GitHub's slug rules. External links are never fetched (tests only use loopback): they must be
 * well-formed http(s)/mailto URLs.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(import.meta.url), "../../../..");

/** GitHub's heading id: lower case, markup and punctuation removed (letters, digits, "_", "-" and spaces kept), spaces → "-". */
export function slug(heading: string): string {
  // code spans are literal text; outside them, links and images keep their text and inline HTML goes
  const text = heading
    .split(/(`+[^`]*?`+)/)
    .map((part, i) =>
      i % 2 === 1
        ? part.replace(/^`+|`+$/g, "")
        : part
            .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
            .replace(/<[^>]+>/g, ""),
    )
    .join("");
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
    .replace(/ /g, "-");
}

interface Link {
  line: number;
  target: string;
}

/** Outside fenced code blocks and inline code: the Markdown lines, with code replaced by blanks. */
function proseLines(source: string): string[] {
  let fence: string | undefined;
  return source.split("\n").map((line) => {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence !== undefined) {
      if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      return "";
    }
    if (marker !== undefined) {
      fence = marker;
      return "";
    }
    return line.replace(/(`+)[^`]*?\1/g, (code) => " ".repeat(code.length));
  });
}

/** Heading ids of a Markdown file, with GitHub's "-1", "-2"… for repeated ones, plus explicit `<a name|id="…">`. */
export function anchors(source: string): Set<string> {
  const ids = new Set<string>();
  const seen = new Map<string, number>();
  const lines = proseLines(source);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    let text = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    // setext headings: a line of "===" or "---" under text
    if (text === undefined && i + 1 < lines.length && /^\s{0,3}(=+|-+)\s*$/.test(lines[i + 1]!) && line.trim() !== "" && !/^\s*[-*+|>]/.test(line)) {
      text = line.trim();
    }
    if (text !== undefined) {
      // code spans were blanked in `lines`: take the heading from the source to keep their text
      const raw = source.split("\n")[i]!;
      const original = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(raw)?.[1] ?? raw.trim();
      const base = slug(original);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      ids.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const m of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) ids.add(m[1]!);
  }
  return ids;
}

/** Inline links and images `[t](target "title")`, reference definitions `[r]: target`, and `<a href="…">`. */
export function links(source: string): Link[] {
  const found: Link[] = [];
  proseLines(source).forEach((line, i) => {
    for (const m of line.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]*)>?(?:\s+["'(][^)]*)?\)/g)) found.push({ line: i + 1, target: m[1]! });
    const def = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/.exec(line);
    if (def) found.push({ line: i + 1, target: def[1]! });
    for (const m of line.matchAll(/<a\s[^>]*href="([^"]*)"/g)) found.push({ line: i + 1, target: m[1]! });
  });
  return found;
}

function markdownFiles(): string[] {
  const files = [join(root, "README.md")];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (path !== join(root, "docs", "api")) walk(path);
      } else if (entry.name.endsWith(".md")) files.push(path);
    }
  };
  if (existsSync(join(root, "docs"))) walk(join(root, "docs"));
  if (existsSync(join(root, "examples"))) {
    for (const example of readdirSync(join(root, "examples"))) {
      const readme = join(root, "examples", example, "README.md");
      if (existsSync(readme)) files.push(readme);
    }
  }
  return files;
}

/** What is wrong with one link of `file`, or undefined when it resolves. */
function check(file: string, target: string, anchorsOf: (path: string) => Set<string>): string | undefined {
  if (target === "") return "empty link";
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
    if (!/^(https?|mailto):/i.test(target)) return `unexpected scheme`;
    try {
      const url = new URL(target);
      if (url.protocol !== "mailto:" && url.hostname === "") return "no host";
    } catch {
      return "malformed URL";
    }
    return undefined;
  }
  if (target.startsWith("//")) return "protocol-relative URL";
  const hash = target.indexOf("#");
  const pathPart = decodeURIComponent(hash === -1 ? target : target.slice(0, hash)).split("?")[0]!;
  const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
  const path = pathPart === "" ? file : pathPart.startsWith("/") ? join(root, pathPart) : resolve(dirname(file), pathPart);
  if (!path.startsWith(root)) return "points outside the repository";
  if (path.startsWith(join(root, "docs", "api"))) return undefined; // generated by `npm run docs`, not committed
  if (!existsSync(path)) return "no such file";
  if (anchor === undefined || anchor === "") return undefined;
  if (!path.endsWith(".md") || statSync(path).isDirectory()) return undefined; // anchors into code (#L10) are not checked
  if (!anchorsOf(path).has(anchor)) return `no heading "#${anchor}" in ${relative(root, path)}`;
  return undefined;
}

describe("documentation links", () => {
  it("computes GitHub's heading ids", () => {
    assert.equal(slug("Getting started"), "getting-started");
    assert.equal(slug("`io.serveClient()` and `serveClient`"), "ioserveclient-and-serveclient");
    assert.equal(slug("Scaling out (Redis, N instances)"), "scaling-out-redis-n-instances");
    assert.equal(slug("Migrating from Socket.IO: step 1 — imports"), "migrating-from-socketio-step-1--imports");
    assert.equal(slug("[Link](x.md) text"), "link-text");
    assert.equal(slug('`<script src="/socket.io/socket.io.js">` gets 404'), "script-srcsocketiosocketiojs-gets-404");
    assert.equal(slug("A <em>b</em> c"), "a-b-c");
    assert.deepEqual([...anchors("# A\n## A\n```\n# not a heading\n```\nB\n---\n")], ["a", "a-1", "b"]);
    assert.deepEqual(
      links("see [x](a.md#b) and ![i](img.png \"t\")\n`[no](code.md)`\n[r]: https://example.com\n```\n[no](x)\n```\n"),
      [
        { line: 1, target: "a.md#b" },
        { line: 1, target: "img.png" },
        { line: 3, target: "https://example.com" },
      ],
    );
  });

  it("every relative link and #anchor in README.md, docs/ and the examples' READMEs resolves; external links are well-formed", () => {
    const cache = new Map<string, Set<string>>();
    const anchorsOf = (path: string): Set<string> => {
      let ids = cache.get(path);
      if (ids === undefined) cache.set(path, (ids = anchors(readFileSync(path, "utf8"))));
      return ids;
    };
    const broken: string[] = [];
    let count = 0;
    for (const file of markdownFiles()) {
      for (const { line, target } of links(readFileSync(file, "utf8"))) {
        count++;
        const problem = check(file, target, anchorsOf);
        if (problem !== undefined) broken.push(`${relative(root, file)}:${line}: ${target} (${problem})`);
      }
    }
    assert.ok(count > 0, "no links found: is the Markdown scanner broken?");
    assert.deepEqual(broken, [], `${broken.length} broken link(s):\n${broken.join("\n")}`);
  });
});
