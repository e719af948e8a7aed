import { describe, expect, it } from 'vitest';
import { makeFn } from './test-support/fixtures.js';
import { logStreamName, newTraceId, runtimeEnv } from './runtime-env.js';

describe('runtime environment', () => {
  it('names log streams like Lambda: date, version in brackets, 32 hex', () => {
    const name = logStreamName('7', Date.UTC(2019, 5, 7, 23, 59));
    expect(name).toMatch(/^2019\/06\/07\/\[7\][0-9a-f]{32}$/);
    expect(logStreamName('7', 0)).not.toBe(logStreamName('7', 0));
  });

  it('makes distinct X-Ray style trace ids', () => {
    const ids = new Set(Array.from({ length: 600 }, () => newTraceId(Date.UTC(2020, 0, 1))));
    expect(ids.size).toBe(600);
    for (const id of ids) {
      expect(id).toMatch(/^Root=1-5e0be100-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
    }
  });

  it('lets the function override unreserved variables but not reserved ones', () => {
    const env = runtimeEnv({
      fn: makeFn({
        name: 'f',
        environment: { LANG: 'C', PATH: '/opt/bin', TZ: 'Europe/Paris', _HANDLER: 'x.y', A: '1' },
      }),
      runtimeApi: '127.0.0.1:1234',
      logStreamName: 's',
      tmpDir: '/tmp/t',
      baseEnv: { PATH: '/host/bin', SECRET_FROM_HOST: 'no' },
      runtimeDir: '/rt',
    });
    expect(env).toMatchObject({
      LANG: 'C',
      PATH: '/opt/bin',
      TZ: 'UTC',
      _HANDLER: 'echo.handler',
      A: '1',
      TMPDIR: '/tmp/t',
      AWS_LAMBDA_RUNTIME_API: '127.0.0.1:1234',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      LAMBDA_RUNTIME_DIR: '/rt',
    });
  });

  it('leaves AWS_EXECUTION_ENV unset for custom runtimes', () => {
    const env = runtimeEnv({
      fn: makeFn({ runtime: 'provided.al2023' }),
      runtimeApi: 'h:1',
      logStreamName: 's',
      tmpDir: '/t',
      baseEnv: {},
      runtimeDir: '/rt',
    });
    expect(env['AWS_EXECUTION_ENV']).toBeUndefined();
  });
});
