import { randomUUID } from 'node:crypto';
import type { Stats } from 'node:fs';
import { link, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A temp file name next to `target`: hidden, so folder scans that match real names skip it. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.tmp-${basename(target)}-${randomUUID()}`);
}

async function writeTemp(target: string, data: string | Buffer): Promise<[string, Stats]> {
  const tmp = tempPathFor(target);
  const handle = await open(tmp, 'wx', 0o644);
  let ok = false;
  try {
    await handle.writeFile(data);
    await handle.sync();
    const stats = await handle.stat();
    ok = true;
    return [tmp, stats];
  } finally {
    await handle.close();
    if (!ok) await rm(tmp, { force: true });
  }
}

/**
 * Writes `data` to `target` so readers see either the old or the new content, never a part:
 * write a temp file in the same folder, then rename it over the target. Returns the stat of
 * the written file (its inode survives the rename, so it identifies this version).
 */
export async function writeFileAtomic(target: string, data: string | Buffer): Promise<Stats> {
  const [tmp, stats] = await writeTemp(target, data);
  try {
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return stats;
}

/**
 * Creates `target` with `data` only if nothing exists there yet, atomically across processes:
 * the complete temp file is hard-linked to the target (link fails with EEXIST when it is taken).
 * Returns undefined when the target already exists.
 */
export async function createFileExclusive(
  target: string,
  data: string | Buffer,
): Promise<Stats | undefined> {
  const [tmp, stats] = await writeTemp(target, data);
  try {
    await link(tmp, target);
    return stats;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw err;
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Removes a file; false when there was none. */
export async function removeFile(path: string): Promise<boolean> {
  try {
    await rm(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
