// CommonJS-format declarations for `require("roomcast/…")` consumers. roomcast's runtime is ESM only (Node loads it
// through require(esm)), but under TypeScript's node16/nodenext resolution a CommonJS file may not import an ESM-format
// .d.ts (TS1479). The same declarations in a folder whose package.json says "type": "commonjs" are CJS-format: this
// copies every .d.ts of dist/server, dist/client and dist/shared to dist/cjs-types/ (the "require" types condition in
// package.json's exports). `npm run build` and `npm run build:package` run it after tsc.
import { copyFile, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const dist = fileURLToPath(new URL("../dist/", import.meta.url));
const out = `${dist}cjs-types/`;

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
for (const dir of ["server", "client", "shared"]) {
  for (const file of await readdir(`${dist}${dir}`, { recursive: true })) {
    if (!file.endsWith(".d.ts")) continue;
    await mkdir(dirname(`${out}${dir}/${file}`), { recursive: true });
    await copyFile(`${dist}${dir}/${file}`, `${out}${dir}/${file}`);
  }
}
await writeFile(`${out}package.json`, `${JSON.stringify({ type: "commonjs" }, null, 2)}\n`);
