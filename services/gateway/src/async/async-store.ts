import {
  type AsyncFunctionConfig,
  type AsyncJobData,
  type AsyncKeys,
  asyncConfigQualifier,
  CallBatcher,
  type InvocationResult,
  decodeAsyncConfig,
  intakeFields,
  LATEST,
  type TargetMessage,
} from '@lamina/core';
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
  /**
   * Before a sync run that asked for a record: marks its attempt running (ADR 0048), so a
   * later pickup waits for the outcome. Never throws, never waits.
   */
  runStarted?(
    header: string | undefined,
    functionName: string,
    requestId: string,
    timeoutMs: number,
  ): void;
  /** A run that asked for a record ended without one (refused, failed): its marker goes. */
  runAbandoned?(header: string | undefined, functionName: string, requestId: string): void;
}

export interface RedisAsyncStoreOptions {
  /** The connection accepted events are appended on (one pipeline per batch). */
  readonly intake: Pick<Redis, 'pipeline'>;
  readonly redis: Pick<Redis, 'hget' | 'hset' | 'hdel' | 'hscan' | 'lpop' | 'lrange'>;
  readonly keys: Pick<AsyncKeys, 'intake' | 'invokeConfigs' | 'namedQueue'>;
  /** Batches on the wire at once (default 2) and events in one batch (default 256). */
  readonly maxInFlight?: number;
  readonly maxBatch?: number;
  /** Writes the run records of async attempts; without one, none are kept. */
  readonly runs?: Pick<RunRecorder, 'record' | 'started' | 'abandoned'>;
}

const parse = (text: string): TargetMessage => {
  try {
    return JSON.parse(text) as TargetMessage;
  } catch {
    return { body: text, attributes: {} };
  }
};

/**
 * Accepted events are appended to the intake stream (ADR 0043): one `XADD` per event, the
 * events that arrive while a batch is on the wire share one pipeline (core's `CallBatcher`, as
 * admission), and each caller's promise settles once Redis answered its own `XADD` — a 202 only
 * after the event is in Redis. The request id is the gateway's own per call, so a resend is a
 * new event, as on Lambda.
 */
export class RedisAsyncStore implements AsyncStore {
  private readonly adds: CallBatcher<AsyncJobData, Error | undefined>;

  constructor(private readonly o: RedisAsyncStoreOptions) {
    this.adds = new CallBatcher({
      send: (jobs) => this.append(jobs),
      maxInFlight: o.maxInFlight ?? 2,
      maxBatch: o.maxBatch ?? 256,
    });
  }

  async enqueue(job: AsyncJobData): Promise<void> {
    const err = await this.adds.call(job);
    if (err !== undefined) throw err;
  }

  /** One pipeline of XADDs; one outcome per event (Redis may refuse one and take the next). */
  private async append(jobs: readonly AsyncJobData[]): Promise<(Error | undefined)[]> {
    const p = this.o.intake.pipeline();
    for (const job of jobs) p.xadd(this.o.keys.intake, '*', ...intakeFields(job));
    const results = (await p.exec()) ?? [];
    return jobs.map((_, i) => {
      const r = results[i];
      if (r === undefined) return new Error('Redis answered no XADD for the event');
      return r[0] ?? undefined;
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

  runStarted(
    header: string | undefined,
    functionName: string,
    requestId: string,
    timeoutMs: number,
  ): void {
    if (header !== undefined) this.o.runs?.started(header, functionName, requestId, timeoutMs);
  }

  runAbandoned(header: string | undefined, functionName: string, requestId: string): void {
    if (header !== undefined) this.o.runs?.abandoned(header, functionName, requestId);
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
