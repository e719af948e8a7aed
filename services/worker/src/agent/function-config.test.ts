import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { functionConfigOf, runtimeCommandOf } from './function-config.js';

const config = loadConfig({
  LAMINA_FUNCTION_NAME: 'hello',
  LAMINA_FUNCTION_VERSION: '7',
  LAMINA_RUNTIME: 'java17',
  LAMINA_HANDLER: 'example.Handler::handleRequest',
  LAMINA_MEMORY_SIZE_MB: '512',
  LAMINA_TIMEOUT_SECONDS: '20',
  LAMINA_CODE_SHA256: '00'.repeat(31) + 'ff',
  LAMINA_REGION: 'eu-central-1',
});

describe('function config of a worker pod', () => {
  it('is the pod’s function version, code sha in base64, variables from the env dir', () => {
    expect(functionConfigOf(config, '/var/lamina/code/x', { A: '1' })).toEqual({
      name: 'hello',
      version: '7',
      runtime: 'java17',
      handler: 'example.Handler::handleRequest',
      memorySize: 512,
      timeout: 20,
      ephemeralStorage: 512,
      environment: { A: '1' },
      codeDir: '/var/lamina/code/x',
      codeSha256: Buffer.from('00'.repeat(31) + 'ff', 'hex').toString('base64'),
      functionArn: 'arn:aws:lambda:eu-central-1:000000000000:function:hello',
      region: 'eu-central-1',
    });
  });

  it('starts the image bootstrap with the handler; provided runtimes start the code’s own', () => {
    expect(runtimeCommandOf(config)).toEqual({
      command: ['/var/runtime/bootstrap', 'example.Handler::handleRequest'],
      runtimeDir: '/var/runtime',
    });
    expect(runtimeCommandOf({ ...config, runtime: 'provided.al2023' }).command).toEqual([
      './bootstrap',
    ]);
  });
});
