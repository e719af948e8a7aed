import { resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { defaultDecodeWorkers } from './code/decode-pool.js';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies the defaults to an empty environment', () => {
    const c = loadConfig({});
    expect(c).toEqual({
      port: 9000,
      host: '127.0.0.1',
      redisUrl: undefined,
      region: 'us-east-1',
      accountId: '000000000000',
      accountConcurrency: 1000,
      minUnreservedConcurrency: 100,
      stateDir: resolve('.lamina'),
      functionsDir: resolve('functions'),
      logLevel: 'info',
      leaseGraceMs: 15_000,
      drainDelayMs: 0,
      shutdownTimeoutMs: 25_000,
      codeGcGraceMs: 600_000,
      codeGcIntervalMs: 3_600_000,
      requestLimits: { headersTimeoutMs: 20_000, requestTimeoutMs: 120_000 },
      codeStorageLimitBytes: 80_530_636_800,
      decodePool: { size: defaultDecodeWorkers(), queue: defaultDecodeWorkers() * 8 },
      stateSettleMs: 0,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads the code-worker pool bounds; the queue defaults to 8 per worker', () => {
    expect(loadConfig({ LAMINA_DECODE_WORKERS: '3' }).decodePool).toEqual({ size: 3, queue: 24 });
    expect(loadConfig({ LAMINA_DECODE_WORKERS: '2', LAMINA_DECODE_QUEUE: '0' }).decodePool).toEqual(
      { size: 2, queue: 0 },
    );
    expect(() => loadConfig({ LAMINA_DECODE_WORKERS: '0' })).toThrow(/LAMINA_DECODE_WORKERS/);
  });

  it('reads the request limits and keeps the headers bound within the request bound', () => {
    expect(
      loadConfig({ LAMINA_HEADERS_TIMEOUT_MS: '5000', LAMINA_REQUEST_TIMEOUT_MS: '9000' })
        .requestLimits,
    ).toEqual({ headersTimeoutMs: 5000, requestTimeoutMs: 9000 });
    expect(loadConfig({ LAMINA_REQUEST_TIMEOUT_MS: '1000' }).requestLimits).toEqual({
      headersTimeoutMs: 1000,
      requestTimeoutMs: 1000,
    });
    expect(() => loadConfig({ LAMINA_REQUEST_TIMEOUT_MS: '10' })).toThrow(ConfigError);
  });

  it('reads every variable, treating empty ones as unset', () => {
    const c = loadConfig({
      LAMINA_PORT: '8080',
      LAMINA_HOST: '0.0.0.0',
      REDIS_URL: 'redis://localhost:6379/2',
      LAMINA_REGION: 'eu-west-3',
      LAMINA_ACCOUNT_ID: '123456789012',
      LAMINA_ACCOUNT_CONCURRENCY: '50',
      LAMINA_MIN_UNRESERVED_CONCURRENCY: '',
      LAMINA_STATE_DIR: '/var/lib/lamina',
      LAMINA_LOG_LEVEL: 'debug',
    });
    expect(c).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      redisUrl: 'redis://localhost:6379/2',
      region: 'eu-west-3',
      accountId: '123456789012',
      accountConcurrency: 50,
      // the default 100 is clamped to the account limit
      minUnreservedConcurrency: 50,
      stateDir: '/var/lib/lamina',
      logLevel: 'debug',
    });
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({
        LAMINA_PORT: 'eighty',
        LAMINA_ACCOUNT_ID: '42',
        LAMINA_LOG_LEVEL: 'loud',
        REDIS_URL: 'http://x',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues).toHaveLength(4);
    for (const name of ['LAMINA_PORT', 'LAMINA_ACCOUNT_ID', 'LAMINA_LOG_LEVEL', 'REDIS_URL']) {
      expect((error as ConfigError).message).toContain(`${name}: `);
    }
  });

  it('reads the S3 endpoint of code from S3, its region, style and credentials', () => {
    expect(loadConfig({ LAMINA_S3_ENDPOINT: 'http://127.0.0.1:18333/' }).s3).toEqual({
      endpoint: 'http://127.0.0.1:18333',
      region: 'us-east-1',
      forcePathStyle: true,
    });
    const c = loadConfig({
      LAMINA_REGION: 'eu-west-1',
      LAMINA_S3_ENDPOINT: 'https://s3.eu-west-1.amazonaws.com',
      LAMINA_S3_FORCE_PATH_STYLE: 'false',
      LAMINA_S3_ACCESS_KEY_ID: 'AKID',
      LAMINA_S3_SECRET_ACCESS_KEY: 'secret',
      LAMINA_S3_SESSION_TOKEN: 'tok',
    });
    expect(c.s3).toEqual({
      endpoint: 'https://s3.eu-west-1.amazonaws.com',
      region: 'eu-west-1',
      forcePathStyle: false,
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'tok' },
    });
    expect(() => loadConfig({ LAMINA_S3_ENDPOINT: 'http://host/bucket' })).toThrow(
      /LAMINA_S3_ENDPOINT: must be http\(s\):\/\/host\[:port\], no path/,
    );
    expect(() => loadConfig({ LAMINA_S3_ACCESS_KEY_ID: 'AKID' })).toThrow(/set both or neither/);
  });
});

describe('loadConfig: TLS and the code storage quota', () => {
  it('takes both TLS files or neither, and an internal plain port with them', () => {
    expect(
      loadConfig({
        LAMINA_TLS_CERT_FILE: '/c.pem',
        LAMINA_TLS_KEY_FILE: '/k.pem',
        LAMINA_INTERNAL_PORT: '9080',
      }).tls,
    ).toEqual({ certFile: '/c.pem', keyFile: '/k.pem', internalPort: 9080 });
    expect(() => loadConfig({ LAMINA_TLS_CERT_FILE: '/c.pem' })).toThrow(/set both/);
    expect(loadConfig({}).tls).toBeUndefined();
    expect(loadConfig({ LAMINA_CODE_STORAGE_LIMIT_BYTES: '1000' }).codeStorageLimitBytes).toBe(
      1000,
    );
  });
});
