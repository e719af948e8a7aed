import {
  ASYNC_JOB_OPTIONS,
  CallBatcher,
  type AsyncFunctionConfig,
  type AsyncJobData,
  type AsyncKeys,
  asyncJobId,
  type InvocationResult,
  decodeAsyncConfig,
  type TargetMessage,
} from '@lamina/core';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

import type { RunRecorder } from './run-recorder.js';

/**
 * What the gateway needs of asynchronous invocation: durably queue an event (the caller gets
 * 202 only after Redis took it), keep event invoke configs, read named queues back. The
 * dispatcher (another service) reads the same keys; the layout is core's.
 */
export interface AsyncStore {
  /** Resolves once the event is in Redis; rejects when Redis refuses it. */
  enqueue(job: AsyncJobData): Promise<void>;
  getConfig(functionName: string): Promise<AsyncFunctionConfig | undefined>;
  putConfig(functionName: string, config: AsyncFunctionConfig): Promise<void>;
  /** True when there was one. */
  deleteConfig(functionName: string): Promise<boolean>;
  /** Takes (or with `peek`, only reads) up to `max` messages, oldest first. */
  readQueue(name: string, max: number, peek: boolean): Promise<TargetMessage[]>;
  /**
   * After a sync run: remembers its outcome when the call asked for it (the dispatcher's
   * run-record header, ADR 0031). Never throws, never waits.
   */
  recordRun?(
    header: string | undefined,
    functionName: string,
    requestId: string,
    result: Pick<InvocationResult, 'functionError' | 'executedVersion' | 'payload'>,
  ): void;
}

export interface RedisAsyncStoreOptions {
  /** A BullMQ queue on the core names (`asyncKeys().bullPrefix`, `.queueName`). */
  readonly queue: Pick<Queue, 'addBulk'>;
  readonly redis: Pick<Redis, 'hget' | 'hset' | 'hdel' | 'lpop' | 'lrange'>;
  readonly keys: Pick<AsyncKeys, 'invokeConfigs' | 'namedQueue'>;
  /** Bulk adds on the wire at once; events that arrive meanwhile share the next. Default 2. */
  readonly maxInFlight?: number;
  /** Most events in one bulk add. Default 256. */
  readonly maxBatch?: number;
  /** Writes the run records of async attempts; without one, none are kept. */
  readonly runs?: Pick<RunRecorder, 'record'>;
}

const parse = (text: string): TargetMessage => {
  try {
    return JSON.parse(text) as TargetMessage;
  } catch {
    return { body: text, attributes: {} };
  }
};

/**
 * Events are added in bulk (ADR 0030): BullMQ's `addBulk` sends one pipeline of add scripts, so
 * concurrent callers share a round trip. A caller's promise resolves only once Redis answered
 * its batch (durable on an `appendfsync always` Redis); when the batch fails, every caller in
 * it gets the error, never a 202. One job id per function and request id dedupes a resend.
 */
export class RedisAsyncStore implements AsyncStore {
  private readonly adds: CallBatcher<AsyncJobData, undefined>;

  constructor(private readonly o: RedisAsyncStoreOptions) {
    this.adds = new CallBatcher({
      send: (jobs) => this.addBulk(jobs),
      ...(o.maxInFlight === undefined ? {} : { maxInFlight: o.maxInFlight }),
      ...(o.maxBatch === undefined ? {} : { maxBatch: o.maxBatch }),
    });
  }

  enqueue(job: AsyncJobData): Promise<void> {
    return this.adds.call(job);
  }

  recordRun(
    header: string | undefined,
    functionName: string,
    requestId: string,
    result: Pick<InvocationResult, 'functionError' | 'executedVersion' | 'payload'>,
  ): void {
    if (header !== undefined) this.o.runs?.record(header, functionName, requestId, result);
  }

  private async addBulk(jobs: readonly AsyncJobData[]): Promise<undefined[]> {
    await this.o.queue.addBulk(
      jobs.map((job) => ({
        name: job.functionName,
        data: job,
        opts: { jobId: asyncJobId(job.functionName, job.requestId), ...ASYNC_JOB_OPTIONS },
      })),
    );
    return new Array<undefined>(jobs.length).fill(undefined);
  }

  async getConfig(functionName: string): Promise<AsyncFunctionConfig | undefined> {
    const text = await this.o.redis.hget(this.o.keys.invokeConfigs, functionName);
    return text === null ? undefined : decodeAsyncConfig(text);
  }

  async putConfig(functionName: string, config: AsyncFunctionConfig): Promise<void> {
    await this.o.redis.hset(this.o.keys.invokeConfigs, functionName, JSON.stringify(config));
  }

  async deleteConfig(functionName: string): Promise<boolean> {
    return (await this.o.redis.hdel(this.o.keys.invokeConfigs, functionName)) > 0;
  }

  async readQueue(name: string, max: number, peek: boolean): Promise<TargetMessage[]> {
    const key = this.o.keys.namedQueue(name);
    const items = peek
      ? await this.o.redis.lrange(key, 0, max - 1)
      : ((await this.o.redis.lpop(key, max)) ?? []);
    return items.map(parse);
  }
}
