/**
 * The runtime of a container-image function's pod (ADR 0028): the function's image runs in its
 * own container of the same pod, with its own ENTRYPOINT/CMD, and its runtime interface client
 * calls this agent's Runtime API on 127.0.0.1. The agent starts nothing, so this handle only
 * stands for that container: it has no pid or memory the agent can read (the container's memory
 * limit is the kernel's to enforce), and killing it resets the container.
 *
 * Invariants: `kill()` calls `reset` once per runtime; nothing else here touches a process.
 */
import { performance } from 'node:perf_hooks';

import type { RuntimeHandle } from '../runtime-process.js';

export class ExternalRuntime implements RuntimeHandle {
  readonly spawnedAt = performance.now();
  readonly pid = undefined;
  readonly exit = undefined;
  private killed = false;

  /** `reset` ends the function container's processes (the kubelet starts it again). */
  constructor(private readonly reset: () => void) {}

  memory(): undefined {
    return undefined;
  }

  killAboveMemory(): undefined {
    return undefined;
  }

  kill(): void {
    if (this.killed) return;
    this.killed = true;
    this.reset();
  }

  stop(): Promise<void> {
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
