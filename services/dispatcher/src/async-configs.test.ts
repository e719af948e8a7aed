import { asyncKeys, DEFAULT_ASYNC_CONFIG } from '@lamina/core';
import { describe, expect, it } from 'vitest';

import { RedisAsyncConfigs } from './async-configs.js';

describe('RedisAsyncConfigs', () => {
  const keys = asyncKeys('t');
  const fake = (stored: Map<string, string>) => {
    const calls: string[][] = [];
    const redis = {
      hmget: (_key: string, ...fields: string[]) => {
        calls.push(fields);
        return Promise.resolve(fields.map((f) => stored.get(f) ?? null));
      },
    };
    return { calls, configs: new RedisAsyncConfigs(redis, keys) };
  };

  it('reads the config of the qualifier an event was invoked with, as AWS applies it', async () => {
    const { configs } = fake(
      new Map([
        ['fn', JSON.stringify({ ...DEFAULT_ASYNC_CONFIG, maximumRetryAttempts: 1 })],
        ['fn:1', JSON.stringify({ ...DEFAULT_ASYNC_CONFIG, maximumRetryAttempts: 0 })],
      ]),
    );
    expect((await configs.get('fn')).maximumRetryAttempts).toBe(1);
    expect((await configs.get('fn', '$LATEST')).maximumRetryAttempts).toBe(1);
    expect((await configs.get('fn', '1')).maximumRetryAttempts).toBe(0);
    // A qualifier without its own config gets Lambda's defaults, not $LATEST's.
    expect((await configs.get('fn', 'live')).maximumRetryAttempts).toBe(
      DEFAULT_ASYNC_CONFIG.maximumRetryAttempts,
    );
  });

  it('reads events that start together in one HMGET, each field once', async () => {
    const { calls, configs } = fake(
      new Map([['fn', JSON.stringify({ ...DEFAULT_ASYNC_CONFIG, maximumRetryAttempts: 1 })]]),
    );
    const got = await Promise.all([
      configs.get('fn'),
      configs.get('fn'),
      configs.get('fn'),
      configs.get('other'),
    ]);
    expect(got.map((c) => c.maximumRetryAttempts)).toEqual([1, 1, 1, 2]);
    // The first read goes out at once; the ones that came while it was on the wire share one.
    expect(calls).toEqual([['fn'], ['fn', 'other']]);
  });

  it('reads again for every event: a changed config applies to the next event', async () => {
    const stored = new Map([
      ['fn', JSON.stringify({ ...DEFAULT_ASYNC_CONFIG, maximumRetryAttempts: 1 })],
    ]);
    const { calls, configs } = fake(stored);
    expect((await configs.get('fn')).maximumRetryAttempts).toBe(1);
    stored.set('fn', JSON.stringify({ ...DEFAULT_ASYNC_CONFIG, maximumRetryAttempts: 0 }));
    expect((await configs.get('fn')).maximumRetryAttempts).toBe(0);
    stored.delete('fn');
    expect((await configs.get('fn')).maximumRetryAttempts).toBe(2);
    expect(calls).toHaveLength(3);
  });
});
