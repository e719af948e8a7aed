import { describe, expect, it } from 'vitest';

import { optSearchPaths } from './opt-search-paths.js';
import { runtimeEnv } from './runtime-env.js';
import { makeFn } from './test-support/fixtures.js';

describe('optSearchPaths', () => {
  it("points each runtime family's search path into the opt folder", () => {
    const host = { PATH: '/usr/bin', NODE_PATH: '/host/nm' };
    expect(optSearchPaths('nodejs22.x', '/o', host)).toEqual({
      PATH: '/usr/bin:/o/bin',
      LD_LIBRARY_PATH: '/o/lib',
      NODE_PATH: '/o/nodejs/node22/node_modules:/o/nodejs/node_modules:/host/nm',
    });
    expect(optSearchPaths('python3.11', '/o', {})).toMatchObject({
      PYTHONPATH: '/o/python/lib/python3.11/site-packages:/o/python',
    });
    expect(optSearchPaths('java17', '/o', {})).toMatchObject({ CLASSPATH: '/o/java/lib/*' });
    expect(Object.keys(optSearchPaths('provided.al2023', '/o', {})).sort()).toEqual([
      'LD_LIBRARY_PATH',
      'PATH',
    ]);
  });

  it('goes into the runtime environment, where the function still overrides it', () => {
    const env = runtimeEnv({
      fn: makeFn({ runtime: 'python3.11', environment: { PATH: '/mine' } }),
      runtimeApi: '127.0.0.1:1',
      logStreamName: 's',
      tmpDir: '/tmp/t',
      baseEnv: {},
      runtimeDir: '/rt',
      optDir: '/state/opt/abc',
    });
    expect(env['PYTHONPATH']).toBe(
      '/state/opt/abc/python/lib/python3.11/site-packages:/state/opt/abc/python',
    );
    expect(env['LD_LIBRARY_PATH']).toBe('/state/opt/abc/lib');
    expect(env['PATH']).toBe('/mine');
  });
});
