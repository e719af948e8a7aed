import { describe, expect, it } from 'vitest';

import { lambdaNodeOptions } from '@lamina/core';

import { runtimeDirOf, runtimePathsOf, spawnCommandOf } from './runtime-command.js';

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

  it('shows a sandbox the absolute words of the command, not the options', () => {
    expect(runtimePathsOf(node)).toEqual(['/usr/bin/node', '/rt/bootstrap.js']);
    expect(runtimePathsOf({ ...node, sandboxPaths: ['/opt/node'] })).toEqual(['/opt/node']);
  });

  it("keeps LAMBDA_RUNTIME_DIR at the bootstrap's folder", () => {
    expect(runtimeDirOf(node)).toBe('/rt');
    expect(runtimeDirOf({ ...node, runtimeDir: '/var/runtime' })).toBe('/var/runtime');
  });
});
