/**
 * Local mode's bubblewrap sandboxes (ADR 0029, issue #17): each execution environment's runtime
 * runs with Lambda's filesystem (`/var/task`, `/opt`, a `/tmp` of the function's ephemeral
 * storage) and limits (1,024 open files, 1,024 processes and threads), and sees nothing else of
 * the host but its system folders and its own files. `detect` decides once whether bubblewrap
 * can run here; the caller falls back to plain processes (`PlainPlacements`) when it cannot.
 *
 * Invariants:
 * - Only what `bwrap-args.ts` lets in is visible; the host layout is read once, at detection.
 * - Where a pids cgroup can be made (`pids-cgroup.ts`) the runtime's bubblewrap starts inside its
 *   own group (a shell writes its pid into the group, then execs bwrap), so every task of the
 *   sandbox is counted from the first one.
 * - A runtime with a root filesystem of its own (`rootfs`: a whole root, e.g. exported from its
 *   runtime image by runtimes/images/export-rootfs.sh) sees that root read-only instead of the
 *   host's system folders; only the host's resolver files go in, so names resolve the same way.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { bwrapArgs, type SystemEntry } from './bwrap-args.js';
import { PidsCgroups, type PidsGroup } from './pids-cgroup.js';
import { fillSlot } from './task-slot.js';
import type { PlacementRequest, Placements, RuntimePlacement } from './runtime-placement.js';
import type { WorkerLogger } from '../types.js';

/** Lambda's limits inside every environment (reference: quotas). */
export const SANDBOX_LIMITS = { openFiles: 1024, processes: 1024 } as const;

const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
/** Of the host's /etc: name resolution, TLS roots, the dynamic linker's cache, JDK config. */
const ETC_ENTRIES = [
  'resolv.conf',
  'hosts',
  'nsswitch.conf',
  'host.conf',
  'ssl',
  'ca-certificates',
  'ca-certificates.conf',
  'pki',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'alternatives',
  'passwd',
  'group',
  'localtime',
  'mime.types',
];
const RESOLVER_FILES = ['resolv.conf', 'hosts', 'nsswitch.conf'];
const INFO_FD = 3;

export interface SandboxDetectOptions {
  readonly logger: WorkerLogger;
  /** Where generic runtimes' task slots go: on the code store's file system (hard links). */
  readonly scratchRoot: string;
  /** The bubblewrap executable; default `bwrap` on PATH. */
  readonly bwrap?: string;
  /** Host folders standing for `/` (tests); default the real root. */
  readonly hostRoot?: string;
}

/** Lambda's filesystem and limits around each runtime; see the file comment. */
export class Sandbox implements Placements {
  private constructor(
    private readonly bwrap: string,
    private readonly scratchRoot: string,
    private readonly hostSystem: readonly SystemEntry[],
    private readonly pids: PidsCgroups | undefined,
  ) {
    this.resolverFiles = hostSystem.filter((e) =>
      RESOLVER_FILES.some((f) => e.path === `/etc/${f}`),
    );
  }

  private readonly resolverFiles: readonly SystemEntry[];

  /**
   * A sandbox when bubblewrap runs here (it needs user namespaces); otherwise undefined, and one
   * warning saying why and that environments run as plain processes.
   */
  static detect(o: SandboxDetectOptions): Sandbox | undefined {
    const bwrap = o.bwrap ?? 'bwrap';
    const probe = spawnSync(
      bwrap,
      ['--unshare-all', '--share-net', '--ro-bind', '/', '/', '--', '/bin/true'],
      { encoding: 'utf8', timeout: 10_000 },
    );
    if (probe.status !== 0) {
      const why = probe.error?.message ?? probe.stderr.trim();
      o.logger.warn(
        { bwrap, why },
        'bubblewrap cannot run here (is the bubblewrap package installed, are user namespaces ' +
          'allowed?): execution environments run as plain processes, without Lambda filesystem ' +
          'and limits',
      );
      return undefined;
    }
    mkdirSync(o.scratchRoot, { recursive: true });
    const pids = PidsCgroups.detect();
    if (pids === undefined && process.getuid?.() === 0) {
      // The kernel never applies RLIMIT_NPROC to the host's root: only a pids cgroup bounds it.
      o.logger.warn({}, 'running as root without a writable pids cgroup: processes are unbounded');
    }
    o.logger.info(
      { pidsCgroup: pids !== undefined },
      'execution environments run in bubblewrap sandboxes',
    );
    return new Sandbox(bwrap, o.scratchRoot, systemEntries(o.hostRoot ?? '/'), pids);
  }

  async place(request: PlacementRequest): Promise<RuntimePlacement> {
    const slot =
      request.codeDir === undefined
        ? await mkdtemp(path.join(this.scratchRoot, 'task-'))
        : undefined;
    let group: PidsGroup | undefined;
    try {
      group = this.pids?.create(SANDBOX_LIMITS.processes);
    } catch {
      group = undefined; // e.g. the parent group was removed: RLIMIT_NPROC still applies.
    }
    const args = bwrapArgs({
      ...(request.rootfs === undefined ? {} : { rootfs: request.rootfs }),
      system: request.rootfs === undefined ? this.hostSystem : this.resolverFiles,
      taskDir: request.codeDir ?? slot ?? '',
      ...(request.optDir === undefined ? {} : { optDir: request.optDir }),
      tmpSizeMb: request.tmpSizeMb,
      runtimePaths: request.runtimePaths.filter((p) => existsSync(p)),
      maxOpenFiles: SANDBOX_LIMITS.openFiles,
      maxProcesses: SANDBOX_LIMITS.processes,
      infoFd: INFO_FD,
      command: request.command,
    });
    const command =
      group === undefined
        ? [this.bwrap, ...args]
        : ['/bin/sh', '-c', 'echo $$ > "$0" && exec "$@"', group.procsFile, this.bwrap, ...args];
    let released: Promise<void> | undefined;
    return {
      sandboxed: true,
      command,
      cwd: '/',
      tmpDir: '/tmp',
      optDir: request.optDir === undefined ? undefined : '/opt',
      taskRootFor: () => '/var/task',
      provideTask: (codeDir) => (slot === undefined ? Promise.resolve() : fillSlot(codeDir, slot)),
      release: () =>
        (released ??= (async () => {
          await group?.remove();
          if (slot !== undefined) await rm(slot, { recursive: true, force: true });
        })()),
      releaseNow: () => {
        group?.removeNow();
        if (slot !== undefined) rmSync(slot, { recursive: true, force: true });
      },
    };
  }
}

/** The host's system folders as they are (folder or symlink), and the chosen files of /etc. */
function systemEntries(root: string): SystemEntry[] {
  const entries: SystemEntry[] = [];
  for (const p of SYSTEM_DIRS) {
    const host = path.join(root, p);
    try {
      const st = lstatSync(host);
      if (st.isSymbolicLink()) entries.push({ path: p, symlinkTo: readlinkSync(host) });
      else if (st.isDirectory()) entries.push({ path: p, source: host });
    } catch {
      // Not on this host.
    }
  }
  const etc = path.join(root, 'etc');
  const javaConfig = safeReaddir(etc).filter((n) => n.startsWith('java-'));
  for (const name of [...ETC_ENTRIES, ...javaConfig]) {
    if (existsSync(path.join(etc, name))) {
      entries.push({ path: `/etc/${name}`, source: path.join(etc, name) });
    }
  }
  return entries;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
