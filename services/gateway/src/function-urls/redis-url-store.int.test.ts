import { functionUrlKeys, type FunctionUrlRecord } from '@lamina/core';
import { testEnv, uniqueName } from '@lamina/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

import { RedisUrlStore } from './redis-url-store.js';

const REDIS_URL = testEnv.require('REDIS_URL');

describe('RedisUrlStore', () => {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const keys = functionUrlKeys(uniqueName('urls'));
  afterAll(async () => {
    await redis.del(keys.records, keys.ids);
    await redis.quit();
  });

  it('keeps one record per qualifier, found by id, shared by every store on the same Redis', async () => {
    const a = new RedisUrlStore(redis, keys);
    const b = new RedisUrlStore(redis, keys);
    const base: FunctionUrlRecord = {
      urlId: 'id1',
      functionName: 'hello',
      authType: 'NONE',
      invokeMode: 'BUFFERED',
      creationTime: 't',
      lastModifiedTime: 't',
    };
    await a.put(base);
    await a.put({ ...base, urlId: 'id2', qualifier: 'live' });
    await a.put({ ...base, urlId: 'id3', functionName: 'other' });
    expect((await b.list('hello')).map((r) => r.urlId)).toEqual(['id1', 'id2']);
    expect((await b.byId('id2'))?.qualifier).toBe('live');
    expect(await b.get('hello', undefined)).toEqual(base);
    expect(await b.delete('hello', 'live')).toMatchObject({ urlId: 'id2' });
    expect(await a.byId('id2')).toBeUndefined();
    expect(await a.delete('hello', 'live')).toBeUndefined();
    expect(await a.all()).toHaveLength(2);
  });
});
