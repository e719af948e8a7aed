/**
 * Removing one item of a content-addressed folder (the code store, the code snapshots) while
 * other processes may be writing the same content, without a lock between processes.
 *
 * Protocol (see CodeCollector for who calls it):
 * - Writers "touch" an item they reuse (set its marker's mtime to now) and write missing items
 *   as temp + rename. An item is "fresh" while its marker's mtime is at or after `before`.
 * - `reclaimContent` first moves every path of the item to a trash name (rename is atomic). From
 *   then on a writer's touch fails with ENOENT and the writer writes the item anew. If the moved
 *   marker turns out fresh (a writer touched it just before the move), everything is moved back;
 *   content addressing makes a copy written meanwhile identical, so either one may win.
 * - Two collectors removing the same item: one rename of the first path wins, the other stops.
 *
 * Invariant: an item a writer touched (or wrote) at or after `before` is never lost. Readers may
 * miss the item for the few milliseconds between a move and its undo.
 */
import { randomUUID } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const TRASH = '.trash-';
const LEFTOVER = /^\.(tmp|trash)-/;
const ALREADY_THERE = new Set(['EEXIST', 'ENOTEMPTY']);

const errno = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code;

export async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if (errno(err) === 'ENOENT') return undefined;
    throw err;
  }
}

async function moveIfThere(from: string, to: string): Promise<boolean> {
  try {
    await rename(from, to);
    return true;
  } catch (err) {
    if (errno(err) === 'ENOENT') return false;
    throw err;
  }
}

export interface ReclaimItem {
  /** Every path of the item; the first is moved first (the one concurrent collectors race on). */
  readonly paths: readonly string[];
  /** The path whose mtime says when the item was last written or touched. */
  readonly marker: string;
}

/**
 * Removes the item unless it is fresh (touched at or after `before`, epoch ms). True when this
 * call removed it.
 */
export async function reclaimContent(item: ReclaimItem, before: number): Promise<boolean> {
  const marker = await statOrUndefined(item.marker);
  if (marker !== undefined && marker.mtimeMs >= before) return false;
  const id = randomUUID();
  const moved: { from: string; to: string }[] = [];
  for (const [i, path] of item.paths.entries()) {
    const to = join(dirname(path), `${TRASH}${basename(path)}-${id}`);
    if (await moveIfThere(path, to)) moved.push({ from: path, to });
    // Another collector took the first path: the item is theirs to finish.
    else if (i === 0) return false;
  }
  const movedMarker = moved.find((m) => m.from === item.marker);
  const touched = movedMarker === undefined ? undefined : await statOrUndefined(movedMarker.to);
  if (touched !== undefined && touched.mtimeMs >= before) {
    for (const m of moved) {
      try {
        await rename(m.to, m.from);
      } catch (err) {
        // A writer put an identical copy back meanwhile: keep theirs.
        if (!ALREADY_THERE.has(errno(err) ?? '')) throw err;
      }
    }
    await Promise.all(moved.map((m) => rm(m.to, { recursive: true, force: true })));
    return false;
  }
  await Promise.all(moved.map((m) => rm(m.to, { recursive: true, force: true })));
  return moved.length > 0;
}

/** Removes temp and trash leftovers of `root` (crashed writers or collectors) older than `before`. */
export async function removeLeftovers(root: string, before: number): Promise<void> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch (err) {
    if (errno(err) === 'ENOENT') return;
    throw err;
  }
  for (const name of names) {
    if (!LEFTOVER.test(name)) continue;
    const path = join(root, name);
    const st = await lstat(path).catch(() => undefined);
    if (st !== undefined && st.mtimeMs < before) await rm(path, { recursive: true, force: true });
  }
}
