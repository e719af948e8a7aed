import { describe, expect, it } from 'vitest';

import { dockerRunArgs } from './docker-runtime.js';

describe('dockerRunArgs', () => {
  const env = {
    PATH: '/usr/bin',
    HOME: '/root',
    TMPDIR: '/tmp/lamina-env-1',
    AWS_LAMBDA_RUNTIME_API: '127.0.0.1:4000',
    AWS_LAMBDA_FUNCTION_NAME: 'f',
    AWS_EXECUTION_ENV: 'AWS_Lambda_',
    LAMBDA_TASK_ROOT: '',
    _HANDLER: '',
    TZ: 'UTC',
    GREETING: 'hi',
  };

  it('passes Lambda variables and the function’s by name only, never the host’s', () => {
    const args = dockerRunArgs(
      'lamina-x',
      { image: { uri: 'app:v1' }, functionEnvironment: { GREETING: 'hi' }, memoryMb: 256 },
      env,
    );
    expect(args).toEqual([
      'run', '--rm', '--name', 'lamina-x', '--network', 'host', '--memory', '256m',
      '-e', 'AWS_LAMBDA_RUNTIME_API', '-e', 'AWS_LAMBDA_FUNCTION_NAME', '-e', 'TZ',
      '-e', 'GREETING', 'app:v1',
    ]); // prettier-ignore
    expect(args.join(' ')).not.toContain('hi');
  });

  it('maps ImageConfig: the entry point’s first word to --entrypoint, the rest before CMD', () => {
    const args = dockerRunArgs(
      'n',
      {
        image: {
          uri: 'app:v1',
          entryPoint: ['/bin/sh', '-c'],
          command: ['echo hi'],
          workingDirectory: '/w',
        },
        functionEnvironment: {},
        memoryMb: 128,
      },
      {},
    );
    expect(args.slice(-7)).toEqual([
      '--entrypoint', '/bin/sh', '--workdir', '/w', 'app:v1', '-c', 'echo hi',
    ]); // prettier-ignore
  });
});
