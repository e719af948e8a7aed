/**
 * The `/var/task` of a pre-warmed generic runtime in a sandbox (ADR 0029). A sandbox's mounts are
 * fixed when it starts, before the function is known, so a generic sandbox shows an empty host
 * folder (its slot) read-only at `/var/task`, and a cold call fills the slot with hard links to
 * the function's unpacked code: the mount shows the new entries at once.
 *
 * Invariants:
 * - The slot is filled once, before the runtime is told its function; its files are the code
 *   store's own inodes (hard links), copied only across file systems. Symlinks are recreated as
 *   they are. The sandbox sees them read-only; the code store's content never changes.
 * - The slot is removed with the environment.
 */
import { copyFile, link, mkdir, readdir, readlink, symlink } from 'node:fs/promises';
import path from 'node:path';

/** Fills `slot` (an empty folder) with `source`'s tree: hard links, copies across devices. */
export async function fillSlot(source: string, slot: string): Promise<void> {
  const entries = await readdir(source, { withFileTypes: true });
  await Promise.all(
    entries.map(async (e) => {
      const from = path.join(source, e.name);
      const to = path.join(slot, e.name);
      if (e.isDirectory()) {
        await mkdir(to);
        await fillSlot(from, to);
      } else if (e.isSymbolicLink()) {
        await symlink(await readlink(from), to);
      } else if (e.isFile()) {
        await link(from, to).catch(async (err: unknown) => {
          if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
          await copyFile(from, to);
        });
      }
    }),
  );
}
