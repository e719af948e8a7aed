/**
 * Where a runtime process lives and how it is started (ADR 0029): either a plain child process
 * (its code at the code store's path, a private TMPDIR made on the host), or a bubblewrap sandbox
 * (Lambda's `/var/task`, `/opt`, `/tmp`). `ExecutionEnvironment` and `GenericRuntime` ask a
 * placement for the paths the runtime sees and the command to spawn, and release it once the
 * process is gone; neither knows which kind it holds.
 *
 * Invariants:
 * - The paths are as the runtime sees them: the sandbox's fixed ones, or the host's.
 * - `release` runs after the process is gone and removes everything the placement made;
 *   `releaseNow` is its synchronous last resort on process exit. Both are idempotent.
 */
import { accessSync, constants, existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface RuntimePlacement {
  /** True inside a sandbox: the spawned process is bubblewrap (see runtime-process.ts). */
  readonly sandboxed: boolean;
  /** The executable and arguments to spawn, and the host folder to spawn them in. */
  readonly command: readonly string[];
  readonly cwd: string;
  /** TMPDIR as the runtime sees it. */
  readonly tmpDir: string;
  /** The `/opt` folder as the runtime sees it; undefined when the function has no layers. */
  readonly optDir: string | undefined;
  /** The nice value the runtime (and all it starts) runs at; undefined: the spawner's own. */
  readonly niceness?: number;
  /** LAMBDA_TASK_ROOT as the runtime sees it, for code unpacked at `codeDir` on the host. */
  taskRootFor(codeDir: string): string;
  /** A generic runtime's code arrives: make `codeDir` its task root (a no-op outside a sandbox). */
  provideTask(codeDir: string): Promise<void>;
  release(): Promise<void>;
  releaseNow(): void;
}

/** What a placement is asked for. */
export interface PlacementRequest {
  /** The runtime's executable and arguments (host paths; a sandbox shows them at the same paths). */
  readonly command: readonly string[];
  /** Host paths the runtime needs inside a sandbox (its interpreter, its client). */
  readonly runtimePaths: readonly string[];
  /** The function's unpacked code; absent for a generic runtime, whose code comes later. */
  readonly codeDir?: string;
  /** The host folder holding the merged layers; absent: none. */
  readonly optDir?: string;
  /** The function's EphemeralStorage in MB (the sandbox's /tmp). */
  readonly tmpSizeMb: number;
  /** A root filesystem of the runtime's own, replacing the host's system folders; absent: host's. */
  readonly rootfs?: string;
}

/** Makes placements; `Sandbox` (sandbox.ts) or `PlainPlacements`. */
export interface Placements {
  place(request: PlacementRequest): Promise<RuntimePlacement>;
}

/**
 * The nice value of a worker pod's runtime (ADR 0029): the lowest priority, so the agent beside
 * it — same container, same CPU quota — still runs when the runtime's processes fill the pod's
 * pids limit and all want the CPU (a fork bomb), and can answer, kill them and start the next
 * environment. A process may always lower its children's priority; raising it back is refused.
 */
export const POD_RUNTIME_NICENESS = 19;

/**
 * The command a plain runtime of `lamina dev` starts through so that it ends with the platform
 * even when the platform is killed outright (SIGKILL, the OOM killer): `setpriv --pdeathsig KILL`
 * (util-linux) where it exists, nothing elsewhere. A sandboxed runtime has bwrap's
 * --die-with-parent; a pod's runtime ends with its pod. Without it, a runtime in a process group
 * of its own (runtime-process.ts) outlives a killed `lamina dev`: a shell `bootstrap` that loops
 * on `/next` spins on the lost Runtime API forever (seen).
 */
export function endWithParentLauncher(): readonly string[] {
  if (process.platform !== 'linux') return [];
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
  return setpriv === undefined ? [] : [setpriv, '--pdeathsig', 'KILL', '--'];
}

/** A path (with a `/`) that names an executable file, or a name for the PATH search. */
function startable(command: string | undefined, cwd: string): boolean {
  if (command === undefined) return false;
  if (!command.includes('/')) return true;
  try {
    accessSync(path.resolve(cwd, command), constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Plain child processes: a private TMPDIR under `tmpRoot`, the host's paths as they are; with
 * `maxOpenFiles`, the command starts through `/bin/sh`, which lowers RLIMIT_NOFILE first; with
 * `niceness`, the runtime runs at that nice value (a worker pod's runtime, ADR 0029); with a
 * `launcher`, the command starts through it (`endWithParentLauncher`, which execs the runtime:
 * the pid is the runtime's).
 */
export class PlainPlacements implements Placements {
  constructor(
    private readonly tmpRoot: string = tmpdir(),
    private readonly maxOpenFiles?: number,
    private readonly niceness?: number,
    private readonly launcher: readonly string[] = [],
  ) {}

  async place(request: PlacementRequest): Promise<RuntimePlacement> {
    const tmpDir = await mkdtemp(path.join(this.tmpRoot, 'lamina-env-'));
    const cwd = request.codeDir ?? tmpDir;
    // A command that cannot start is spawned as it is: its ENOENT is Runtime.InvalidEntrypoint.
    const launcher = startable(request.command[0], cwd) ? this.launcher : [];
    return {
      sandboxed: false,
      command: [
        ...launcher,
        ...(this.maxOpenFiles === undefined
          ? request.command
          : [
              '/bin/sh',
              '-c',
              'ulimit -n "$0" && exec "$@"',
              String(this.maxOpenFiles),
              ...request.command,
            ]),
      ],
      cwd,
      tmpDir,
      optDir: request.optDir,
      ...(this.niceness === undefined ? {} : { niceness: this.niceness }),
      taskRootFor: (codeDir) => codeDir,
      provideTask: () => Promise.resolve(),
      release: () => rm(tmpDir, { recursive: true, force: true }),
      releaseNow: () => {
        rmSync(tmpDir, { recursive: true, force: true });
      },
    };
  }
}
