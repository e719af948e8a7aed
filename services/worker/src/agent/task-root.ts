/**
 * The pod's `/var/task` (issue #17, ADR 0029): the runtime's LAMBDA_TASK_ROOT and working folder,
 * as on Lambda and in the local sandbox, wherever the agent found the code (fetched into its
 * cache by hash, or the mounted store). The pod mounts an emptyDir there (`LAMINA_TASK_DIR`); the
 * agent copies the code into it (another mount: hard links cannot cross it) and takes the write
 * bits away, so a handler writing to `/var/task` fails as on Lambda (EACCES here, EROFS there).
 *
 * Invariants:
 * - `place(source)` empties the folder first (a restarted container finds the last copy), then
 *   fills it; the runtime is told the task root only once `place` resolved, so it never sees a
 *   partial tree. One copy per source: calls for the same source share it.
 * - A failed copy is not remembered: the next lookup tries again.
 */
import { chmod, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

import { fillSlot } from '../sandbox/task-slot.js';

/** Applies `mode(old)` to `dir`'s tree: directories before (`first`) or after their entries. */
async function chmodTree(
  dir: string,
  mode: (old: number) => number,
  first: boolean,
): Promise<void> {
  const setMode = async (p: string): Promise<void> => {
    await chmod(p, mode((await stat(p)).mode & 0o7777));
  };
  if (first) await setMode(dir);
  const entries = await readdir(dir, { withFileTypes: true });
  await Promise.all(
    entries.map(async (e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await chmodTree(p, mode, first);
      else if (e.isFile()) await setMode(p);
    }),
  );
  if (!first) await setMode(dir);
}

const WRITE_BITS = 0o222;

/** See the file comment. */
export class TaskRoot {
  private source: string | undefined;
  private placed: Promise<string> | undefined;

  constructor(private readonly dir: string) {}

  /** Copies `source` into the task root (once per source); resolves to the task root. */
  place(source: string): Promise<string> {
    if (this.placed !== undefined && this.source === source) return this.placed;
    this.source = source;
    const placed = this.copy(source);
    this.placed = placed;
    placed.catch(() => {
      if (this.placed === placed) this.placed = undefined;
    });
    return placed;
  }

  private async copy(source: string): Promise<string> {
    const { dir } = this;
    // The folder itself is the mount point (not ours to chmod); its entries are.
    await this.eachEntry(async (p, isDir) => {
      if (isDir) await chmodTree(p, (m) => m | 0o700, true);
      await rm(p, { recursive: true, force: true });
    });
    await fillSlot(source, dir);
    await this.eachEntry(async (p, isDir, isFile) => {
      if (isDir) await chmodTree(p, (m) => m & ~WRITE_BITS, false);
      else if (isFile) await chmod(p, (await stat(p)).mode & 0o7777 & ~WRITE_BITS);
    });
    return dir;
  }

  private async eachEntry(
    f: (p: string, isDir: boolean, isFile: boolean) => Promise<void>,
  ): Promise<void> {
    const entries = await readdir(this.dir, { withFileTypes: true });
    await Promise.all(
      entries.map((e) => f(path.join(this.dir, e.name), e.isDirectory(), e.isFile())),
    );
  }
}
