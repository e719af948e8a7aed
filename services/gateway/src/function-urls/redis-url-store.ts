/**
 * Function URL records in Redis (cluster mode): every gateway replica reads the same records,
 * and they outlive gateway restarts. Two hashes (core's `functionUrlKeys`): records by
 * `function\0qualifier`, and url id → that key, written together in one MULTI.
 *
 * Invariants: a record and its id entry are written and removed in one transaction; a read by id
 * is two round trips at most (the id, then the record) and never served from a stale cache.
 */
import type { FunctionUrlKeys, FunctionUrlRecord, FunctionUrlStore } from '@lamina/core';
import type { Redis } from 'ioredis';

import { byQualifier } from './url-store.js';

const keyOf = (fn: string, qualifier: string | undefined): string => `${fn}\0${qualifier ?? ''}`;

const parse = (text: string | null): FunctionUrlRecord | undefined =>
  text === null ? undefined : (JSON.parse(text) as FunctionUrlRecord);

export class RedisUrlStore implements FunctionUrlStore {
  private readonly redis: Redis;
  private readonly keys: FunctionUrlKeys;

  constructor(redis: Redis, keys: FunctionUrlKeys) {
    this.redis = redis;
    this.keys = keys;
  }

  async get(fn: string, qualifier: string | undefined): Promise<FunctionUrlRecord | undefined> {
    return parse(await this.redis.hget(this.keys.records, keyOf(fn, qualifier)));
  }

  async byId(urlId: string): Promise<FunctionUrlRecord | undefined> {
    const key = await this.redis.hget(this.keys.ids, urlId);
    return key === null ? undefined : parse(await this.redis.hget(this.keys.records, key));
  }

  async list(functionName: string): Promise<readonly FunctionUrlRecord[]> {
    return (await this.all()).filter((r) => r.functionName === functionName).sort(byQualifier);
  }

  async all(): Promise<readonly FunctionUrlRecord[]> {
    const values = await this.redis.hvals(this.keys.records);
    return values.map((v) => JSON.parse(v) as FunctionUrlRecord);
  }

  async put(record: FunctionUrlRecord): Promise<void> {
    const key = keyOf(record.functionName, record.qualifier);
    await this.redis
      .multi()
      .hset(this.keys.records, key, JSON.stringify(record))
      .hset(this.keys.ids, record.urlId, key)
      .exec();
  }

  async delete(fn: string, qualifier: string | undefined): Promise<FunctionUrlRecord | undefined> {
    const key = keyOf(fn, qualifier);
    const record = await this.get(fn, qualifier);
    if (record === undefined) return undefined;
    await this.redis.multi().hdel(this.keys.records, key).hdel(this.keys.ids, record.urlId).exec();
    return record;
  }
}
