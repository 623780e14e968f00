// Removes the shipped build folders before `npm run build:package` rebuilds them, so a file whose source was deleted
// or renamed (or a bundle the bundler no longer writes) cannot end up in the tarball.
import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const dist = fileURLToPath(new URL("../dist/", import.meta.url));
for (const dir of ["server", "client", "shared", "cjs-types"]) await rm(`${dist}${dir}`, { recursive: true, force: true });
