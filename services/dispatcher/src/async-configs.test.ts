import { asyncKeys, DEFAULT_ASYNC_CONFIG } from '@lamina/core';
import { describe, expect, it } from 'vitest';

import { RedisAsyncConfigs } from './async-configs.js';

describe('RedisAsyncConfigs', () => {
  const keys = asyncKeys('t');
  const stored = new Map<string, string>([
    ['fn', JSON.stringify({ ...DEFAULT_ASYNC_CONFIG, maximumRetryAttempts: 1 })],
    ['fn:1', JSON.stringify({ ...DEFAULT_ASYNC_CONFIG, maximumRetryAttempts: 0 })],
  ]);
  const configs = new RedisAsyncConfigs(
    { hget: (_key: string, field: string) => Promise.resolve(stored.get(field) ?? null) },
    keys,
  );

  it('reads the config of the qualifier an event was invoked with, as AWS applies it', async () => {
    expect((await configs.get('fn')).maximumRetryAttempts).toBe(1);
    expect((await configs.get('fn', '$LATEST')).maximumRetryAttempts).toBe(1);
    expect((await configs.get('fn', '1')).maximumRetryAttempts).toBe(0);
    // A qualifier without its own config gets Lambda's defaults, not $LATEST's.
    expect((await configs.get('fn', 'live')).maximumRetryAttempts).toBe(
      DEFAULT_ASYNC_CONFIG.maximumRetryAttempts,
    );
  });
});
