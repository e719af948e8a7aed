import { describe, expect, it } from 'vitest';

import { loadClusterConfig } from './cluster-config.js';
import { ConfigError } from './config.js';

describe('loadClusterConfig', () => {
  it('extends the gateway config with namespace, code dir and Redis prefix', () => {
    const c = loadClusterConfig({
      REDIS_URL: 'redis://r:6379',
      LAMINA_NAMESPACE: 'apps',
      LAMINA_CODE_DIR: '/var/lamina/code',
      LAMINA_STATE_DIR: '/tmp/s',
    });
    expect(c).toMatchObject({
      mode: 'cluster',
      redisUrl: 'redis://r:6379',
      namespace: 'apps',
      codeDir: '/var/lamina/code',
      redisPrefix: 'lamina',
      region: 'us-east-1',
    });
  });

  it('defaults the code dir under the state dir and leaves the namespace to the pod', () => {
    const c = loadClusterConfig({ REDIS_URL: 'redis://r', LAMINA_STATE_DIR: '/tmp/s' });
    expect(c.codeDir).toBe('/tmp/s/code');
    expect(c.namespace).toBeUndefined();
  });

  it('reaches worker agents on 8080, waits 30 s for a cold start and 5 s for a busy pod', () => {
    expect(loadClusterConfig({ REDIS_URL: 'redis://r' }).workers).toEqual({
      port: 8080,
      coldStartWaitMs: 30_000,
      busyWaitMs: 5_000,
      connectTimeoutMs: 2_000,
      warmPool: true,
    });
    expect(
      loadClusterConfig({ REDIS_URL: 'redis://r', LAMINA_WARM_POOL: 'false' }).workers.warmPool,
    ).toBe(false);
    const c = loadClusterConfig({
      REDIS_URL: 'redis://r',
      LAMINA_WORKER_PORT: '9090',
      LAMINA_COLD_START_WAIT_MS: '0',
      LAMINA_BUSY_WAIT_MS: '250',
      LAMINA_WORKER_CONNECT_TIMEOUT_MS: '',
    });
    expect(c.workers).toEqual({
      port: 9090,
      coldStartWaitMs: 0,
      busyWaitMs: 250,
      connectTimeoutMs: 2_000,
      warmPool: true,
    });
    expect(() => loadClusterConfig({ REDIS_URL: 'redis://r', LAMINA_WORKER_PORT: '0' })).toThrow(
      /LAMINA_WORKER_PORT/,
    );
  });

  it('routes function URLs under lamina.localhost over http unless told otherwise', () => {
    expect(loadClusterConfig({ REDIS_URL: 'redis://r' }).functionUrls).toEqual({
      domain: 'lamina.localhost',
      scheme: 'http',
    });
    const c = loadClusterConfig({
      REDIS_URL: 'redis://r',
      LAMINA_FUNCTION_URL_DOMAIN: 'fn.example.com',
      LAMINA_FUNCTION_URL_SCHEME: 'https',
      LAMINA_FUNCTION_URL_PORT: '8443',
    });
    expect(c.functionUrls).toEqual({ domain: 'fn.example.com', scheme: 'https', port: 8443 });
    expect(() =>
      loadClusterConfig({ REDIS_URL: 'redis://r', LAMINA_FUNCTION_URL_DOMAIN: 'Not A Domain' }),
    ).toThrow(ConfigError);
  });

  it('lists every problem at once', () => {
    let err: unknown;
    try {
      loadClusterConfig({ LAMINA_NAMESPACE: 'Bad_NS', LAMINA_REGION: 'mars' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const issues = (err as ConfigError).issues.join('\n');
    expect(issues).toMatch(/LAMINA_REGION/);
    expect(issues).toMatch(/REDIS_URL: is required in cluster mode/);
    expect(issues).toMatch(/LAMINA_NAMESPACE: must be a Kubernetes namespace name/);
  });
});
