import { describe, expect, it } from 'vitest';

import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    const c = loadConfig({ LAMINA_OPERATOR_IDENTITY: 'op-1' });
    expect(c.watchNamespace).toBeUndefined();
    expect(c.lease).toMatchObject({
      name: 'lamina-operator',
      identity: 'op-1',
      durationSeconds: 15,
    });
    expect(c.worker).toMatchObject({
      imagePrefix: 'lamina/worker',
      imageTag: '0.1.0',
      minReplicas: 1,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('scales from zero with the autoscaler on: min replicas 0 unless set, replicas its own', () => {
    const on = { LAMINA_AUTOSCALER: 'true', LAMINA_REDIS_URL: 'redis://r:6379' };
    expect(loadConfig(on).worker).toMatchObject({ minReplicas: 0, autoscaled: true });
    expect(loadConfig({ ...on, LAMINA_WORKER_MIN_REPLICAS: '2' }).worker.minReplicas).toBe(2);
    expect(loadConfig({}).worker).toMatchObject({ minReplicas: 1, autoscaled: false });
  });

  it('refuses a latest worker tag and lists every issue', () => {
    try {
      loadConfig({ LAMINA_WORKER_IMAGE_TAG: 'latest', LAMINA_LEASE_DURATION_SECONDS: 'x' });
      expect.fail('should throw');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues).toHaveLength(2);
    }
  });

  it('needs the renew deadline below the lease duration', () => {
    expect(() =>
      loadConfig({ LAMINA_LEASE_DURATION_SECONDS: '5', LAMINA_LEASE_RENEW_DEADLINE_SECONDS: '5' }),
    ).toThrow(ConfigError);
  });

  it('reads per-runtime image overrides', () => {
    const c = loadConfig({ LAMINA_WORKER_IMAGES: '{"java21":"reg/w-java:1.2.3"}' });
    expect(c.worker.images).toEqual({ java21: 'reg/w-java:1.2.3' });
    expect(() => loadConfig({ LAMINA_WORKER_IMAGES: '{"java21":"reg/w:latest"}' })).toThrow();
  });

  it('reads code delivery; http needs the code URL', () => {
    expect(loadConfig({}).worker.codeDelivery).toBe('pvc');
    const c = loadConfig({
      LAMINA_WORKER_CODE_DELIVERY: 'http',
      LAMINA_WORKER_CODE_URL: 'http://lamina-gateway.lamina-system.svc:80',
      LAMINA_CODE_TOKEN_SECRET: 'x'.repeat(32),
    });
    expect(c.worker).toMatchObject({
      codeDelivery: 'http',
      codeUrl: 'http://lamina-gateway.lamina-system.svc:80',
      codeTokenSecret: 'x'.repeat(32),
    });
    expect(() => loadConfig({ LAMINA_WORKER_CODE_DELIVERY: 'http' })).toThrow(
      /LAMINA_WORKER_CODE_URL: required/,
    );
    expect(() => loadConfig({ LAMINA_CODE_TOKEN_SECRET: 'short' })).toThrow(ConfigError);
  });

  it('mirrors event source mappings only with a Redis URL', () => {
    expect(loadConfig({}).mappings).toBeUndefined();
    expect(
      loadConfig({ LAMINA_REDIS_URL: 'redis://r:6379', LAMINA_REDIS_PREFIX: 'p' }).mappings,
    ).toEqual({
      redisUrl: 'redis://r:6379',
      redisPrefix: 'p',
      syncIntervalMs: 5000,
      region: 'us-east-1',
      accountId: '000000000000',
    });
  });
});
