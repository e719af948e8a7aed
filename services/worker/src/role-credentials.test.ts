import { describe, expect, it } from 'vitest';

import { credentialsEnv, FAKE_CREDENTIALS } from './role-credentials.js';
import { runtimeEnv } from './runtime-env.js';
import { makeFn } from './test-support/fixtures.js';

const base = {
  runtimeApi: '127.0.0.1:1',
  logStreamName: 's',
  tmpDir: '/tmp/t',
  runtimeDir: '/rt',
};

describe('credentials of an environment', () => {
  it('takes the mapped ones, else the platform’s, else clearly fake ones', () => {
    const mapped = { accessKeyId: 'AKIAMAPPED', secretAccessKey: 's', sessionToken: 't' };
    const host = { AWS_ACCESS_KEY_ID: 'AKIAHOST', AWS_SECRET_ACCESS_KEY: 'hs' };
    expect(credentialsEnv(mapped, host)).toEqual({
      AWS_ACCESS_KEY_ID: 'AKIAMAPPED',
      AWS_SECRET_ACCESS_KEY: 's',
      AWS_SESSION_TOKEN: 't',
    });
    expect(credentialsEnv(undefined, host)).toEqual({
      AWS_ACCESS_KEY_ID: 'AKIAHOST',
      AWS_SECRET_ACCESS_KEY: 'hs',
    });
    expect(credentialsEnv(undefined, {})).toEqual({
      AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: FAKE_CREDENTIALS.sessionToken,
    });
  });

  it('are reserved in the runtime environment: static keys drop a platform token', () => {
    const env = runtimeEnv({
      ...base,
      fn: makeFn({ environment: { A: '1' } }),
      baseEnv: { AWS_SESSION_TOKEN: 'stale-host-token' },
      credentials: { accessKeyId: 'AKIASTATIC', secretAccessKey: 'x' },
    });
    expect(env['AWS_ACCESS_KEY_ID']).toBe('AKIASTATIC');
    expect(env['AWS_SESSION_TOKEN']).toBeUndefined();
    expect(env['A']).toBe('1');
    const fake = runtimeEnv({ ...base, fn: makeFn({}), baseEnv: {} });
    expect(fake['AWS_ACCESS_KEY_ID']).toBe(FAKE_CREDENTIALS.accessKeyId);
    expect(fake['AWS_REGION']).toBeDefined();
  });
});
