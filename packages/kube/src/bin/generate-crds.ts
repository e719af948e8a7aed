import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { CRD_OUTPUT_DIRS, renderCrdFiles } from '../crd/render.js';

/**
 * Writes the CRD YAML into charts/lamina/crds and deploy/crds. Usage:
 *   node packages/kube/dist/bin/generate-crds.js <repository root>
 * Stale generated files (a kind that was removed) are deleted.
 */
function main(root: string): void {
  const files = renderCrdFiles();
  const names = new Set(files.map((f) => f.name));
  for (const dir of CRD_OUTPUT_DIRS) {
    const target = join(root, dir);
    mkdirSync(target, { recursive: true });
    for (const old of readdirSync(target)) {
      if (old.endsWith('.yaml') && !names.has(old)) rmSync(join(target, old));
    }
    for (const f of files) writeFileSync(join(target, f.name), f.content);
    process.stdout.write(`wrote ${files.length} CRDs to ${dir}\n`);
  }
}

main(resolve(process.argv[2] ?? '.'));
