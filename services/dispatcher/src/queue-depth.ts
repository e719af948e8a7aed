import {
  type AsyncJobData,
  type AsyncKeys,
  decodeIntakeEntry,
  functionOfJobId,
  intakeField,
} from '@lamina/core';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

type Ready = Pick<AsyncJobData, 'functionName' | 'qualifier'>;

/** XRANGE's answer: `[id, [field, value, …]]` per entry. */
const entriesOf = (reply: unknown): [string, string[]][] =>
  Array.isArray(reply) ? (reply as [string, string[]][]) : [];

/** The `last-delivered-id` of `group` in XINFO GROUPS' answer ('0' when the group is missing). */
export function lastDeliveredOf(reply: unknown, group: string): string {
  if (!Array.isArray(reply)) return '0';
  for (const g of reply as unknown[]) {
    if (!Array.isArray(g)) continue;
    const info = new Map<string, string>();
    for (let i = 0; i + 1 < g.length; i += 2) info.set(String(g[i]), String(g[i + 1]));
    if (info.get('name') === group) return info.get('last-delivered-id') ?? '0';
  }
  return '0';
}

/**
 * Queue depth per function for the metrics and the events ready to start for the autoscaler
 * (ADR 0043): the intake stream's entries (not yet read, or running: the stream keeps an entry
 * until it was processed) and the BullMQ retries (waiting, delayed, active), read without
 * loading events where the function name is enough (the stream's `f` field, BullMQ's job id).
 * Sampled: at most `sample` entries of the stream and ids per BullMQ state.
 */
export class QueueDepth {
  private readonly queue: Queue;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly connection: Redis,
    private readonly keys: Pick<AsyncKeys, 'bullPrefix' | 'queueName' | 'intake' | 'intakeGroup'>,
    private readonly sample = 10_000,
  ) {
    this.queue = new Queue(keys.queueName, { connection, prefix: keys.bullPrefix });
  }

  async perFunction(): Promise<ReadonlyMap<string, number>> {
    const [ids, entries] = await Promise.all([
      this.queue.getRanges(['wait', 'delayed', 'active', 'prioritized'], 0, this.sample - 1),
      this.connection.call('XRANGE', this.keys.intake, '-', '+', 'COUNT', this.sample),
    ]);
    const counts = new Map<string, number>();
    const count = (fn: string | undefined): void => {
      if (fn !== undefined && fn !== '') counts.set(fn, (counts.get(fn) ?? 0) + 1);
    };
    for (const id of ids) count(functionOfJobId(id));
    for (const [, fields] of entriesOf(entries)) count(intakeField(fields, 'f'));
    return counts;
  }

  /**
   * Up to `limit` events ready to start now, oldest first: the intake entries no dispatcher has
   * read yet, then retries that are due (waiting or prioritized, not delayed): who they call.
   */
  async ready(limit: number): Promise<Ready[]> {
    if (limit <= 0) return [];
    const { intake, intakeGroup } = this.keys;
    let last = '0';
    try {
      last = lastDeliveredOf(await this.connection.call('XINFO', 'GROUPS', intake), intakeGroup);
    } catch {
      // No stream yet: nothing was accepted.
    }
    const fresh = entriesOf(
      await this.connection.call('XRANGE', intake, `(${last}`, '+', 'COUNT', limit),
    ).flatMap(([, fields]) => {
      const job = decodeIntakeEntry(fields);
      return job === undefined ? [] : [readyOf(job)];
    });
    if (fresh.length >= limit) return fresh;
    const jobs = await this.queue.getJobs(
      ['prioritized', 'wait'],
      0,
      limit - fresh.length - 1,
      true,
    );
    return [
      ...fresh,
      ...jobs.flatMap((j) => {
        const data = j.data as Partial<AsyncJobData> | undefined;
        return typeof data?.functionName === 'string' ? [readyOf(data as AsyncJobData)] : [];
      }),
    ];
  }

  /** Idempotent; leaves the shared connection open. */
  close(): Promise<void> {
    this.closing ??= this.queue.close();
    return this.closing;
  }
}

const readyOf = (data: Pick<AsyncJobData, 'functionName' | 'qualifier'>): Ready => ({
  functionName: data.functionName,
  ...(data.qualifier === undefined ? {} : { qualifier: data.qualifier }),
});
