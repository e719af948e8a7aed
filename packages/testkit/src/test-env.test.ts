import { afterEach, describe, expect, it, vi } from 'vitest';

import { testEnv } from './test-env.js';

describe('testEnv', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('reads an endpoint and fails loudly, naming it, when it is unset or empty', () => {
    vi.stubEnv('REDIS_URL', 'redis://127.0.0.1:16379');
    expect(testEnv.require('REDIS_URL')).toBe('redis://127.0.0.1:16379');
    vi.stubEnv('REDIS_URL', '');
    expect(() => testEnv.require('REDIS_URL')).toThrow(/^REDIS_URL is not set: run test\/env\/up/);
    expect(testEnv.optional('REDIS_URL')).toBeUndefined();
  });

  it('splits KAFKA_BROKERS', () => {
    vi.stubEnv('KAFKA_BROKERS', '127.0.0.1:19092,127.0.0.1:19093,');
    expect(testEnv.kafkaBrokers()).toEqual(['127.0.0.1:19092', '127.0.0.1:19093']);
  });

  it('finds the cache of runtimes and toolchains as the CLI does', () => {
    vi.stubEnv('LAMINA_CACHE_DIR', '/cache');
    expect(testEnv.cacheDir()).toBe('/cache');
    vi.stubEnv('LAMINA_CACHE_DIR', '');
    vi.stubEnv('HOME', '/home/dev');
    expect(testEnv.cacheDir()).toBe('/home/dev/.cache/lamina');
  });

  it('builds a child environment: overrides on top, undefined removes', () => {
    vi.stubEnv('REDIS_URL', 'redis://x');
    vi.stubEnv('LAMINA_LOG_LEVEL', 'info');
    const env = testEnv.forChild({ REDIS_URL: undefined, LAMINA_LOG_LEVEL: 'warn' });
    expect(env['REDIS_URL']).toBeUndefined();
    expect('REDIS_URL' in env).toBe(false);
    expect(env['LAMINA_LOG_LEVEL']).toBe('warn');
    expect(env['PATH']).toBe(process.env['PATH']);
  });
});
