/**
 * The package boundary above function code. Node decides how a `.js` file is loaded (CommonJS or
 * ES module) from the nearest `package.json` above it; function code unpacked under a folder of
 * an ESM project (Lamina's own checkout, whose `package.json` says `"type": "module"`, in the
 * quick start) would take that project's type, and `exports.handler = …` would fail. On AWS the
 * code at `/var/task` has no parent `package.json`, so `.js` is CommonJS.
 *
 * A `package.json` without `type` at the root of every folder Lamina unpacks or copies function
 * code into stops that walk: `.js` is CommonJS as on AWS, a function's own `package.json`
 * (`"type": "module"`) is nearer and still wins, `.mjs`/`.cjs` decide by themselves.
 *
 * Invariants: written atomically (readers never see a partial file), rewritten only when its
 * content differs, and nothing else in the folder is touched. It does not stop module
 * resolution (`require('x')` still looks in ancestor `node_modules`); the sandbox (#17) does.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';

import { writeFileAtomic } from './atomic-write.js';

export const MODULE_BOUNDARY_FILE = 'package.json';

const CONTENT = `${JSON.stringify(
  {
    '//': 'Written by Lamina: function code below is interpreted as on AWS Lambda, not by the type of a package.json further up (no "type": .js is CommonJS).',
  },
  null,
  2,
)}\n`;

/** Creates `dir` if needed and puts the boundary `package.json` at its root. */
export async function writeModuleBoundary(dir: string): Promise<void> {
  // A relative (or empty) folder would put it wherever the process runs: a project's own file.
  if (!isAbsolute(dir)) throw new Error(`module boundary folder must be absolute: '${dir}'`);
  await mkdir(dir, { recursive: true });
  const file = join(dir, MODULE_BOUNDARY_FILE);
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current !== CONTENT) await writeFileAtomic(file, CONTENT);
}

/** `writeModuleBoundary` once per folder and instance; a failed attempt is retried next time. */
export class ModuleBoundary {
  private written: Promise<void> | undefined;

  constructor(private readonly dir: string) {}

  ensure(): Promise<void> {
    this.written ??= writeModuleBoundary(this.dir).catch((err: unknown) => {
      this.written = undefined;
      throw err;
    });
    return this.written;
  }
}
