// The demo page: bundles demo/page/app.ts with roomcast's client into dist/demo/public/app.js and copies the
// static files next to it. `npm run build` runs this after the client bundle.
import { build } from "esbuild";
import { cp, mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { bundleFlags, pollingAndWebSocketOnly } from "./bundle-client.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = `${root}dist/demo/public/`;

await mkdir(out, { recursive: true });
await Promise.all([
  build({
    ...bundleFlags,
    entryPoints: [`${root}demo/page/app.ts`],
    format: "esm",
    sourcemap: true,
    outfile: `${out}app.js`,
    plugins: [pollingAndWebSocketOnly],
  }),
  cp(`${root}demo/public/index.html`, `${out}index.html`),
  cp(`${root}demo/public/style.css`, `${out}style.css`),
]);
