import { type BackoffJitter, ExponentialBackoff } from './backoff.js';
import { realTimers, type KubeLogger, type Timers } from './timers.js';

/**
 * What a reconcile asks of the queue. Nothing (or `{}`): done, the key's failures are
 * forgotten. `requeueAfterMs`: done for now, look again after that long (a level-based
 * recheck; failures forgotten). `retry`: not done — run the key again with its exponential
 * backoff, counted as a failure, `retry` being the reason for the log (a throw does the same,
 * for errors nobody expected).
 */
export interface ReconcileResult {
  readonly requeueAfterMs?: number;
  readonly retry?: unknown;
}

export type KeyHandler = (key: string) => Promise<ReconcileResult | undefined>;

export interface WorkQueueOptions {
  readonly name: string;
  readonly handler: KeyHandler;
  readonly logger: KubeLogger;
  /** Keys handled at once; one key is never handled twice at the same time. */
  readonly concurrency?: number;
  /** Backoff of a failing key: base and cap in ms (default 1 s … 5 min). */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** Jitter of the retry delays (default: half of each is random); `random: () => 0` = exact. */
  readonly backoffJitter?: BackoffJitter;
  readonly timers?: Timers;
  /** Called after each handled key (metrics hook). */
  readonly onResult?: (key: string, outcome: 'ok' | 'error', attempt: number) => void;
}

/**
 * A per-object work queue keyed by `namespace/name`, level-based like client-go's: adding a key
 * that is already waiting does nothing; adding a key that is being handled marks it dirty, so it
 * runs once more afterwards (never concurrently). A handler answers with a ReconcileResult: a
 * key that asks to be retried (or throws) runs again after its per-key exponential backoff
 * (jittered); a success forgets its failures and may ask to be looked at again later.
 */
export class WorkQueue {
  private readonly waiting: string[] = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly delayed = new Map<string, unknown>();
  private readonly backoff: ExponentialBackoff;
  private readonly timers: Timers;
  private readonly concurrency: number;
  private readonly inflight = new Set<Promise<void>>();
  private stopping: Promise<void> | undefined;
  private started = false;

  constructor(private readonly options: WorkQueueOptions) {
    this.backoff = new ExponentialBackoff(
      options.backoffBaseMs ?? 1_000,
      options.backoffMaxMs ?? 300_000,
      options.backoffJitter,
    );
    this.timers = options.timers ?? realTimers;
    this.concurrency = Math.max(1, options.concurrency ?? 2);
  }

  get name(): string {
    return this.options.name;
  }

  /** Keys waiting to run, for tests and metrics. */
  get depth(): number {
    return this.waiting.length;
  }

  /** Starts handling keys (keys added before are kept). */
  start(): void {
    this.started = true;
    this.pump();
  }

  /** Queues `key` now. Cancels a pending delayed add of the same key. */
  add(key: string): void {
    if (this.stopping) return;
    const timer = this.delayed.get(key);
    if (timer !== undefined) {
      this.timers.clearTimeout(timer);
      this.delayed.delete(key);
    }
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.waiting.push(key);
    this.pump();
  }

  /** Queues `key` after `ms`; an earlier pending add of the key wins. */
  addAfter(key: string, ms: number): void {
    if (this.stopping || this.delayed.has(key) || this.queued.has(key)) return;
    const handle = this.timers.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, handle);
  }

  /** How many times `key` failed in a row. */
  failuresOf(key: string): number {
    return this.backoff.failuresOf(key);
  }

  /** Stops taking keys, cancels delayed ones and waits for the keys being handled. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const t of this.delayed.values()) this.timers.clearTimeout(t);
      this.delayed.clear();
      this.waiting.length = 0;
      this.queued.clear();
      while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    })();
    return this.stopping;
  }

  private pump(): void {
    while (
      this.started &&
      !this.stopping &&
      this.active.size < this.concurrency &&
      this.waiting.length > 0
    ) {
      const key = this.waiting.shift();
      if (key === undefined) break;
      this.queued.delete(key);
      this.active.add(key);
      const run = this.run(key).finally(() => this.inflight.delete(run));
      this.inflight.add(run);
    }
  }

  private async run(key: string): Promise<void> {
    const attempt = this.backoff.failuresOf(key) + 1;
    let failed = false;
    try {
      let result: ReconcileResult | undefined;
      try {
        result = await this.options.handler(key);
      } catch (err) {
        result = { retry: err };
      }
      if (result?.retry !== undefined) {
        failed = true;
        this.options.onResult?.(key, 'error', attempt);
        const wait = this.backoff.next(key);
        this.options.logger.warn(
          { queue: this.name, key, attempt, retryInMs: wait, err: result.retry },
          'reconcile failed; retrying with backoff',
        );
        if (!this.stopping) this.retryLater(key, wait);
      } else {
        this.backoff.reset(key);
        this.options.onResult?.(key, 'ok', attempt);
        const after = result?.requeueAfterMs;
        if (after !== undefined && !this.stopping) this.addAfter(key, Math.max(0, after));
      }
    } finally {
      this.active.delete(key);
      if (this.dirty.delete(key) && !failed) this.add(key);
      this.pump();
    }
  }

  private retryLater(key: string, ms: number): void {
    // A newer change (dirty) waits for the backoff too: a failing object must not spin.
    this.dirty.delete(key);
    const handle = this.timers.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    const previous = this.delayed.get(key);
    if (previous !== undefined) this.timers.clearTimeout(previous);
    this.delayed.set(key, handle);
  }
}
