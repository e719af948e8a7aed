import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, runtimeBaseEnv } from './config.js';

const POD = {
  LAMINA_FUNCTION_NAME: 'hello',
  LAMINA_FUNCTION_NAMESPACE: 'team-a',
  LAMINA_FUNCTION_VERSION: '3',
  LAMINA_RUNTIME: 'python3.11',
  LAMINA_HANDLER: 'app.handler',
  LAMINA_MEMORY_SIZE_MB: '256',
  LAMINA_TIMEOUT_SECONDS: '30',
  LAMINA_CODE_SHA256: 'ab'.repeat(32),
  LAMINA_CODE_DIR: '/var/lamina/code',
  LAMINA_ENVIRONMENT_DIR: '/var/run/lamina/env',
  LAMINA_REGION: 'eu-west-1',
  LAMINA_REDIS_URL: 'redis://redis:6379',
  LAMINA_WORKER_PORT: '8080',
};

describe('agent config', () => {
  it('reads the operator contract', () => {
    expect(loadConfig(POD)).toEqual({
      functionName: 'hello',
      namespace: 'team-a',
      version: '3',
      runtime: 'python3.11',
      handler: 'app.handler',
      memorySizeMb: 256,
      timeoutSeconds: 30,
      ephemeralStorageMb: 512,
      codeSha256Hex: 'ab'.repeat(32),
      codeStoreDir: '/var/lamina/code',
      codeUrl: undefined,
      codeToken: undefined,
      codeCacheDir: '/var/lamina/code-cache',
      layers: [],
      layerTokens: [],
      optDir: '/opt',
      taskDir: undefined,
      taskView: undefined,
      killStrays: false,
      environmentDir: '/var/run/lamina/env',
      region: 'eu-west-1',
      accountId: '000000000000',
      redisUrl: 'redis://redis:6379',
      port: 8080,
      host: '0.0.0.0',
      bootstrap: '/var/runtime/bootstrap',
      parkedBootstrap: undefined,
      drainLingerMs: 2000,
      initTimeoutMs: 10_000,
      initAtStart: true,
      initializationType: 'on-demand',
      generic: false,
      specializedIdleMs: 120_000,
      logLevel: 'info',
    });
  });

  it('a provisioned pod runs init at start whatever LAMINA_INIT_AT_START says', () => {
    const config = loadConfig({
      ...POD,
      LAMINA_INIT_AT_START: 'false',
      LAMINA_INITIALIZATION_TYPE: 'provisioned-concurrency',
    });
    expect(config).toMatchObject({
      initAtStart: true,
      initializationType: 'provisioned-concurrency',
    });
    expect(() => loadConfig({ ...POD, LAMINA_INITIALIZATION_TYPE: 'eager' })).toThrow(ConfigError);
    // LoggingConfig as the operator writes it; a level with Text is refused like the API does.
    expect(
      loadConfig({
        ...POD,
        LAMINA_FUNCTION_LOGGING: '{"LogFormat":"JSON","SystemLogLevel":"WARN"}',
      }).logging,
    ).toEqual({ format: 'JSON', applicationLogLevel: 'INFO', systemLogLevel: 'WARN' });
    expect(() =>
      loadConfig({ ...POD, LAMINA_FUNCTION_LOGGING: '{"ApplicationLogLevel":"DEBUG"}' }),
    ).toThrow(ConfigError);
    expect(() => loadConfig({ ...POD, LAMINA_FUNCTION_LOGGING: 'json' })).toThrow(ConfigError);
  });

  it('reads the layers in order, their tokens, and refuses more than five', () => {
    const two = `${'c'.repeat(64)},${'d'.repeat(64)}`;
    const c = loadConfig({ ...POD, LAMINA_LAYER_SHA256S: two, LAMINA_LAYER_TOKENS: 't1,t2' });
    expect(c.layers).toEqual(['c'.repeat(64), 'd'.repeat(64)]);
    expect(c.layerTokens).toEqual(['t1', 't2']);
    const six = Array.from({ length: 6 }, () => 'e'.repeat(64)).join(',');
    expect(() => loadConfig({ ...POD, LAMINA_LAYER_SHA256S: six })).toThrow(/LAMINA_LAYER_SHA256S/);
  });

  it('reads code delivery over HTTP and the init-at-start switch', () => {
    const config = loadConfig({
      ...POD,
      LAMINA_CODE_URL: 'http://lamina-gateway.lamina-system.svc:80',
      LAMINA_CODE_TOKEN: 'c0ffee',
      LAMINA_CODE_CACHE_DIR: '/var/lamina/fetched',
      LAMINA_INIT_AT_START: 'false',
    });
    expect(config).toMatchObject({
      codeUrl: 'http://lamina-gateway.lamina-system.svc:80',
      codeToken: 'c0ffee',
      codeCacheDir: '/var/lamina/fetched',
      initAtStart: false,
    });
    expect(() => loadConfig({ ...POD, LAMINA_CODE_URL: 'ftp://x' })).toThrow(ConfigError);
  });

  it('defaults what the operator leaves out; absent code is not a config error', () => {
    const config = loadConfig({
      LAMINA_FUNCTION_NAME: 'f',
      LAMINA_RUNTIME: 'nodejs22.x',
      LAMINA_HANDLER: 'index.handler',
      LAMINA_CODE_DIR: '',
    });
    expect(config).toMatchObject({
      version: '$LATEST',
      memorySizeMb: 128,
      timeoutSeconds: 3,
      port: 8080,
      codeSha256Hex: undefined,
      codeStoreDir: undefined,
    });
  });

  it('a generic pod needs no function, only its runtime', () => {
    const c = loadConfig({
      LAMINA_WORKER_GENERIC: 'true',
      LAMINA_RUNTIME: 'nodejs22.x',
      LAMINA_SPECIALIZED_IDLE_SECONDS: '30',
    });
    expect(c).toMatchObject({
      generic: true,
      functionName: '',
      handler: '',
      runtime: 'nodejs22.x',
    });
    expect(c.specializedIdleMs).toBe(30_000);
    expect(c.parkedBootstrap).toBeUndefined();
    const parked = loadConfig({
      LAMINA_WORKER_GENERIC: 'true',
      LAMINA_RUNTIME: 'nodejs22.x',
      LAMINA_PARKED_BOOTSTRAP: '/var/lamina/agent/nodejs-parked.mjs',
    });
    expect(parked.parkedBootstrap).toBe('/var/lamina/agent/nodejs-parked.mjs');
    expect(() => loadConfig({ LAMINA_RUNTIME: 'nodejs22.x' })).toThrow(/LAMINA_FUNCTION_NAME/);
  });

  it('names every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({
        ...POD,
        LAMINA_HANDLER: '',
        LAMINA_MEMORY_SIZE_MB: '64',
        LAMINA_WORKER_PORT: 'x',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues.join('\n');
    expect(issues).toMatch(/LAMINA_HANDLER/);
    expect(issues).toMatch(/LAMINA_MEMORY_SIZE_MB/);
    expect(issues).toMatch(/LAMINA_WORKER_PORT/);
  });

  it('passes the image environment to the runtime, not the platform variables', () => {
    expect(
      runtimeBaseEnv({
        PATH: '/usr/bin',
        PYTHONPATH: '/var/runtime',
        LAMINA_REDIS_URL: 'redis://x',
        KUBERNETES_SERVICE_HOST: '10.0.0.1',
        HOSTNAME: 'hello-v3-abc',
        UNSET: undefined,
      }),
    ).toEqual({ PATH: '/usr/bin', PYTHONPATH: '/var/runtime' });
  });
});
