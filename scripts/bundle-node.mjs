// One Node.js 22 ESM bundle with esbuild, the way every Lamina image carries its code: the
// entry point and all it imports (workspace packages aliased to their sources, so a bundle
// never lags a stale dist/) in one file, written atomically (temp + rename) because an image
// build may read it while another bundles. Used by images/bundle.mjs (platform services) and
// services/worker/scripts/bundle-agent.mjs (the worker agent, ADR 0014).
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

/**
 * @param {object} o
 * @param {string} o.entry         the composition root (TypeScript)
 * @param {string} o.outfile       where the bundle goes
 * @param {string} o.tsconfig      the package's tsconfig.build.json
 * @param {Record<string, string>} o.alias  workspace package → absolute path of its source entry
 * @param {string[]} [o.external]  modules left out (optional native add-ons with JS fallbacks)
 * @param {import('esbuild').Plugin[]} [o.plugins]  esbuild plugins (the worker agent's start trims)
 * @returns {Promise<{ bytes: number, modules: number }>}
 */
export async function bundleNode(o) {
  const result = await build({
    entryPoints: [o.entry],
    outfile: o.outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    // Bundled CommonJS calls require() for Node.js built-ins and may read __dirname/__filename.
    banner: {
      js: [
        "import { createRequire as __laminaCreateRequire } from 'node:module';",
        "import { fileURLToPath as __laminaFileURLToPath } from 'node:url';",
        'const require = __laminaCreateRequire(import.meta.url);',
        'const __filename = __laminaFileURLToPath(import.meta.url);',
        "const __dirname = __laminaFileURLToPath(new URL('.', import.meta.url));",
      ].join('\n'),
    },
    alias: o.alias,
    external: o.external ?? [],
    plugins: o.plugins ?? [],
    tsconfig: o.tsconfig,
    // Error and class names stay what the sources say (logs, `err.name`, constructor names).
    keepNames: true,
    legalComments: 'none',
    sourcemap: false,
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  const [output] = result.outputFiles;
  await mkdir(path.dirname(o.outfile), { recursive: true });
  const temp = `${o.outfile}.${process.pid}.tmp`;
  await writeFile(temp, output.contents, { mode: 0o644 });
  await rename(temp, o.outfile);
  return { bytes: output.contents.length, modules: Object.keys(result.metafile.inputs).length };
}
