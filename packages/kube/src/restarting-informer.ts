import type { Informer, KubernetesObject, ObjectCache } from '@kubernetes/client-node';

import { type BackoffJitter, ExponentialBackoff } from './backoff.js';
import { realTimers, type KubeLogger, type Timers } from './timers.js';

export type InformerEvent = 'add' | 'update' | 'delete';

export interface RestartingInformerOptions<T extends KubernetesObject> {
  /** Used in logs, e.g. `functions`. */
  readonly name: string;
  /** The client-node informer (makeInformer); created by the composition root. */
  readonly informer: Informer<T> & ObjectCache<T>;
  readonly logger: KubeLogger;
  /** Restart backoff after an error, 1 s doubling to 30 s by default. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Jitter of the restart delays (default: half of each is random); `random: () => 0` = exact. */
  readonly backoffJitter?: BackoffJitter;
  readonly timers?: Timers;
  /** Called at each restart after an error (metrics hook). */
  readonly onRestart?: (name: string) => void;
}

/**
 * Wraps a client-node informer so it keeps running: client-node's ListWatch relists on 410 and
 * resumes after timeouts by itself, but on any other error it emits `error` and stops. Here
 * every `error` schedules a restart with jittered backoff (1–30 s), reset once it connects again.
 * Reads are served from the informer's memory cache.
 */
export class RestartingInformer<T extends KubernetesObject> implements ObjectCache<T> {
  private readonly backoff: ExponentialBackoff;
  private readonly timers: Timers;
  private restartTimer: unknown;
  private stopped = false;
  private started = false;
  private synced = false;
  /** Errors seen so far; a start during which one arrived did not fill the cache. */
  private errors = 0;

  constructor(private readonly options: RestartingInformerOptions<T>) {
    this.backoff = new ExponentialBackoff(
      options.minBackoffMs ?? 1_000,
      options.maxBackoffMs ?? 30_000,
      options.backoffJitter,
    );
    this.timers = options.timers ?? realTimers;
    options.informer.on('error', (err: unknown) => {
      this.onError(err);
    });
    options.informer.on('connect', () => {
      this.backoff.reset(this.name);
    });
  }

  get name(): string {
    return this.options.name;
  }

  /** True once the first list has filled the cache. */
  get hasSynced(): boolean {
    return this.synced;
  }

  /** Registers a handler for add/update/delete; call before `start`. */
  on(event: InformerEvent, handler: (obj: T) => void): void {
    this.options.informer.on(event, handler);
  }

  /** Lists, fills the cache and starts watching; resolves after the first list. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    try {
      await this.listAndWatch();
    } catch (err) {
      // The informer emitted `error` too (or not): make sure a restart is scheduled.
      this.onError(err);
      throw err;
    }
  }

  /** Waits until the cache has synced, restarting as needed; rejects after `timeoutMs`. */
  async waitForSync(timeoutMs: number, pollMs = 100): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.synced) {
      if (this.stopped) throw new Error(`informer ${this.name} stopped before it synced`);
      if (Date.now() > deadline) throw new Error(`informer ${this.name} did not sync in time`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  get(name: string, namespace?: string): T | undefined {
    return this.options.informer.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.options.informer.list(namespace);
  }

  /** Stops watching; idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.restartTimer !== undefined) this.timers.clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    await this.options.informer.stop();
  }

  /**
   * One start of the client-node informer. Its `start()` resolves even when the list failed
   * (it emits `error` instead), so the cache counts as synced only when no error arrived.
   */
  private async listAndWatch(): Promise<void> {
    const before = this.errors;
    await this.options.informer.start();
    if (this.errors === before && !this.stopped) this.synced = true;
  }

  private onError(err: unknown): void {
    this.errors += 1;
    if (this.stopped || this.restartTimer !== undefined) return;
    const wait = this.backoff.next(this.name);
    this.options.logger.warn(
      { informer: this.name, retryInMs: wait, err },
      'informer stopped on an error; restarting',
    );
    this.restartTimer = this.timers.setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      this.options.onRestart?.(this.name);
      this.listAndWatch().catch((e: unknown) => {
        this.onError(e);
      });
    }, wait);
  }
}
