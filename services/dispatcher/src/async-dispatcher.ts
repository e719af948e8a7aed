import type { AsyncJobData, AsyncKeys } from '@lamina/core';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

import { EventNotDeliveredError, type EventProcessor } from './event-processor.js';

export interface AsyncDispatcherOptions {
  /** A connection BullMQ may block on (maxRetriesPerRequest: null); the dispatcher owns none. */
  readonly connection: Redis;
  readonly keys: Pick<AsyncKeys, 'bullPrefix' | 'queueName'>;
  readonly processor: Pick<EventProcessor, 'process'>;
  readonly logger: Logger;
  readonly concurrency: number;
  /** A job's lock; renewed every half of it while the event runs. */
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  /** Stalled restarts (a dispatcher died holding the event) before BullMQ fails the job. */
  readonly maxStalledCount: number;
}

/**
 * BullMQ worker of the async queue. At least once: a job is locked while it runs (renewed by
 * BullMQ's lock manager); a dispatcher that dies holding it loses the lock and the stalled
 * check hands the event to another. Replicas share the queue; a lock is held by one at a time.
 * Retries are delayed jobs (the same job id, so the same request id).
 */
export class AsyncDispatcher {
  private readonly worker: Worker<AsyncJobData>;
  private closing: Promise<void> | undefined;
  private runningCount = 0;
  private peakRunning = 0;

  constructor(private readonly o: AsyncDispatcherOptions) {
    this.worker = new Worker<AsyncJobData>(o.keys.queueName, (job, token) => this.run(job, token), {
      connection: o.connection,
      prefix: o.keys.bullPrefix,
      concurrency: o.concurrency,
      lockDuration: o.lockDurationMs,
      stalledInterval: o.stalledIntervalMs,
      maxStalledCount: o.maxStalledCount,
      autorun: false,
    });
    this.worker.on('error', (err) => {
      o.logger.error({ err }, 'async worker error');
    });
    this.worker.on('failed', (job, err) => {
      o.logger.error(
        { err, requestId: job?.data.requestId, function: job?.data.functionName },
        'async event left in the failed set',
      );
    });
  }

  /** Starts taking events; resolves once the worker is connected. */
  async start(): Promise<void> {
    void this.worker.run().catch((err: unknown) => {
      this.o.logger.error({ err }, 'async worker stopped');
    });
    await this.worker.waitUntilReady();
  }

  /** Events this process runs now (each holds one of its `concurrency` workers). */
  get running(): number {
    return this.runningCount;
  }

  /**
   * The most events that ran at once since the last call (at least those running now): a worker
   * counts as free only if it stayed free the whole time, not between two events.
   */
  takePeakRunning(): number {
    const peak = Math.max(this.peakRunning, this.runningCount);
    this.peakRunning = this.runningCount;
    return peak;
  }

  private async run(job: Job<AsyncJobData>, token: string | undefined): Promise<void> {
    this.runningCount += 1;
    this.peakRunning = Math.max(this.peakRunning, this.runningCount);
    try {
      await this.attempt(job, token);
    } finally {
      this.runningCount -= 1;
    }
  }

  private async attempt(job: Job<AsyncJobData>, token: string | undefined): Promise<void> {
    let result;
    try {
      result = await this.o.processor.process({
        data: job.data,
        startedCount: job.attemptsStarted,
        retryAt: async (data, at) => {
          await job.updateData(data);
          await job.moveToDelayed(at, token);
        },
      });
    } catch (err) {
      // Given up and undeliverable: keep it in the failed set, never retried blindly.
      if (err instanceof EventNotDeliveredError) throw new UnrecoverableError(err.message);
      throw err;
    }
    if (result === 'retry') throw new DelayedError();
  }

  /**
   * SIGTERM: stops taking events and waits for the running ones up to `deadlineMs`; what is
   * still running then is handed back (its lock lapses and another dispatcher takes it).
   * Idempotent.
   */
  close(deadlineMs = 25_000): Promise<void> {
    this.closing ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => {
          resolve('late');
        }, deadlineMs);
      });
      const outcome = await Promise.race([this.worker.close(), deadline]);
      clearTimeout(timer);
      if (outcome === 'late') {
        this.o.logger.warn('running async events handed back at the shutdown deadline');
        await this.worker.close(true);
      }
    })();
    return this.closing;
  }
}
