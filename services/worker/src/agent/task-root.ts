/**
 * The pod's `/var/task` (issue #17, ADR 0029): the runtime's LAMBDA_TASK_ROOT and working folder,
 * as on Lambda and in the local sandbox, wherever the agent found the code (fetched into its
 * cache by hash, or the mounted store). The pod mounts one emptyDir twice: writable for the agent
 * (`LAMINA_TASK_DIR`) and read-only at `/var/task` (`LAMINA_TASK_VIEW`), so a handler writing to
 * its task root gets EROFS, as on Lambda. The agent copies the code in (another mount than its
 * cache: hard links cannot cross it) and hands the runtime the read-only view.
 *
 * Invariants:
 * - `place(source)` empties the folder first (a restarted container finds the last copy), then
 *   fills it; the runtime is told the task root only once `place` resolved, so it never sees a
 *   partial tree. One copy per source: calls for the same source share it.
 * - A failed copy is not remembered: the next lookup tries again.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';

import { fillSlot } from '../sandbox/task-slot.js';

/** See the file comment. */
export class TaskRoot {
  private source: string | undefined;
  private placed: Promise<string> | undefined;

  /** `dir`: where the agent writes; `view`: the same folder as the runtime sees it. */
  constructor(
    private readonly dir: string,
    private readonly view: string = dir,
  ) {}

  /** Copies `source` into the task root (once per source); resolves to the runtime's view. */
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
    const old = await readdir(dir);
    await Promise.all(
      old.map((name) => rm(path.join(dir, name), { recursive: true, force: true })),
    );
    await fillSlot(source, dir);
    return this.view;
  }
}
