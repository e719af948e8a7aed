/**
 * The runtime of a container-image function's pod (ADR 0028): the function's image runs in its
 * own container of the same pod, with its own ENTRYPOINT/CMD, and its runtime interface client
 * calls this agent's Runtime API on 127.0.0.1. The agent starts nothing, so this handle only
 * stands for that container: it has no pid or memory the agent can read (the container's memory
 * limit is the kernel's to enforce), and killing it resets the container.
 *
 * Its end is seen in the pod's shared PID namespace (`ContainerWatch`): the processes that are
 * neither the pause process (pid 1) nor in the agent's own cgroup are the function container's;
 * once some were seen and then none are, the container stopped (a crash mid-call), and the
 * environment reports `Runtime.ExitError` at once instead of waiting for the timeout. The exit
 * status belongs to the container runtime, so the end reads as an exit without a reason.
 *
 * Invariants: `kill()` calls `reset` once per runtime; `onGone` is called at most once, never
 * after `kill()` or `stop()`; nothing else here touches a process.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import path from 'node:path';

import type { ExitHow } from '../function-errors.js';
import type { RuntimeHandle } from '../runtime-process.js';

export interface ContainerWatchOptions {
  readonly onGone: (how: ExitHow) => void;
  /** Default `/proc`. */
  readonly procDir?: string;
  /** Default this process's pid. */
  readonly selfPid?: number;
  /** Default 200 ms. */
  readonly intervalMs?: number;
}

function readOr(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Counts the function container's processes every `intervalMs`; see the file comment. */
export class ContainerWatch {
  private readonly timer: NodeJS.Timeout;
  private seen = false;
  private done = false;
  private readonly own: string | undefined;

  constructor(private readonly o: ContainerWatchOptions) {
    this.own = readOr(path.join(this.procDir, String(this.selfPid), 'cgroup'));
    this.timer = setInterval(() => {
      this.check();
    }, o.intervalMs ?? 200);
    this.timer.unref();
  }

  private get procDir(): string {
    return this.o.procDir ?? '/proc';
  }

  private get selfPid(): number {
    return this.o.selfPid ?? process.pid;
  }

  /** The function container's processes now. */
  foreign(): number {
    let n = 0;
    let names: string[];
    try {
      names = readdirSync(this.procDir);
    } catch {
      return 0;
    }
    for (const name of names) {
      if (!/^\d+$/.test(name) || name === '1' || name === String(this.selfPid)) continue;
      const cgroup = readOr(path.join(this.procDir, name, 'cgroup'));
      if (cgroup !== undefined && cgroup !== this.own) n++;
    }
    return n;
  }

  check(): void {
    if (this.own === undefined || this.done) return;
    const n = this.foreign();
    if (n > 0) this.seen = true;
    else if (this.seen) {
      this.stop();
      this.o.onGone({});
    }
  }

  stop(): void {
    this.done = true;
    clearInterval(this.timer);
  }
}

export class ExternalRuntime implements RuntimeHandle {
  readonly spawnedAt = performance.now();
  readonly pid = undefined;
  private killed = false;
  private ended: ExitHow | undefined;
  private readonly watch: ContainerWatch | undefined;

  /**
   * `reset` ends the function container's processes (the kubelet starts it again); `onGone`, if
   * given, hears of the container's end (`ContainerWatch`).
   */
  constructor(
    private readonly reset: () => void,
    onGone?: (how: ExitHow) => void,
    watch: Omit<ContainerWatchOptions, 'onGone'> = {},
  ) {
    if (onGone !== undefined) {
      this.watch = new ContainerWatch({
        ...watch,
        onGone: (how) => {
          if (this.killed) return;
          this.ended = how;
          onGone(how);
        },
      });
    }
  }

  get exit(): ExitHow | undefined {
    return this.ended;
  }

  memory(): undefined {
    return undefined;
  }

  killAboveMemory(): undefined {
    return undefined;
  }

  kill(): void {
    if (this.killed) return;
    this.killed = true;
    this.watch?.stop();
    this.reset();
  }

  stop(): Promise<void> {
    this.watch?.stop();
    return Promise.resolve();
  }
}

/**
 * The pod's reset: SIGKILL to every process this user may signal but itself (`kill(-1)`). The
 * pod shares one process namespace and both containers run as the pod's user, so that is the
 * function container's processes (the pause process is another user's); the agent has no
 * children in this mode.
 */
export function killOtherProcesses(): void {
  try {
    process.kill(-1, 'SIGKILL');
  } catch {
    // ESRCH: nothing else runs (the function container is already restarting).
  }
}

/**
 * A zip function's pod after an environment ended (`LAMINA_KILL_STRAYS`): `kill(-1)` until
 * nothing else is left (ESRCH), so what the function started — a fork bomb forking while it is
 * killed included — is gone before the next environment starts. The pod's shared PID namespace
 * makes the pause container their reaper; signalled zombies count until it has reaped them.
 * Bounded: at most `rounds` tries `intervalMs` apart. Returns the tries that signalled something.
 */
export async function killStrays(rounds = 100, intervalMs = 20): Promise<number> {
  for (let i = 0; i < rounds; i++) {
    try {
      process.kill(-1, 'SIGKILL');
    } catch {
      return i;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return rounds;
}
