import { describe, expect, it } from 'vitest';

import { ConfigError, loadConfig } from '../config.js';
import { DEFAULT_SCALING } from './decide.js';

describe('autoscaler config', () => {
  it('is off by default with KPA and Lambda defaults', () => {
    const c = loadConfig({}).autoscaler;
    expect(c).toEqual({
      enabled: false,
      redisUrl: undefined,
      redisPrefix: 'lamina',
      tickMs: 2000,
      idleWindowMs: 600_000,
      accountConcurrency: 1000,
      scaling: DEFAULT_SCALING,
    });
  });

  it('reads every setting; LAMINA_REDIS_URL wins over REDIS_URL', () => {
    const c = loadConfig({
      LAMINA_AUTOSCALER: 'true',
      LAMINA_REDIS_URL: 'redis://a:6379',
      REDIS_URL: 'redis://b:6379',
      LAMINA_REDIS_PREFIX: 'p1',
      LAMINA_AUTOSCALER_TICK_MS: '500',
      LAMINA_SCALE_TO_ZERO_SECONDS: '0',
      LAMINA_AUTOSCALER_STABLE_WINDOW_SECONDS: '30',
      LAMINA_AUTOSCALER_PANIC_WINDOW_SECONDS: '3',
      LAMINA_AUTOSCALER_PANIC_THRESHOLD: '1.5',
      LAMINA_SCALE_UP_LIMIT: '50',
      LAMINA_SCALE_UP_PERIOD_SECONDS: '5',
      LAMINA_ACCOUNT_CONCURRENCY: '200',
    }).autoscaler;
    expect(c).toEqual({
      enabled: true,
      redisUrl: 'redis://a:6379',
      redisPrefix: 'p1',
      tickMs: 500,
      idleWindowMs: 0,
      accountConcurrency: 200,
      scaling: {
        stableWindowMs: 30_000,
        panicWindowMs: 3_000,
        panicThreshold: 1.5,
        scaleUpLimit: 50,
        scaleUpPeriodMs: 5_000,
      },
    });
    expect(loadConfig({ REDIS_URL: 'redis://b:6379' }).autoscaler.redisUrl).toBe('redis://b:6379');
  });

  it('refuses an autoscaler without Redis and a panic window as long as the stable one', () => {
    expect(() => loadConfig({ LAMINA_AUTOSCALER: '1' })).toThrow(ConfigError);
    expect(() =>
      loadConfig({
        LAMINA_AUTOSCALER_STABLE_WINDOW_SECONDS: '10',
        LAMINA_AUTOSCALER_PANIC_WINDOW_SECONDS: '10',
      }),
    ).toThrow(ConfigError);
    expect(() => loadConfig({ LAMINA_AUTOSCALER: 'yes' })).toThrow(ConfigError);
  });
});
