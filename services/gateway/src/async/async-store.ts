import {
  ASYNC_JOB_OPTIONS,
  type AsyncFunctionConfig,
  type AsyncJobData,
  type AsyncKeys,
  asyncConfigQualifier,
  asyncJobId,
  type InvocationResult,
  decodeAsyncConfig,
  LATEST,
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
  /** Every qualifier's config of a function (fields `name` and `name:qualifier`). */
  listConfigs(functionName: string): Promise<{ qualifier: string; config: AsyncFunctionConfig }[]>;
  /** True when there was one. */
  deleteConfig(functionName: string): Promise<boolean>;
  /** Every qualifier's config of a deleted function. */
  deleteConfigs(functionName: string): Promise<void>;
  /** Takes (or with `peek`, only reads) up to `max` messages, oldest first. */
  readQueue(name: string, max: number, peek: boolean): Promise<TargetMessage[]>;
  /**
   * After a sync run: remembers its outcome when the call asked for it (the dispatcher's
   * run-record header, ADR 0026). Never throws, never waits.
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
  readonly queue: Pick<Queue, 'add'>;
  readonly redis: Pick<Redis, 'hget' | 'hset' | 'hdel' | 'hscan' | 'lpop' | 'lrange'>;
  readonly keys: Pick<AsyncKeys, 'invokeConfigs' | 'namedQueue'>;
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
 * One BullMQ add per event, on the wire as soon as it is asked for (concurrent adds follow each
 * other on the connection without waiting): measured against bulk adds of up to 64 or 256
 * events, per-event adds took more events per second at a lower p99 (ADR 0025), so nothing is
 * batched here. The caller's promise resolves once Redis answered. One job id per function and
 * request id dedupes a resend.
 */
export class RedisAsyncStore implements AsyncStore {
  constructor(private readonly o: RedisAsyncStoreOptions) {}

  async enqueue(job: AsyncJobData): Promise<void> {
    await this.o.queue.add(job.functionName, job, {
      jobId: asyncJobId(job.functionName, job.requestId),
      ...ASYNC_JOB_OPTIONS,
    });
  }

  recordRun(
    header: string | undefined,
    functionName: string,
    requestId: string,
    result: Pick<InvocationResult, 'functionError' | 'executedVersion' | 'payload'>,
  ): void {
    if (header !== undefined) this.o.runs?.record(header, functionName, requestId, result);
  }

  async getConfig(functionName: string): Promise<AsyncFunctionConfig | undefined> {
    const text = await this.o.redis.hget(this.o.keys.invokeConfigs, functionName);
    return text === null ? undefined : decodeAsyncConfig(text);
  }

  async putConfig(functionName: string, config: AsyncFunctionConfig): Promise<void> {
    await this.o.redis.hset(this.o.keys.invokeConfigs, functionName, JSON.stringify(config));
  }

  /** Every qualifier's config of a function, `$LATEST`'s first, then by qualifier. */
  async listConfigs(
    functionName: string,
  ): Promise<{ qualifier: string; config: AsyncFunctionConfig }[]> {
    const out: { qualifier: string; config: AsyncFunctionConfig }[] = [];
    for (const [field, text] of await this.scanConfigs(functionName)) {
      const qualifier = asyncConfigQualifier(functionName, field);
      if (qualifier !== undefined) out.push({ qualifier, config: decodeAsyncConfig(text) });
    }
    out.sort((a, b) => a.qualifier.localeCompare(b.qualifier));
    const latest = await this.getConfig(functionName);
    return latest === undefined ? out : [{ qualifier: LATEST, config: latest }, ...out];
  }

  async deleteConfig(functionName: string): Promise<boolean> {
    return (await this.o.redis.hdel(this.o.keys.invokeConfigs, functionName)) > 0;
  }

  async deleteConfigs(functionName: string): Promise<void> {
    const fields = (await this.scanConfigs(functionName)).map(([field]) => field);
    await this.o.redis.hdel(this.o.keys.invokeConfigs, functionName, ...fields);
  }

  /** The `name:qualifier` fields of a function with their texts (`$LATEST`'s field is its bare name). */
  private async scanConfigs(functionName: string): Promise<[string, string][]> {
    const out: [string, string][] = [];
    let cursor = '0';
    do {
      const [next, flat] = await this.o.redis.hscan(
        this.o.keys.invokeConfigs,
        cursor,
        'MATCH',
        `${functionName}:*`,
      );
      cursor = next;
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const field = flat[i];
        const text = flat[i + 1];
        if (field !== undefined && text !== undefined) out.push([field, text]);
      }
    } while (cursor !== '0');
    return out;
  }

  async readQueue(name: string, max: number, peek: boolean): Promise<TargetMessage[]> {
    const key = this.o.keys.namedQueue(name);
    const items = peek
      ? await this.o.redis.lrange(key, 0, max - 1)
      : ((await this.o.redis.lpop(key, max)) ?? []);
    return items.map(parse);
  }
}
