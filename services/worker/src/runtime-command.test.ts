import { describe, expect, it } from 'vitest';

import { lambdaNodeOptions, runtimeDirOf, spawnCommandOf } from './runtime-command.js';

describe('lambdaNodeOptions', () => {
  it("sizes the heap from the memory as Lambda's Node.js bootstrap does", () => {
    expect(lambdaNodeOptions(128)).toEqual([
      '--expose-gc',
      '--max-http-header-size=81920',
      '--max-semi-space-size=6',
      '--max-old-space-size=116',
    ]);
    expect(lambdaNodeOptions(10_240).slice(2)).toEqual([
      '--max-semi-space-size=512',
      '--max-old-space-size=9216',
    ]);
  });

  it('leaves the heap to V8 when the function is not known yet', () => {
    expect(lambdaNodeOptions(undefined)).toEqual(['--expose-gc', '--max-http-header-size=81920']);
  });
});

describe('spawnCommandOf', () => {
  const node = {
    command: ['/usr/bin/node', '/rt/bootstrap.js'],
    interpreterOptions: lambdaNodeOptions,
  };

  it("puts the interpreter's options after its executable", () => {
    expect(spawnCommandOf(node, 256)).toEqual([
      '/usr/bin/node',
      '--expose-gc',
      '--max-http-header-size=81920',
      '--max-semi-space-size=12',
      '--max-old-space-size=231',
      '/rt/bootstrap.js',
    ]);
    expect(spawnCommandOf({ command: ['./bootstrap'] }, 256)).toEqual(['./bootstrap']);
  });

  it("keeps LAMBDA_RUNTIME_DIR at the bootstrap's folder", () => {
    expect(runtimeDirOf(node)).toBe('/rt');
    expect(runtimeDirOf({ ...node, runtimeDir: '/var/runtime' })).toBe('/var/runtime');
  });
});
