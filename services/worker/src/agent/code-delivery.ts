/**
 * Keeps trying to put the pod's code in place (code-fetch.ts) from the agent's start until it
 * is there: each failure is logged with its reason and shown on /readyz, the next try waits an
 * exponentially growing, jittered delay (capped), so a gateway that is restarting or code that
 * is not stored yet delays readiness instead of crashing the pod.
 *
 * Invariants: at most one attempt runs at a time; after success nothing is fetched again;
 * `stop()` ends the loop (no timer left behind).
 */
import { backoffDelay } from '@lamina/core';

import type { CodeLocation } from './code-location.js';
import type { WorkerLogger } from '../types.js';

export interface CodeDeliveryOptions {
  /** One attempt: resolves to the code folder or throws with the reason. */
  readonly attempt: () => Promise<string>;
  readonly logger: WorkerLogger;
  /** First retry delay; default 500 ms. */
  readonly baseDelayMs?: number;
  /** Longest delay between tries; default 30 s. */
  readonly maxDelayMs?: number;
  /** [0, 1); injectable for tests. */
  readonly random?: () => number;
}

/** The code of this pod, fetched in the background with retries; see the file comment. */
export class CodeDelivery {
  private readonly opts: CodeDeliveryOptions;
  private state: CodeLocation = {
    kind: 'missing',
    reason: 'fetching the code package',
    pending: true,
  };
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly done: Promise<string | undefined>;
  private resolveDone: ((dir: string | undefined) => void) | undefined;

  constructor(options: CodeDeliveryOptions) {
    this.opts = options;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** Starts the first attempt now. */
  start(): void {
    void this.tryOnce();
  }

  /** Where the code is, or why it is not (yet). */
  location(): CodeLocation {
    return this.state;
  }

  /** Resolves with the folder once the code is in place (undefined if stopped before). */
  whenDelivered(): Promise<string | undefined> {
    return this.done;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.resolveDone?.(undefined);
  }

  /** A call, not a field read: `stop()` may run while an attempt is awaited. */
  private isStopped(): boolean {
    return this.stopped;
  }

  private async tryOnce(): Promise<void> {
    if (this.stopped) return;
    try {
      const dir = await this.opts.attempt();
      this.state = { kind: 'found', dir };
      // Once per pod; bench/coldstart's timeline places it on a cold start's clock.
      this.opts.logger.info({ dir, failures: this.failures }, 'code package in place');
      this.resolveDone?.(dir);
    } catch (err) {
      this.failures++;
      const reason = err instanceof Error ? err.message : String(err);
      // Equal jitter (in [d/2, d]): pods that failed together spread out.
      const delayMs = backoffDelay(this.failures - 1, {
        baseMs: this.opts.baseDelayMs ?? 500,
        maxMs: this.opts.maxDelayMs ?? 30_000,
        jitter: 0.5,
        ...(this.opts.random === undefined ? {} : { random: this.opts.random }),
      });
      this.state = { kind: 'missing', reason: `code package not in place: ${reason}` };
      this.opts.logger.error(
        { reason, failures: this.failures, retryInMs: delayMs },
        'code package not in place; retrying',
      );
      if (this.isStopped()) return;
      this.timer = setTimeout(() => void this.tryOnce(), delayMs);
      this.timer.unref();
    }
  }
}
