import { randomUUID } from 'node:crypto';
import { cp, mkdir, rename, rm, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';

import type { FunctionCode } from '@lamina/core';

import { hashDirectory } from './hash-directory.js';

export interface CodeSnapshotsOptions {
  /** Where snapshots go: `<root>/<hex of the folder digest>/`. */
  readonly root: string;
  /** Folders whose content never changes (the content-addressed code store): kept as they are. */
  readonly immutableRoots: readonly string[];
}

/** Freezes a function's code so a published version keeps running exactly what was published. */
export interface CodeFreezer {
  freeze(code: FunctionCode): Promise<FunctionCode>;
}

/** Code already in an immutable place needs no copy (every uploaded zip, unit tests). */
export const keepCode: CodeFreezer = { freeze: (code) => Promise.resolve(code) };

const ALREADY_THERE = new Set(['EEXIST', 'ENOTEMPTY']);

function inside(root: string, path: string): boolean {
  const rel = relative(resolve(root), resolve(path));
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) && !rel.includes(`..${sep}`);
}

/**
 * Content-addressed copies of code folders. Code from the code store is immutable already and
 * is kept; a manifest's `spec.code.path` folder can change any time, so publishing copies it
 * (into a temp folder, hashed after the copy so the digest is of what was copied, then renamed
 * into place). The version's CodeSha256 is the digest of the copy.
 */
export class CodeSnapshots implements CodeFreezer {
  constructor(private readonly options: CodeSnapshotsOptions) {}

  async freeze(code: FunctionCode): Promise<FunctionCode> {
    const roots = [...this.options.immutableRoots, this.options.root];
    if (roots.some((root) => inside(root, code.location))) return code;
    await mkdir(this.options.root, { recursive: true });
    const tmp = join(this.options.root, `.tmp-${randomUUID()}`);
    try {
      await cp(code.location, tmp, {
        recursive: true,
        verbatimSymlinks: true,
        preserveTimestamps: true,
      });
      const digest = await hashDirectory(tmp);
      const hex = Buffer.from(digest.sha256, 'base64').toString('hex');
      const location = join(this.options.root, hex);
      try {
        await rename(tmp, location);
      } catch (err) {
        const errno = (err as NodeJS.ErrnoException).code;
        // The same content was frozen before: that copy is identical, keep it.
        if (errno === undefined || !ALREADY_THERE.has(errno)) throw err;
        if (!(await stat(location)).isDirectory()) throw err;
      }
      return { sha256: digest.sha256, size: digest.size, location };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
}
