/**
 * The bubblewrap command line of one local execution environment (ADR 0029): Lambda's
 * filesystem built from nothing, with only what the runtime needs let in. Pure: the host's
 * layout and the environment's folders come in, the arguments go out.
 *
 * Invariants:
 * - The root is an empty tmpfs, or a runtime's own root filesystem (read-only): nothing of the
 *   host is visible unless named here: the system folders (`/usr`, `/lib*`, `/bin`, `/sbin`, as
 *   the host has them), a few files of `/etc`, the runtime's own files at their host paths, the
 *   code at `/var/task`, the layers at `/opt`. All of these are read-only; only `/tmp` (a tmpfs of
 *   the function's ephemeral storage size) is writable.
 * - Every namespace is new except the network one: the Runtime API is on the host's loopback.
 *   The sandbox dies with the process that started it (`--die-with-parent`), and with a new PID
 *   namespace every process the function started dies with the runtime.
 * - The runtime starts through `/bin/sh` inside the sandbox, which lowers RLIMIT_NOFILE and
 *   RLIMIT_NPROC to Lambda's 1,024 and then `exec`s the command: the limits are set inside the
 *   sandbox's own user namespace, where the kernel counts RLIMIT_NPROC per namespace and uid.
 */

/** A system folder of the host (or of a runtime root filesystem): a folder or a symlink. */
export interface SystemEntry {
  /** The path inside the sandbox, e.g. `/lib`. */
  readonly path: string;
  /** Bind this host folder read-only at `path`; absent when `symlinkTo` is set. */
  readonly source?: string;
  /** Make `path` a symlink to this target (e.g. `usr/lib`), as merged-/usr systems have. */
  readonly symlinkTo?: string;
}

export interface BwrapPlan {
  /** A runtime root filesystem shown read-only as `/` (it has /var/task, /opt, /tmp); absent: none. */
  readonly rootfs?: string;
  /** Folders of the system (`/usr`, `/lib` …) and of `/etc` to let in, in order. */
  readonly system: readonly SystemEntry[];
  /** Host folder shown read-only at /var/task. */
  readonly taskDir: string;
  /** Host folder shown read-only at /opt; absent: an empty /opt. */
  readonly optDir?: string;
  /** Size of the private /tmp, in MB (the function's EphemeralStorage). */
  readonly tmpSizeMb: number;
  /** Host paths the runtime needs, shown read-only at the same paths (its binary, its client). */
  readonly runtimePaths: readonly string[];
  /** Lambda's limits for open files and for processes/threads. */
  readonly maxOpenFiles: number;
  readonly maxProcesses: number;
  /** File descriptor bwrap writes `{"child-pid": N}` to. */
  readonly infoFd: number;
  /** The runtime's executable and arguments (resolved inside the sandbox). */
  readonly command: readonly string[];
}

/**
 * Lowers the limits, then runs the command as the same process. `ulimit -u` is bash's flag and
 * `-p` dash's: whichever shell the root has.
 */
const LIMITS_SCRIPT =
  'ulimit -n "$1" && { ulimit -u "$2" 2>/dev/null || ulimit -p "$2"; } && shift 2 && exec "$@"';

/** The arguments after `bwrap`. */
export function bwrapArgs(plan: BwrapPlan): string[] {
  const args = [
    ...(plan.rootfs === undefined ? [] : ['--ro-bind', plan.rootfs, '/']),
    '--die-with-parent',
    '--new-session',
    '--unshare-all',
    '--share-net',
    '--hostname',
    'localhost',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
  ];
  for (const e of plan.system) {
    if (e.symlinkTo !== undefined) args.push('--symlink', e.symlinkTo, e.path);
    else if (e.source !== undefined) args.push('--ro-bind-try', e.source, e.path);
  }
  for (const p of plan.runtimePaths) args.push('--ro-bind', p, p);
  args.push('--size', String(plan.tmpSizeMb * 1024 * 1024), '--tmpfs', '/tmp');
  args.push('--ro-bind', plan.taskDir, '/var/task');
  if (plan.optDir !== undefined) args.push('--ro-bind', plan.optDir, '/opt');
  else args.push('--dir', '/opt');
  args.push('--chdir', '/var/task', '--info-fd', String(plan.infoFd));
  args.push('--', '/bin/sh', '-c', LIMITS_SCRIPT, 'sh');
  args.push(String(plan.maxOpenFiles), String(plan.maxProcesses), ...plan.command);
  return args;
}
