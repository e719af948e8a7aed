import { randomUUID } from 'node:crypto';
import { cp, lstat, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';

import type { FunctionCode } from '@lamina/core';

import { KeyedLock } from '@lamina/core';
import type { CollectableStore, StoredContent } from './code-collector.js';
import { hashDirectory } from './hash-directory.js';
import { reclaimContent, removeLeftovers } from './reclaim-content.js';
import { ModuleBoundary } from './module-boundary.js';

export interface CodeSnapshotsOptions {
  /** Where snapshots go: `<root>/<hex of the folder digest>/`, under a module boundary. Absolute. */
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
const HEX = /^[0-9a-f]{64}$/;

const errnoOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code;

/**
 * Renames the copy into place, or keeps an identical copy already there; either way the
 * snapshot's mtime ends as now ("just frozen"), so a sweep leaves it to the version being made.
 * A copy a collector takes away between the two steps is put in place again.
 */
async function place(tmp: string, location: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(tmp, location);
    } catch (err) {
      // The same content was frozen before: that copy is identical, keep it.
      if (!ALREADY_THERE.has(errnoOf(err) ?? '')) throw err;
      if (!(await stat(location)).isDirectory()) throw err;
    }
    const now = new Date();
    try {
      await utimes(location, now, now);
      return;
    } catch (err) {
      if (errnoOf(err) !== 'ENOENT' || attempt >= 2) throw err;
    }
  }
}

/** Bytes of the regular files under `dir` (symlinks not followed). */
async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await treeBytes(path);
    else if (entry.isFile()) total += (await lstat(path)).size;
  }
  return total;
}

function inside(root: string, path: string): boolean {
  const rel = relative(resolve(root), resolve(path));
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) && !rel.includes(`..${sep}`);
}

/**
 * Content-addressed copies of code folders. Code from the code store is immutable already and
 * is kept; a manifest's `spec.code.path` folder can change any time, so publishing copies it
 * (into a temp folder, hashed after the copy so the digest is of what was copied, then renamed
 * into place). The version's CodeSha256 is the digest of the copy.
 *
 * Reclaiming (CodeCollector): a snapshot folder's mtime is when it was last frozen (freezing the
 * same content again touches it); `remove` follows reclaim-content.ts. Sizes are remembered per
 * digest: a snapshot never changes.
 */
export class CodeSnapshots implements CodeFreezer, CollectableStore {
  private readonly serial = new KeyedLock();
  private readonly sizes = new Map<string, number>();
  /** Frozen code is interpreted as on AWS, whatever folder the snapshots sit in. */
  private readonly boundary: ModuleBoundary;

  constructor(private readonly options: CodeSnapshotsOptions) {
    this.boundary = new ModuleBoundary(options.root);
  }

  async list(): Promise<StoredContent[]> {
    let names: string[];
    try {
      names = await readdir(this.options.root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: StoredContent[] = [];
    for (const hex of names.filter((n) => HEX.test(n))) {
      try {
        const st = await stat(join(this.options.root, hex));
        const bytes = this.sizes.get(hex) ?? (await treeBytes(join(this.options.root, hex)));
        this.sizes.set(hex, bytes);
        out.push({ hex, bytes, touchedAt: st.mtimeMs });
      } catch (err) {
        // Removed while listing.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return out;
  }

  async remove(hex: string, before: number): Promise<boolean> {
    if (!HEX.test(hex)) return false;
    const path = join(this.options.root, hex);
    const removed = await this.serial.run(hex, () =>
      reclaimContent({ paths: [path], marker: path }, before),
    );
    if (removed) this.sizes.delete(hex);
    return removed;
  }

  async removeLeftovers(before: number): Promise<void> {
    await removeLeftovers(this.options.root, before);
  }

  async freeze(code: FunctionCode): Promise<FunctionCode> {
    // An image reference is frozen as it is (ADR 0028): nothing of it is on disk.
    if (code.imageUri !== undefined) return code;
    const roots = [...this.options.immutableRoots, this.options.root];
    if (roots.some((root) => inside(root, code.location))) return code;
    await this.boundary.ensure();
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
      await this.serial.run(hex, () => place(tmp, location));
      return { sha256: digest.sha256, size: digest.size, location };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
}
