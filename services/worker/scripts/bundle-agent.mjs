#!/usr/bin/env node
// Bundles the worker agent (src/agent/main.ts) and everything it imports — the worker package,
// @lamina/core (from its sources), pino, zod — into one ESM file, dist/agent.mjs (next to tsc's output, so ignored and cached alike), so a
// worker image needs only a Node.js binary and this file (ADR 0014). Run by `npm run build`.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const pkg = path.resolve(here, '..');
const outfile = path.join(pkg, 'dist/agent.mjs');

await mkdir(path.dirname(outfile), { recursive: true });
const result = await build({
  entryPoints: [path.join(pkg, 'src/agent/main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // Bundled CommonJS (pino and its helpers) calls require() for Node.js built-ins.
  banner: {
    js: "import { createRequire as __laminaCreateRequire } from 'node:module';\nconst require = __laminaCreateRequire(import.meta.url);",
  },
  alias: { '@lamina/core': path.resolve(pkg, '../../packages/core/src/index.ts') },
  tsconfig: path.join(pkg, 'tsconfig.build.json'),
  legalComments: 'none',
  sourcemap: false,
  // Written below with a rename: tests and image builds may bundle while another reads the file.
  write: false,
  logLevel: 'warning',
});
const [output] = result.outputFiles;
const temp = `${outfile}.${process.pid}.tmp`;
await writeFile(temp, output.contents, { mode: 0o644 });
await rename(temp, outfile);
process.stderr.write(
  `bundled the worker agent: ${path.relative(process.cwd(), outfile)} (${Math.round(output.contents.length / 1024)} KiB)\n`,
);
