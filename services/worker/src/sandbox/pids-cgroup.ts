/**
 * A pids cgroup per sandboxed environment, where this process may make one (ADR 0029): the one
 * bound on processes and threads that holds for every uid, root included. RLIMIT_NPROC, set
 * inside the sandbox's user namespace, bounds an unprivileged user's sandbox on its own, but the
 * kernel never applies it to tasks whose real uid is the host's root; a `pids.max` does.
 *
 * Invariants:
 * - Groups are made beside this process, in its own cgroup (`/proc/self/cgroup`): the `pids`
 *   hierarchy of cgroup v1, or its cgroup v2 folder with `+pids` in `cgroup.subtree_control`
 *   (pids is a threaded controller, so the folder may keep its own processes).
 * - `detect` tries once and answers undefined when any step is refused (read-only cgroupfs, no
 *   delegation): the caller then relies on RLIMIT_NPROC alone.
 * - A group is removed once its processes are gone (rmdir retried while the kernel still counts
 *   exiting tasks). Groups named for a process that no longer runs (`lamina-<pid>-<n>`, left by a
 *   killed `lamina dev`) are removed at the next detection.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { rmdir } from 'node:fs/promises';
import path from 'node:path';

const CGROUP_ROOT = '/sys/fs/cgroup';

/** One environment's group: write a pid to `procsFile` to put that process (and its children) in. */
export interface PidsGroup {
  readonly procsFile: string;
  remove(): Promise<void>;
  removeNow(): void;
}

/** Where this process may make pids groups. */
export class PidsCgroups {
  private next = 0;

  private constructor(private readonly parent: string) {}

  /** The place for groups, or undefined when this process cannot make them. */
  static detect(): PidsCgroups | undefined {
    try {
      const parent = ownPidsFolder();
      if (parent === undefined) return undefined;
      removeStale(parent);
      const probe = new PidsCgroups(parent).create(1);
      probe.removeNow();
      return new PidsCgroups(parent);
    } catch {
      return undefined;
    }
  }

  /** A new group limited to `maxTasks` processes and threads. */
  create(maxTasks: number): PidsGroup {
    this.next += 1;
    const dir = path.join(this.parent, `lamina-${String(process.pid)}-${String(this.next)}`);
    mkdirSync(dir);
    try {
      writeFileSync(path.join(dir, 'pids.max'), String(maxTasks));
    } catch (err) {
      rmdirSync(dir);
      throw err;
    }
    return {
      procsFile: path.join(dir, 'cgroup.procs'),
      remove: () => removeWhenEmpty(dir),
      removeNow: () => {
        try {
          rmdirSync(dir);
        } catch {
          // Still has tasks: left for the kernel to empty; a later start cannot reuse the name.
        }
      },
    };
  }
}

async function removeWhenEmpty(dir: string): Promise<void> {
  for (let i = 0; i < 40; i += 1) {
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** This process's folder in the pids hierarchy (v1) or in the unified one (v2, pids enabled). */
function ownPidsFolder(): string | undefined {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  const v1 = lines.map((l) => l.split(':')).find((f) => f[1]?.split(',').includes('pids'));
  if (v1?.[2] !== undefined && existsSync(path.join(CGROUP_ROOT, 'pids'))) {
    return path.join(CGROUP_ROOT, 'pids', v1[2]);
  }
  const v2 = lines.find((l) => l.startsWith('0::'));
  if (v2 === undefined || !existsSync(path.join(CGROUP_ROOT, 'cgroup.controllers'))) {
    return undefined;
  }
  const own = path.join(CGROUP_ROOT, v2.slice(3));
  const enabled = readFileSync(path.join(own, 'cgroup.subtree_control'), 'utf8');
  if (!enabled.split(/\s+/).includes('pids')) {
    writeFileSync(path.join(own, 'cgroup.subtree_control'), '+pids');
  }
  return own;
}

/** Removes empty groups of processes that no longer run. */
function removeStale(parent: string): void {
  for (const name of readdirSync(parent)) {
    const owner = /^lamina-(\d+)-\d+$/.exec(name)?.[1];
    if (owner === undefined || existsSync(`/proc/${owner}`)) continue;
    try {
      rmdirSync(path.join(parent, name));
    } catch {
      // Still has tasks, or not ours to remove.
    }
  }
}
