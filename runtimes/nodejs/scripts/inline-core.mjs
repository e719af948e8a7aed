#!/usr/bin/env node
// Lamina's Node.js runtime runs with no node_modules (the host's runtimes/nodejs/ is all a sandbox
// shows it; ADR 0029), yet shares a few dependency-free modules with the platform, kept once in
// @lamina/core (the HTTP head scanner, ADR 0056). After tsc, this copies each such module into the
// dist file that imports it: every dist/*.js importing `@lamina/core/<module>` is rebuilt by
// esbuild with that module's source inlined and everything else (node: built-ins, the runtime's
// own relative modules) left as imports, so the dist keeps one file per module and its lazy
// imports. Fails when a dist file is left importing anything but node: built-ins and its own files.
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(pkg, 'dist');
const coreSrc = path.resolve(pkg, '../../packages/core/src');
const CORE = '@lamina/core/';

/** @type {import('esbuild').Plugin} */
const coreOnly = {
  name: 'inline-core-only',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      if (args.path.startsWith(CORE)) {
        return { path: path.join(coreSrc, `${args.path.slice(CORE.length)}.ts`) };
      }
      // Inside an inlined core module: it must stay import-free.
      if (args.importer.startsWith(coreSrc)) {
        return { errors: [{ text: `${args.path}: an inlined core module may not import` }] };
      }
      return { path: args.path, external: true };
    });
  },
};

/** The specifiers a module imports: `import … from`, `export … from`, `import '…'`, `import('…')`. */
const importsOf = (text) =>
  [
    ...text.matchAll(
      /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm,
    ),
  ].map((m) => m[1] ?? m[2] ?? m[3]);

let inlined = 0;
for (const name of await readdir(dist)) {
  if (!name.endsWith('.js')) continue;
  const file = path.join(dist, name);
  const text = await readFile(file, 'utf8');
  if (importsOf(text).some((s) => s.startsWith(CORE))) {
    const out = await build({
      entryPoints: [file],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      plugins: [coreOnly],
      logLevel: 'silent',
    });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, out.outputFiles[0].contents);
    await rename(tmp, file);
    inlined++;
  }
  const left = importsOf(await readFile(file, 'utf8')).filter(
    (s) => !s.startsWith('node:') && !s.startsWith('./'),
  );
  if (left.length > 0) {
    throw new Error(`runtimes/nodejs/dist/${name} still imports ${left.join(', ')}`);
  }
}
process.stderr.write(`inline-core: @lamina/core modules inlined into ${inlined} dist file(s)\n`);
