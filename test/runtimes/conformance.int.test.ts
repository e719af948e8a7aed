import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { LambdaClient, Runtime } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaminaProcess, startLamina, uniqueName } from '@lamina/testkit';

import { lambdaClient } from '../support/lambda-client.js';
import {
  createFunction,
  functionsDir,
  invoke,
  javaConformanceZip,
  maxMemoryUsed,
  setupRuntimes,
  zipDir,
} from './support/runtime-support.js';

/** A new machine installs the runtimes first (minutes; see test/runtimes/setup.sh). */
const SETUP_TIMEOUT_MS = 900_000;

/** One runtime under test: how its conformance function is packaged and how it fails. */
interface RuntimeCase {
  readonly runtime: string;
  readonly handler: string;
  /** A handler whose module (class, script branch) does not exist: an init error. */
  readonly missingHandler: string;
  readonly code: () => Buffer;
  readonly errorType: string;
  readonly initErrorType: string;
  /** Checks the language's own error body beyond errorMessage and errorType. */
  readonly errorShape: (body: Record<string, unknown>, requestId: string) => void;
}

const stackOf = (body: Record<string, unknown>, key: string): unknown[] => {
  const v = body[key];
  expect(Array.isArray(v)).toBe(true);
  return v as unknown[];
};

const java = (runtime: string): RuntimeCase => ({
  runtime,
  handler: 'conformance.Handler::handleRequest',
  missingHandler: 'conformance.Missing::handleRequest',
  code: javaConformanceZip,
  errorType: 'java.lang.RuntimeException',
  initErrorType: 'java.lang.ClassNotFoundException',
  errorShape: (body) => {
    expect(stackOf(body, 'stackTrace').join('\n')).toContain('conformance.Handler.handleRequest');
  },
});

const CASES: readonly RuntimeCase[] = [
  {
    runtime: 'nodejs22.x',
    handler: 'index.handler',
    missingHandler: 'missing.handler',
    code: () => zipDir(join(functionsDir, 'nodejs')),
    errorType: 'Error',
    initErrorType: 'Runtime.ImportModuleError',
    errorShape: (body) => {
      expect(String(stackOf(body, 'trace')[0])).toBe('Error: boom');
    },
  },
  {
    runtime: 'python3.11',
    handler: 'app.handler',
    missingHandler: 'missing.handler',
    code: () => zipDir(join(functionsDir, 'python')),
    errorType: 'ValueError',
    initErrorType: 'Runtime.ImportModuleError',
    errorShape: (body, requestId) => {
      expect(body['requestId']).toBe(requestId);
      expect(stackOf(body, 'stackTrace').join('')).toContain('raise ValueError("boom")');
    },
  },
  java('java17'),
  ...(existsSync('/usr/lib/jvm/temurin-25-jdk-amd64/bin/java') ? [java('java25')] : []),
  {
    runtime: 'provided.al2023',
    handler: 'conformance.handler',
    missingHandler: 'missing.handler',
    code: () => zipDir(join(functionsDir, 'provided')),
    errorType: 'Function.Boom',
    initErrorType: 'Runtime.ImportModuleError',
    errorShape: (body) => {
      expect(Object.keys(body).sort()).toEqual(['errorMessage', 'errorType']);
    },
  },
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
  await setupRuntimes('python', 'java');
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
