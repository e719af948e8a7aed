import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { LambdaClient, Runtime } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaminaProcess, startLamina, testEnv, uniqueName } from '@lamina/testkit';

import { lambdaClient } from '../support/lambda-client.js';
import {
  javaCase,
  nodejsCase,
  providedCase,
  pythonCase,
  type RuntimeCase,
} from './support/runtime-cases.js';
import {
  createFunction,
  functionsDir,
  invoke,
  maxMemoryUsed,
  setupRuntimes,
  zipDir,
} from './support/runtime-support.js';

/** A new machine installs the runtimes first (minutes; see test/runtimes/setup.sh). */
const SETUP_TIMEOUT_MS = 900_000;

// nodejs20.x and nodejs24.x run on the cache's Node.js of that major (setupRuntimes installs
// them); python3.13 and java21 have no interpreter on a Debian 12 host: they run from their
// image's exported root filesystem in the sandbox (ADR 0029; test/env/up exports them), else
// their local refusal is checked below; their worker images in worker-images.int.test.ts.
const rootfs = (runtime: string): boolean =>
  existsSync(join(testEnv.cacheDir(), 'rootfs', runtime, 'var/runtime/bootstrap'));
const CASES: readonly RuntimeCase[] = [
  nodejsCase('nodejs20.x'),
  nodejsCase('nodejs22.x'),
  nodejsCase('nodejs24.x'),
  pythonCase('python3.11'),
  ...(rootfs('python3.13') ? [pythonCase('python3.13')] : []),
  javaCase('java17'),
  ...(rootfs('java21') ? [javaCase('java21')] : []),
  ...(existsSync('/usr/lib/jvm/temurin-25-jdk-amd64/bin/java') ? [javaCase('java25')] : []),
  providedCase,
];

const MEMORY_MB = 128;
/** The main function's timeout: room for the memory blow-up on a loaded machine. */
const TIMEOUT_S = 10;
/** The timeout test's function. */
const SHORT_TIMEOUT_S = 1;
const ENV_NAMES = [
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_LAMBDA_RUNTIME_API',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_EXECUTION_ENV',
  'TZ',
  '_HANDLER',
  'LAMBDA_TASK_ROOT',
  '_X_AMZN_TRACE_ID',
  'COLOR',
];

let lamina: LaminaProcess;
let client: LambdaClient;

beforeAll(async () => {
  await setupRuntimes('python', 'java', 'node20', 'node24');
  lamina = await startLamina();
  client = lambdaClient(lamina.url);
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  client.destroy();
  await lamina.stop();
});

// The same function, the same assertions, every runtime (test/runtimes/functions/README.md).
describe.each(CASES)('$runtime', (c) => {
  const name = uniqueName(`conf-${c.runtime.replace(/\W/g, '')}`);

  beforeAll(async () => {
    const code = c.code();
    await createFunction(client, {
      FunctionName: name,
      Runtime: c.runtime as Runtime,
      Handler: c.handler,
      Code: { ZipFile: code },
      MemorySize: MEMORY_MB,
      Timeout: TIMEOUT_S,
      Environment: { Variables: { COLOR: 'teal' } },
    });
    await createFunction(client, {
      FunctionName: `${name}-short`,
      Runtime: c.runtime as Runtime,
      Handler: c.handler,
      Code: { ZipFile: code },
      MemorySize: MEMORY_MB,
      Timeout: SHORT_TIMEOUT_S,
    });
    await createFunction(client, {
      FunctionName: `${name}-init`,
      Runtime: c.runtime as Runtime,
      Handler: c.missingHandler,
      Code: { ZipFile: code },
      MemorySize: MEMORY_MB,
      Timeout: TIMEOUT_S,
    });
  });

  it('echoes the event', async () => {
    const event = { action: 'echo', n: 1, text: 'héllo', nested: { list: [1, 'two', null] } };
    const r = await invoke(client, name, event);
    expect(r.functionError).toBeUndefined();
    expect(r.body).toEqual(event);
    // Max Memory Used is measured, not a constant.
    const used = maxMemoryUsed(r.log);
    expect(used).toBeGreaterThan(1);
    expect(used).toBeLessThanOrEqual(MEMORY_MB);
  });

  it('fills the context object', async () => {
    const r = await invoke(client, name, { action: 'context' });
    const body = r.body as Record<string, unknown>;
    expect(body).toMatchObject({
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
      memoryLimitInMB: String(MEMORY_MB),
      logGroupName: `/aws/lambda/${name}`,
    });
    expect(body['awsRequestId']).toMatch(/^[0-9a-f-]{36}$/);
    expect(body['logStreamName']).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    // A loaded machine may take a while between the deadline and the handler's look at it.
    expect(body['remainingTimeInMillis']).toBeGreaterThan(TIMEOUT_S * 1000 - 2500);
    expect(body['remainingTimeInMillis']).toBeLessThanOrEqual(TIMEOUT_S * 1000);
  });

  it('sets the execution environment variables', async () => {
    const r = await invoke(client, name, { action: 'env', names: ENV_NAMES });
    const env = r.body as Record<string, string | null>;
    expect(env).toMatchObject({
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(MEMORY_MB),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EXECUTION_ENV: c.runtime.startsWith('provided') ? null : `AWS_Lambda_${c.runtime}`,
      TZ: 'UTC',
      _HANDLER: c.handler,
      COLOR: 'teal',
    });
    expect(env['AWS_LAMBDA_RUNTIME_API']).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(env['AWS_LAMBDA_LOG_STREAM_NAME']).toMatch(/\[\$LATEST\][0-9a-f]{32}$/);
    expect(env['LAMBDA_TASK_ROOT']).toBeTruthy();
    expect(env['_X_AMZN_TRACE_ID']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=/);
  });

  it("returns a handler error in the language's shape", async () => {
    const r = await invoke(client, name, { action: 'error' });
    expect(r.status).toBe(200);
    expect(r.functionError).toBe('Unhandled');
    const body = r.body as Record<string, unknown>;
    expect(body).toMatchObject({ errorMessage: 'boom', errorType: c.errorType });
    const requestId = /START RequestId: (\S+)/.exec(r.log)?.[1] ?? '';
    c.errorShape(body, requestId);
  });

  it.runIf(c.runtime.startsWith('nodejs'))('runs on the Node.js of its major', async () => {
    const r = await invoke(client, name, { action: 'node-version' });
    const major = /^nodejs(\d+)\.x$/.exec(c.runtime)?.[1] ?? '';
    expect((r.body as { node: string }).node).toMatch(new RegExp(`^${major}\\.`));
  });

  it.runIf(c.runtime.startsWith('nodejs'))("starts node as Lambda's bootstrap does", async () => {
    // Three calls at once: three environments, at most one a pre-warmed runtime (started before
    // its function was known: the heap keeps V8's default size) and at least one spawned for it.
    const calls = [1, 2, 3].map(() =>
      invoke(client, name, { action: 'node-start', sleepMs: 1000 }),
    );
    const started = (await Promise.all(calls)).map(
      (r) => r.body as { gc: string; execArgv: string[] },
    );
    const always = ['--expose-gc', '--max-http-header-size=81920'];
    for (const s of started)
      expect(s).toMatchObject({ gc: 'function', execArgv: expect.arrayContaining(always) });
    // 128 MB: a tenth for the young generation, half of it per semi-space, the rest old space.
    expect(started.map((s) => s.execArgv)).toContainEqual([
      ...always,
      '--max-semi-space-size=6',
      '--max-old-space-size=116',
    ]);
  });

  it('returns what the function logged in the Tail log', async () => {
    const value = `v-${Math.random().toString(36).slice(2)}`;
    const r = await invoke(client, name, { action: 'log', value });
    expect(r.body).toEqual({ logged: value });
    expect(r.log).toContain(`conformance-log ${value}`);
    expect(r.log).toMatch(/^START RequestId: \S+ Version: \$LATEST$/m);
    expect(r.log).toMatch(/^END RequestId: \S+$/m);
    expect(r.log).toMatch(/^REPORT RequestId: \S+\tDuration: /m);
  });

  it('keeps module state on warm calls', async () => {
    const first = (await invoke(client, name, { action: 'count' })).body as { count: number };
    const second = (await invoke(client, name, { action: 'count' })).body as { count: number };
    expect(second.count).toBe(first.count + 1);
  });

  it('keeps /tmp within an environment', async () => {
    const value = `v-${Math.random().toString(36).slice(2)}`;
    expect((await invoke(client, name, { action: 'tmp-write', value })).body).toEqual({
      written: value,
    });
    expect((await invoke(client, name, { action: 'tmp-read' })).body).toEqual({ value });
  });

  it('reports an init error to the first invocation', async () => {
    const r = await invoke(client, `${name}-init`, { action: 'echo' });
    expect(r.functionError).toBe('Unhandled');
    expect(r.body).toMatchObject({ errorType: c.initErrorType });
    expect(typeof (r.body as Record<string, unknown>)['errorMessage']).toBe('string');
  });

  it('times out, then starts a fresh environment', async () => {
    const short = `${name}-short`;
    expect((await invoke(client, short, { action: 'count' })).body).toEqual({ count: 1 });
    const r = await invoke(client, short, { action: 'sleep', ms: SHORT_TIMEOUT_S * 1000 + 3000 });
    expect(r.functionError).toBe('Unhandled');
    expect(r.body).toMatchObject({
      errorMessage: expect.stringMatching(
        new RegExp(`Task timed out after ${String(SHORT_TIMEOUT_S)}\\.\\d\\d seconds$`),
      ) as unknown,
    });
    const after = await invoke(client, short, { action: 'count' });
    expect(after.body).toEqual({ count: 1 });
  });

  it('kills an environment over its memory size: Runtime.ExitError', async () => {
    const r = await invoke(client, name, { action: 'blowup' });
    expect(r.functionError).toBe('Unhandled');
    expect(r.body).toMatchObject({
      errorType: 'Runtime.ExitError',
      errorMessage: expect.stringMatching(
        /^RequestId: \S+ Error: Runtime exited with error: signal: killed$/,
      ) as unknown,
    });
    expect(maxMemoryUsed(r.log)).toBeGreaterThanOrEqual(MEMORY_MB);
    const after = await invoke(client, name, { action: 'echo' });
    expect(after.body).toEqual({ action: 'echo' });
  });
});

// A runtime whose interpreter this host lacks is refused at CreateFunction, naming what is
// missing (the runtime list's `requires`); python3.12 is refused everywhere, with the reason.
describe('runtimes without a local interpreter', () => {
  const missing = [
    ['python3.13', '/usr/bin/python3.13', /It needs Python 3\.13 at \/usr\/bin\/python3\.13/],
    ['java21', '/usr/lib/jvm/java-21-openjdk-amd64/bin/java', /It needs a JDK 21/],
  ] as const;
  // Missing means no interpreter on the host and no exported image root in the cache either.
  const runnable = (runtime: string, binary: string): boolean =>
    existsSync(binary) || rootfs(runtime);
  it.each(missing.filter(([runtime, binary]) => !runnable(runtime, binary)))(
    '%s: refused, naming what is missing',
    async (runtime, _binary, message) => {
      const err = await createFunction(client, {
        FunctionName: uniqueName('conf-missing'),
        Runtime: runtime,
        Handler: 'app.handler',
        Code: { ZipFile: zipDir(join(functionsDir, 'python')) },
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'InvalidParameterValueException' });
      expect((err as Error).message).toMatch(message);
    },
  );

  it('python3.12: refused with the reason', async () => {
    const err = await createFunction(client, {
      FunctionName: uniqueName('conf-py312'),
      Runtime: 'python3.12',
      Handler: 'app.handler',
      Code: { ZipFile: zipDir(join(functionsDir, 'python')) },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'InvalidParameterValueException' });
    expect((err as Error).message).toMatch(/no CPython 3\.12 build can be installed/);
  });
});
