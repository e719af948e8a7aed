import {
  ResourceNotReadyException,
  type AgentRefusal,
  type AgentTarget,
  type EnvironmentPool,
  type FunctionVersionConfig,
  type Invocation,
  type InvocationResult,
} from '@lamina/core';
import { systemClock, type Clock, type WorkerLogger } from '../types.js';

/** The function this pod runs, or why it cannot run it (yet). */
export type FunctionLookup =
  | { readonly kind: 'ready'; readonly fn: FunctionVersionConfig }
  | { readonly kind: 'missing'; readonly reason: string; readonly pending?: true };

export interface WorkerAgentOptions {
  /** The only function and version this pod serves. */
  readonly target: AgentTarget;
  /** Where invocations run: a pool that will never hold more than one environment here. */
  readonly pool: Pick<EnvironmentPool, 'invoke' | 'close'>;
  /** Finds the function (its code may appear late on a shared volume); asked again while missing. */
  readonly lookup: () => Promise<FunctionLookup>;
  readonly logger: WorkerLogger;
  readonly clock?: Clock;
  /** While the function is missing, look again at most this often; default 1 s. */
  readonly recheckMs?: number;
  /** Called once, when the function is first found (init at start begins there). */
  readonly onFound?: (fn: FunctionVersionConfig) => void;
  /** Asked once the function is found: not ready while the runtime initialises or failed to. */
  readonly gate?: () => Readiness;
}

export interface Refusal {
  readonly refusal: AgentRefusal;
  readonly message: string;
}

/** The right to run the next invocation; exactly one exists at a time. */
export interface Slot {
  /** Runs the invocation (once) and frees the slot. Function errors are results. */
  run(invocation: Invocation): Promise<InvocationResult>;
  /** Frees the slot without running (the request's body never arrived). */
  release(): void;
}

export interface Readiness {
  readonly ready: boolean;
  readonly reason: string;
}

/**
 * The execution environment of one worker pod: Lambda runs one invocation at a time per
 * environment, so a second concurrent request is refused (`busy`) and the caller tries another
 * pod. Requests for another function or version are refused (`wrong-target`), and after
 * `drain()` every new one is (`draining`) while the running one finishes.
 */
export class WorkerAgent {
  private readonly opts: WorkerAgentOptions;
  private readonly clock: Clock;
  private readonly recheckMs: number;
  private busy = false;
  private draining = false;
  private idleWaiters: (() => void)[] = [];
  private found: FunctionVersionConfig | undefined;
  private missing: { reason: string; at: number } | undefined;
  private looking: Promise<FunctionLookup> | undefined;

  constructor(options: WorkerAgentOptions) {
    this.opts = options;
    this.clock = options.clock ?? systemClock;
    this.recheckMs = options.recheckMs ?? 1000;
  }

  /** Takes the slot, or says why not. Synchronous, so two requests never both get it. */
  claim(target: AgentTarget): Slot | Refusal {
    const own = this.opts.target;
    if (target.functionName !== own.functionName || target.version !== own.version) {
      return {
        refusal: 'wrong-target',
        message: `This worker runs ${own.functionName}:${own.version}, not ${target.functionName}:${target.version}.`,
      };
    }
    if (this.draining) return { refusal: 'draining', message: 'This worker is shutting down.' };
    if (this.busy) {
      return { refusal: 'busy', message: 'This worker is running another invocation.' };
    }
    this.busy = true;
    let used = false;
    const release = (): void => {
      if (used) return;
      used = true;
      this.free();
    };
    return {
      run: async (invocation) => {
        if (used) throw new Error('slot used twice');
        try {
          return await this.run(invocation);
        } finally {
          release();
        }
      },
      release,
    };
  }

  /** Ready = not draining and the function's code is there. Busy is still ready. */
  async readiness(): Promise<Readiness> {
    if (this.draining) return { ready: false, reason: 'draining' };
    const lookup = await this.lookup();
    if (lookup.kind === 'missing') return { ready: false, reason: lookup.reason };
    return this.opts.gate?.() ?? { ready: true, reason: 'ready' };
  }

  /**
   * Readiness with the function looked up now, whatever `recheckMs` says: for the moment the
   * code is known to have arrived (a probe's earlier miss must not delay init at start).
   */
  recheck(): Promise<Readiness> {
    this.missing = undefined;
    return this.readiness();
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Refuses new invocations from now on; resolves when the running one (if any) has ended. */
  drain(): Promise<void> {
    this.draining = true;
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drains, then stops the environment. */
  async close(): Promise<void> {
    await this.drain();
    await this.opts.pool.close();
  }

  private async run(invocation: Invocation): Promise<InvocationResult> {
    const lookup = await this.lookup();
    if (lookup.kind === 'missing') {
      throw new ResourceNotReadyException(
        `The function ${this.opts.target.functionName} cannot run in this worker: ${lookup.reason}.`,
      );
    }
    const { fn } = lookup;
    // The caller's deadline, but never later than this function's own timeout from now.
    const ownDeadline = this.clock.now() + fn.timeout * 1000;
    const deadlineMs = Math.min(invocation.deadlineMs ?? ownDeadline, ownDeadline);
    return this.opts.pool.invoke(fn, { ...invocation, deadlineMs });
  }

  private free(): void {
    this.busy = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** The function, found once and kept; while missing, looked up again at most every recheckMs. */
  private async lookup(): Promise<FunctionLookup> {
    if (this.found !== undefined) return { kind: 'ready', fn: this.found };
    const now = this.clock.now();
    if (this.missing !== undefined && now - this.missing.at < this.recheckMs) {
      return { kind: 'missing', reason: this.missing.reason };
    }
    this.looking ??= this.opts.lookup().finally(() => (this.looking = undefined));
    const lookup = await this.looking;
    if (lookup.kind === 'ready') {
      if (this.missing !== undefined) this.opts.logger.info({}, 'function code found; ready');
      this.found = lookup.fn;
      this.missing = undefined;
      this.opts.onFound?.(lookup.fn);
    } else {
      if (this.missing?.reason !== lookup.reason) {
        const fields = { reason: lookup.reason };
        const msg =
          'function code not available: not ready, invocations are refused (ResourceNotReadyException)';
        // A pod whose first fetch is still running is starting, not failing.
        if (lookup.pending === true) this.opts.logger.info(fields, msg);
        else this.opts.logger.error(fields, msg);
      }
      this.missing = { reason: lookup.reason, at: this.clock.now() };
    }
    return lookup;
  }
}
