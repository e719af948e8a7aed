/**
 * The runtime a generic worker pod starts before it knows its function (ADR 0019, "Cluster
 * mode"): one `GenericRuntime` (the pod's own Runtime API server, private /tmp, the image's
 * parked bootstrap), booted while the pod waits in the pool, so a specialisation hands it the
 * function's environment and task root instead of spawning a runtime then.
 *
 * Invariants: started once, never restarted (a pod that lost it spawns fresh, as before); taken
 * at most once, and only for a function it can serve unchanged — no layers (its module search
 * paths were fixed at start) and none of Node.js's start-time variables changed; a refused
 * function stops it, so nothing booted for the pool outlives the specialisation. `settled` turns
 * true once it is parked or gone (boot failure, exit, or not parked within the boot timeout):
 * until then the pod is not ready, so a claim never races the boot.
 */
import type { FunctionVersionConfig } from '@lamina/core';

import { GenericRuntime } from '../generic-runtime.js';
import { PlainPlacements, POD_RUNTIME_NICENESS } from '../sandbox/runtime-placement.js';
import { SANDBOX_LIMITS } from '../sandbox/sandbox.js';
import { startTimeConflict } from '../start-time-variables.js';
import type { WorkerLogger } from '../types.js';

export interface ParkedRuntimeOptions {
  /** The image's parked bootstrap (`LAMINA_PARKED_BOOTSTRAP`), with its arguments. */
  readonly command: readonly string[];
  /** LAMBDA_RUNTIME_DIR, as a fresh spawn of the image's bootstrap has it. */
  readonly runtimeDir: string;
  readonly baseEnv: Readonly<Record<string, string>>;
  readonly logger: WorkerLogger;
  readonly tmpRoot?: string;
  /** Not parked within this long: given up (the pod spawns fresh). Default 30 s. */
  readonly bootTimeoutMs?: number;
}

type State = 'booting' | 'parked' | 'gone' | 'taken';

/** See the file comment. */
export class ParkedRuntime {
  private readonly o: ParkedRuntimeOptions;
  private readonly runtime: GenericRuntime;
  private state: State = 'booting';
  private bootTimer: NodeJS.Timeout | undefined;
  private readonly startedAt = performance.now();

  constructor(options: ParkedRuntimeOptions) {
    this.o = options;
    this.runtime = new GenericRuntime({
      runtimeId: 'parked',
      command: options.command,
      runtimeDir: options.runtimeDir,
      baseEnv: options.baseEnv,
      logger: options.logger,
      // A pod's runtime gets Lambda's 1,024 open files, parked or spawned, at the
      // lowest priority so the agent outruns a fork bomb (ADR 0029).
      placements: new PlainPlacements(
        options.tmpRoot,
        SANDBOX_LIMITS.openFiles,
        POD_RUNTIME_NICENESS,
      ),
      runtimePaths: [],
      onReady: () => {
        if (this.state !== 'booting') return;
        clearTimeout(this.bootTimer);
        this.state = 'parked';
        this.o.logger.info(
          { bootMs: Math.round(performance.now() - this.startedAt) },
          'runtime parked: waiting for a function',
        );
      },
      onGone: () => {
        this.giveUp('the parked runtime exited');
      },
    });
  }

  /** Parked, or given up: the pod may turn ready either way. */
  get settled(): boolean {
    return this.state !== 'booting';
  }

  /** True while a booted runtime waits for its function. */
  get parked(): boolean {
    return this.state === 'parked' && this.runtime.alive;
  }

  /** Starts the runtime (once); a failure is logged and leaves the pod to spawn fresh. */
  start(): void {
    this.bootTimer = setTimeout(() => {
      this.giveUp('not parked within the boot timeout');
    }, this.o.bootTimeoutMs ?? 30_000);
    this.bootTimer.unref();
    this.runtime.start().catch((err: unknown) => {
      this.giveUp(`could not start: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  /**
   * The parked runtime for this function, handed over once (the caller's environment owns it
   * from now on), or undefined: then the function's runtime is spawned fresh.
   */
  take(fn: FunctionVersionConfig): GenericRuntime | undefined {
    if (!this.parked) return undefined;
    const conflict = startTimeConflict(this.runtime.environment, fn.environment, fn.runtime);
    if (conflict !== undefined || (fn.layers?.length ?? 0) > 0) {
      this.o.logger.info(
        { conflict, layers: fn.layers?.length ?? 0 },
        'the parked runtime cannot serve this function unchanged: spawning fresh',
      );
      this.giveUp('refused');
      return undefined;
    }
    this.state = 'taken';
    // bench/coldstart's warm-pool timeline reads this line (the call reached the runtime).
    this.o.logger.info({}, 'parked runtime taken by the function');
    return this.runtime;
  }

  /** Stops a runtime nobody took; nothing once taken (its environment stops it). */
  async stop(): Promise<void> {
    clearTimeout(this.bootTimer);
    if (this.state === 'taken') return;
    this.state = 'gone';
    await this.runtime.stop();
  }

  private giveUp(why: string): void {
    if (this.state === 'taken' || this.state === 'gone') return;
    clearTimeout(this.bootTimer);
    const was = this.state;
    this.state = 'gone';
    if (was === 'booting' || why !== 'refused') {
      this.o.logger.warn({ why }, 'no parked runtime: this pod spawns its runtime fresh');
    }
    void this.runtime.stop();
  }
}
