import {
  ASYNC_JOB_OPTIONS,
  type AsyncFunctionConfig,
  type AsyncJobData,
  type AsyncKeys,
  asyncJobId,
  decodeAsyncConfig,
  type TargetMessage,
} from '@lamina/core';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

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
}

export interface RedisAsyncStoreOptions {
  /** A BullMQ queue on the core names (`asyncKeys().bullPrefix`, `.queueName`). */
  readonly queue: Pick<Queue, 'add'>;
  readonly redis: Pick<Redis, 'hget' | 'hset' | 'hdel' | 'lpop' | 'lrange'>;
  readonly keys: Pick<AsyncKeys, 'invokeConfigs' | 'namedQueue'>;
}

const parse = (text: string): TargetMessage => {
  try {
    return JSON.parse(text) as TargetMessage;
  } catch {
    return { body: text, attributes: {} };
  }
};

export class RedisAsyncStore implements AsyncStore {
  constructor(private readonly o: RedisAsyncStoreOptions) {}

  async enqueue(job: AsyncJobData): Promise<void> {
    await this.o.queue.add(job.functionName, job, {
      jobId: asyncJobId(job.functionName, job.requestId),
      ...ASYNC_JOB_OPTIONS,
    });
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
