/**
 * The loop both of the leader's Redis mirrors run (EventSourceMapping resources → the pollers'
 * store, Schedule resources → the scheduler runners' store): start the informer, wait for its
 * cache, sync once, then sync on every resource event and every interval.
 *
 * Invariants: no sync runs before the informer has synced (an empty cache would delete every
 * mirrored record); one sync runs at a time, and a request during one runs another right after
 * it; a failed sync is logged and the next request retries; `stop()` is idempotent and waits for
 * the sync in flight before it stops the informer.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeLogger, RestartingInformer } from '@lamina/kube';

export interface MirrorLoopOptions<T extends KubernetesObject> {
  /** The mirrored kind's informer; the loop starts and stops it. */
  readonly informer: Pick<
    RestartingInformer<T>,
    'on' | 'start' | 'stop' | 'waitForSync' | 'hasSynced'
  >;
  /** One pass: read the cache and the store, write the differences. */
  readonly sync: () => Promise<void>;
  readonly intervalMs: number;
  readonly syncTimeoutMs?: number;
  readonly logger: KubeLogger;
  /** Names the mirror in the failure log line. */
  readonly what: string;
}

/** JSON from a Redis hash value, or undefined when it is not JSON. */
export const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** See the file comment. */
export class MirrorLoop<T extends KubernetesObject> {
  private timer: NodeJS.Timeout | undefined;
  private requested = false;
  private running: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly o: MirrorLoopOptions<T>) {}

  /** Starts the informer, waits for its cache, mirrors once, then keeps mirroring. */
  async start(): Promise<void> {
    const kick = (): void => {
      this.kick();
    };
    this.o.informer.on('add', kick);
    this.o.informer.on('update', kick);
    this.o.informer.on('delete', kick);
    await this.o.informer.start().catch(() => undefined);
    await this.o.informer.waitForSync(this.o.syncTimeoutMs ?? 120_000);
    if (this.stopping !== undefined) return;
    this.kick();
    await this.running;
    this.timer = setInterval(kick, this.o.intervalMs);
  }

  /** Asks for a sync: now if idle, else right after the one running. */
  kick(): void {
    if (this.stopping !== undefined || !this.o.informer.hasSynced) return;
    this.requested = true;
    this.running ??= this.loop();
  }

  private async loop(): Promise<void> {
    while (this.requested && this.stopping === undefined) {
      this.requested = false;
      try {
        await this.o.sync();
      } catch (err) {
        this.o.logger.warn({ err }, `${this.o.what} failed; retrying`);
      }
    }
    this.running = undefined;
  }

  /** Idempotent: stops the timer, waits for the sync in flight, stops the informer. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.timer);
      await this.running;
      await this.o.informer.stop();
    })();
    return this.stopping;
  }
}
