import { existsSync } from 'node:fs';
import type { FunctionVersionConfig } from '@lamina/core';
import { GENERIC_TMP_MB, GenericRuntime } from './generic-runtime.js';
import type { Placements } from './sandbox/runtime-placement.js';
import { runtimeDirOf, runtimePathsOf, spawnCommandOf } from './runtime-command.js';
import { startTimeConflict } from './start-time-variables.js';
import type { RuntimeCommand, WorkerLogger } from './types.js';

export interface GenericPoolOptions {
  readonly logger: WorkerLogger;
  /** Runtime id → how many generic runtimes to keep started, and how to start one. */
  readonly runtimes: ReadonlyMap<string, GenericRuntimeSpec>;
  readonly tmpRoot?: string;
  readonly placements?: Placements;
  readonly baseEnv: Readonly<Record<string, string>>;
  /** A generic runtime not parked on its specialization within this long is replaced. */
  readonly bootTimeoutMs?: number;
  /** First delay before replacing a runtime that failed to boot; doubles per failure, ≤ 30 s. */
  readonly retryDelayMs?: number;
}

export interface GenericRuntimeSpec {
  readonly size: number;
  readonly command: readonly string[];
  readonly runtimeDir: string;
  readonly runtimePaths: readonly string[];
  readonly rootfs?: string;
}

interface Slot {
  readonly spec: GenericRuntimeSpec;
  readonly free: Set<GenericRuntime>;
  failures: number;
  retry: NodeJS.Timeout | undefined;
}

const MAX_RETRY_MS = 30_000;

/**
 * Pre-warmed generic runtimes per runtime id (ADR 0019). The pool starts `size` of each at once
 * and keeps that many: one taken by a cold call, or one that dies, is replaced in the background.
 * A runtime that dies or does not park on its specialization request within the boot timeout
 * counts as a boot failure, and replacements then wait with a doubling delay, so a broken runtime
 * command never spins. `take` prefers booted runtimes over booting ones (a booting one is still
 * ahead of a fresh spawn).
 */
export class GenericPool {
  private readonly opts: GenericPoolOptions;
  private readonly slots = new Map<string, Slot>();
  private readonly bootTimers = new Map<GenericRuntime, NodeJS.Timeout>();
  private closed = false;

  constructor(options: GenericPoolOptions) {
    this.opts = options;
    for (const [id, spec] of options.runtimes) {
      if (spec.size <= 0) continue;
      const slot: Slot = { spec, free: new Set(), failures: 0, retry: undefined };
      this.slots.set(id, slot);
      this.fill(id, slot);
    }
  }

  /** True when the pool keeps generic runtimes for some runtime. */
  get enabled(): boolean {
    return this.slots.size > 0;
  }

  /**
   * A generic runtime to specialise for this function, if one is free and the function can run
   * on it: none of Node.js's start-time variables changed, and its code directory exists (a
   * missing one gets the fresh spawn's Runtime.InvalidWorkingDirectory error).
   */
  claim(fn: FunctionVersionConfig): GenericRuntime | undefined {
    if (!this.slots.has(fn.runtime)) return undefined;
    const g = this.take(fn.runtime);
    if (g === undefined) return undefined;
    const conflict = startTimeConflict(g.environment, fn.environment, fn.runtime);
    // A sandbox's /tmp has the size it started with.
    const tmpFits = g.placement?.sandboxed !== true || fn.ephemeralStorage === GENERIC_TMP_MB;
    if (conflict === undefined && tmpFits && existsSync(fn.codeDir)) return g;
    this.opts.logger.debug({ fn: fn.name, conflict }, 'cold start without the generic pool');
    // Taken all the same (the pool is refilling): it is stopped like a used one.
    void g.stop();
    return undefined;
  }

  /** A live generic runtime of that runtime id, removed from the pool (which refills), if any. */
  take(runtimeId: string): GenericRuntime | undefined {
    const slot = this.slots.get(runtimeId);
    if (slot === undefined || this.closed) return undefined;
    let chosen: GenericRuntime | undefined;
    for (const g of slot.free) {
      // Still making its /tmp and server (no process yet): not claimable.
      if (!g.alive || g.process === undefined) continue;
      if (g.isReady) {
        chosen = g;
        break;
      }
      chosen ??= g;
    }
    if (chosen === undefined) return undefined;
    slot.free.delete(chosen);
    clearTimeout(this.bootTimers.get(chosen));
    this.bootTimers.delete(chosen);
    this.fill(runtimeId, slot);
    return chosen;
  }

  /** Generic runtimes currently held per runtime id (booting or ready), for tests and metrics. */
  sizes(): Record<string, number> {
    return Object.fromEntries([...this.slots].map(([id, s]) => [id, s.free.size]));
  }

  /** Process ids of the generic runtimes of that runtime id (tests and diagnostics). */
  pids(runtimeId: string): number[] {
    const free = [...(this.slots.get(runtimeId)?.free ?? [])];
    return free.flatMap((g) => (g.process?.pid === undefined ? [] : [g.process.pid]));
  }

  /** Ready (parked) generic runtimes of that runtime id. */
  readyCount(runtimeId: string): number {
    return [...(this.slots.get(runtimeId)?.free ?? [])].filter((g) => g.isReady && g.alive).length;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all: GenericRuntime[] = [];
    for (const slot of this.slots.values()) {
      clearTimeout(slot.retry);
      all.push(...slot.free);
      slot.free.clear();
    }
    for (const t of this.bootTimers.values()) clearTimeout(t);
    this.bootTimers.clear();
    await Promise.all(all.map((g) => g.stop()));
  }

  killNow(): void {
    for (const slot of this.slots.values()) for (const g of slot.free) g.killNow();
  }

  private fill(id: string, slot: Slot): void {
    while (!this.closed && slot.retry === undefined && slot.free.size < slot.spec.size) {
      this.startOne(id, slot);
    }
  }

  private startOne(id: string, slot: Slot): void {
    const g: GenericRuntime = new GenericRuntime({
      runtimeId: id,
      command: slot.spec.command,
      runtimeDir: slot.spec.runtimeDir,
      runtimePaths: slot.spec.runtimePaths,
      ...(slot.spec.rootfs !== undefined ? { rootfs: slot.spec.rootfs } : {}),
      ...(this.opts.tmpRoot !== undefined ? { tmpRoot: this.opts.tmpRoot } : {}),
      ...(this.opts.placements !== undefined ? { placements: this.opts.placements } : {}),
      baseEnv: this.opts.baseEnv,
      logger: this.opts.logger,
      onReady: () => {
        slot.failures = 0;
        clearTimeout(this.bootTimers.get(g));
        this.bootTimers.delete(g);
      },
      onGone: () => {
        this.failed(id, slot, g, 'exited');
      },
    });
    slot.free.add(g);
    const timer = setTimeout(() => {
      this.failed(id, slot, g, 'did not boot in time');
    }, this.opts.bootTimeoutMs ?? 10_000);
    timer.unref();
    this.bootTimers.set(g, timer);
    g.start().catch((err: unknown) => {
      this.failed(id, slot, g, String(err));
    });
  }

  /** A generic runtime still in the pool died or hung: drop it, refill after a delay. */
  private failed(id: string, slot: Slot, g: GenericRuntime, why: string): void {
    if (!slot.free.delete(g)) return;
    clearTimeout(this.bootTimers.get(g));
    this.bootTimers.delete(g);
    void g.stop();
    if (this.closed) return;
    slot.failures += 1;
    const delay = Math.min(
      MAX_RETRY_MS,
      (this.opts.retryDelayMs ?? 250) * 2 ** (slot.failures - 1),
    );
    this.opts.logger.warn({ runtime: id, why, retryInMs: delay }, 'generic runtime failed');
    if (slot.retry !== undefined) return;
    slot.retry = setTimeout(() => {
      slot.retry = undefined;
      this.fill(id, slot);
    }, delay);
    slot.retry.unref();
  }
}

/** The generic runtimes to keep per runtime id: specializable runtimes, default 1 each. */
export function warmPools(
  runtimes: Readonly<Record<string, RuntimeCommand>>,
  logger: WorkerLogger,
): Map<string, GenericRuntimeSpec> {
  const pools = new Map<string, GenericRuntimeSpec>();
  for (const [id, r] of Object.entries(runtimes)) {
    const size = r.warmPool ?? (r.specializable === true ? 1 : 0);
    if (size > 0 && r.specializable !== true) {
      logger.warn({ runtime: id }, 'warmPool ignored: the runtime is not specializable');
    } else if (size > 0) {
      const runtimePaths = runtimePathsOf(r);
      pools.set(id, {
        size,
        command: spawnCommandOf(r, undefined),
        runtimeDir: runtimeDirOf(r),
        runtimePaths,
        ...(r.rootfs !== undefined ? { rootfs: r.rootfs } : {}),
      });
    }
  }
  return pools;
}
