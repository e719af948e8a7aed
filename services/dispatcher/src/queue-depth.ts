import { type AsyncJobData, type AsyncKeys, functionOfJobId } from '@lamina/core';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * Queue depth per function for the metrics: job ids (core's `asyncJobId` carries the function
 * name) of waiting, delayed and active events, read without loading the events themselves.
 * Sampled: at most `sample` ids per state.
 */
export class QueueDepth {
  private readonly queue: Queue;
  private closing: Promise<void> | undefined;

  constructor(
    connection: Redis,
    keys: Pick<AsyncKeys, 'bullPrefix' | 'queueName'>,
    private readonly sample = 10_000,
  ) {
    this.queue = new Queue(keys.queueName, { connection, prefix: keys.bullPrefix });
  }

  async perFunction(): Promise<ReadonlyMap<string, number>> {
    const ids = await this.queue.getRanges(
      ['wait', 'delayed', 'active', 'prioritized'],
      0,
      this.sample - 1,
    );
    const counts = new Map<string, number>();
    for (const id of ids) {
      const fn = functionOfJobId(id);
      if (fn !== '') counts.set(fn, (counts.get(fn) ?? 0) + 1);
    }
    return counts;
  }

  /** Up to `limit` events ready to start now (waiting or prioritized, not delayed): who they call. */
  async ready(limit: number): Promise<Pick<AsyncJobData, 'functionName' | 'qualifier'>[]> {
    if (limit <= 0) return [];
    const jobs = await this.queue.getJobs(['prioritized', 'wait'], 0, limit - 1, true);
    return jobs.flatMap((j) => {
      const data = j.data as Partial<AsyncJobData> | undefined;
      return typeof data?.functionName === 'string'
        ? [
            {
              functionName: data.functionName,
              ...(data.qualifier === undefined ? {} : { qualifier: data.qualifier }),
            },
          ]
        : [];
    });
  }

  /** Idempotent; leaves the shared connection open. */
  close(): Promise<void> {
    this.closing ??= this.queue.close();
    return this.closing;
  }
}
