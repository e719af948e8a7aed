import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureRuntimeBuilt, fixturesDir, makeInvocation, parse } from './test-support/fixtures.js';
import { withEnv } from './test-support/with-env.js';

const REPORT =
  /^REPORT RequestId: \S+\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB\tMax Memory Used: \d+ MB\t(Init Duration: \d+\.\d\d ms\t)?$/;

describe('ExecutionEnvironment', { timeout: 20_000 }, () => {
  beforeAll(() => {
    ensureRuntimeBuilt();
  }, 60_000);

  it('cold-starts once, then reuses the warm runtime with its module state', async () => {
    await withEnv({ handler: 'state.handler' }, async ({ invoke, env }) => {
      const first = await invoke({}, true);
      const second = await invoke({}, true);
      expect(first.coldStart).toBe(true);
      expect(first.initDurationMs).toBeGreaterThan(0);
      expect(second.coldStart).toBe(false);
      expect(second.initDurationMs).toBeUndefined();
      expect(parse(first.payload)).toEqual({ count: 1, pid: env.pid });
      expect(parse(second.payload)).toEqual({ count: 2, pid: env.pid });
      expect(env.reusable).toBe(true);
      const [start, end, report, rest] = (first.log ?? '').split('\n');
      expect(rest).toBe('');
      expect(start).toMatch(/^START RequestId: \S+ Version: \$LATEST$/);
      expect(end).toMatch(/^END RequestId: \S+$/);
      expect(report).toMatch(REPORT);
      expect(report).toContain('Init Duration');
      expect(second.log).not.toContain('Init Duration');
      // With a log tail, REPORT is written before the answer and its peak is in the result.
      expect(first.maxMemoryUsedMb).toBeGreaterThan(10);
    });
  });

  it('writes END and REPORT after the answer when no log tail is asked, before the next START', async () => {
    await withEnv({}, async ({ invoke, lines }) => {
      const first = await invoke({});
      expect(first.log).toBeUndefined();
      expect(first.maxMemoryUsedMb).toBeUndefined();
      // The answer is out; the closing lines follow in the same turn.
      expect(lines.some((l) => l.startsWith('END '))).toBe(false);
      await new Promise((r) => setImmediate(r));
      const report = lines.find((l) => l.startsWith('REPORT '));
      expect(report).toMatch(REPORT);
      expect(Number(/Max Memory Used: (\d+) MB/.exec(report ?? '')?.[1])).toBeGreaterThan(10);
      const second = await invoke({});
      expect(second.maxMemoryUsedMb).toBeUndefined();
      await new Promise((r) => setImmediate(r));
      expect(lines.map((l) => l.split(' ')[0])).toEqual([
        'START',
        'END',
        'REPORT',
        'START',
        'END',
        'REPORT',
      ]);
    });
  });

  it('writes owed closing lines before the next invocation starts', async () => {
    await withEnv({}, async ({ env, lines }) => {
      // Two calls back to back in the same turn chain: the second begins before the first's
      // closing turn.
      await env.invoke(makeInvocation({}, {}));
      const second = env.invoke(makeInvocation({}, { tailLog: true }));
      expect(lines.map((l) => l.split(' ')[0])).toEqual(['START', 'END', 'REPORT', 'START']);
      const r = await second;
      expect((r.log ?? '').split('\n')[0]).toMatch(/^START /);
      expect(r.maxMemoryUsedMb).toBeGreaterThan(10);
    });
  });

  it('echoes the event with application/json', async () => {
    await withEnv({}, async ({ invoke }) => {
      const r = await invoke({ a: [1, 'two'] });
      expect(parse(r.payload)).toEqual({ a: [1, 'two'] });
      expect(r.functionError).toBeUndefined();
      expect(r.executedVersion).toBe('$LATEST');
      expect(r.contentType).toBe('application/json');
    });
  });

  it.each([
    ['esm.handler', { esm: true, event: { x: 1 } }],
    ['cjs.handler', { cjs: true, event: { x: 1 } }],
    ['nested.a.b.c', 'nested'],
  ])('loads %s', async (handler, expected) => {
    await withEnv({ handler }, async ({ invoke }) => {
      expect(parse((await invoke({ x: 1 })).payload)).toEqual(expected);
    });
  });

  it('loads .js as an ES module under "type": "module", from a subdirectory', async () => {
    const codeDir = path.join(fixturesDir, 'esm-pkg');
    await withEnv({ handler: 'lib/app.handler', codeDir }, async ({ invoke }) => {
      expect(parse((await invoke({ y: 2 })).payload)).toEqual({
        module: 'esm',
        started: 'number',
        event: { y: 2 },
      });
    });
  });

  it('supports callback handlers and callbackWaitsForEmptyEventLoop', async () => {
    await withEnv({ handler: 'callback.wait' }, async ({ invoke }) => {
      const r = await invoke({}, true);
      expect(parse(r.payload)).toEqual({ waited: true });
      // The timer ran before the response: its line precedes END.
      expect(r.log).toMatch(/INFO\ttimer fired\nEND RequestId/);
    });
    await withEnv({ handler: 'callback.noWait' }, async ({ invoke }) => {
      const r = await invoke({}, true);
      expect(parse(r.payload)).toEqual({ waited: false });
      expect(r.log).not.toContain('late timer');
    });
  });

  it.each([
    ['callback.error', 'TypeError', 'bad input'],
    ['callback.string', 'string', 'plain failure'],
  ])('reports %s as a function error', async (handler, errorType, errorMessage) => {
    await withEnv({ handler }, async ({ invoke, env }) => {
      const r = await invoke();
      expect(r.functionError).toBe('Unhandled');
      expect(parse(r.payload)).toMatchObject({ errorType, errorMessage });
      expect(env.reusable).toBe(true);
    });
  });

  it('answers context.succeed and null for handlers that return nothing', async () => {
    await withEnv({ handler: 'callback.succeed' }, async ({ invoke }) => {
      expect(parse((await invoke()).payload)).toEqual({ legacy: 'succeed' });
    });
    await withEnv({ handler: 'callback.nothing' }, async ({ invoke }) => {
      expect((await invoke()).payload.toString()).toBe('null');
    });
  });

  it('fails an async handler whose promise is pending when the loop empties, and stays reusable', async () => {
    await withEnv({ handler: 'callback.neverSettles' }, async ({ invoke, env }) => {
      for (let i = 0; i < 2; i++) {
        const r = await invoke();
        expect(r.functionError).toBe('Unhandled');
        expect(parse(r.payload)).toMatchObject({
          errorType: 'Runtime.NodeJsExit',
          errorMessage: expect.stringContaining('a Promise that was never settled'),
        });
        expect(env.reusable).toBe(true);
      }
    });
  });

  it("shapes handler errors as Lambda's Node.js runtime does, and logs them", async () => {
    await withEnv({ handler: 'throw.handler' }, async ({ invoke, env }) => {
      const r = await invoke({}, true);
      expect(r.functionError).toBe('Unhandled');
      expect(r.errorType).toBe('Error');
      const body = parse(r.payload) as { errorType: string; errorMessage: string; trace: string[] };
      expect(Object.keys(body)).toEqual(['errorType', 'errorMessage', 'trace']);
      expect(body.errorType).toBe('Error');
      expect(body.errorMessage).toBe('boom');
      expect(body.trace[0]).toBe('Error: boom');
      expect(body.trace[1]).toMatch(/^ {4}at /);
      expect(r.log).toMatch(/\tERROR\tInvoke Error \t\{"errorType":"Error","errorMessage":"boom"/);
      expect(env.reusable).toBe(true);
    });
  });

  it("writes console output in Lambda's format, one event per call", async () => {
    await withEnv({ handler: 'log.handler' }, async ({ invoke }) => {
      const r = await invoke({}, true);
      const lines = (r.log ?? '').split('\n');
      const id = /START RequestId: (\S+)/.exec(lines[0] ?? '')?.[1] ?? '';
      expect(lines).toContain(`${lines[1]?.slice(0, 24) ?? ''}\t${id}\tINFO\thello { a: 1 }`);
      expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t/);
      expect(lines.some((l) => l.endsWith(`\t${id}\tERROR\tto stderr?`))).toBe(true);
      expect(lines.some((l) => l.endsWith(`\t${id}\tWARN\tcareful`))).toBe(true);
      expect(lines.some((l) => l.endsWith(`\t${id}\tINFO\ttwo\rlines`))).toBe(true);
      expect(lines).toContain('raw stderr');
    });
  });

  it('writes JSON platform records and JSON application lines with LogFormat JSON', async () => {
    const logging = {
      format: 'JSON',
      applicationLogLevel: 'WARN',
      systemLogLevel: 'INFO',
    } as const;
    await withEnv({ handler: 'log.handler', logging }, async ({ invoke }) => {
      const r = await invoke({}, true);
      const lines = (r.log ?? '').split('\n').filter((l) => l !== '');
      const records = lines
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const start = records.find((x) => x['type'] === 'platform.start');
      const report = records.find((x) => x['type'] === 'platform.report');
      const id = (start?.['record'] as { requestId?: string } | undefined)?.requestId;
      expect(start?.['record']).toEqual({ requestId: id, version: '$LATEST' });
      expect(report?.['record']).toMatchObject({ requestId: id, status: 'success' });
      // INFO keeps no runtimeDone (END's place); the runtime drops its INFO lines at WARN.
      expect(records.some((x) => x['type'] === 'platform.runtimeDone')).toBe(false);
      expect(lines.some((l) => l.startsWith('END ') || l.startsWith('START '))).toBe(false);
      const app = records.filter((x) => x['level'] !== undefined);
      expect(app.map((x) => [x['level'], x['message']])).toEqual([
        ['ERROR', 'to stderr?'],
        ['WARN', 'careful'],
      ]);
      expect(app.every((x) => x['requestId'] === id)).toBe(true);
    });
    await withEnv(
      { handler: 'log.handler', logging: { ...logging, systemLogLevel: 'WARN' } },
      async ({ invoke }) => {
        const r = await invoke({}, true);
        expect(r.log).not.toContain('"type":"platform.');
      },
    );
  });

  it('keeps /tmp (TMPDIR) between invocations and removes it on stop', async () => {
    let tmp = '';
    await withEnv({ handler: 'tmp.handler' }, async ({ invoke }) => {
      expect(parse((await invoke()).payload)).toEqual({ calls: 1, onDisk: 1 });
      expect(parse((await invoke()).payload)).toEqual({ calls: 2, onDisk: 2 });
    });
    await withEnv({ handler: 'context.handler' }, async ({ invoke, env }) => {
      tmp = (parse((await invoke()).payload) as { tmpdir: string }).tmpdir;
      expect(existsSync(tmp)).toBe(true);
      await env.stop();
      expect(existsSync(tmp)).toBe(false);
    });
  });

  it('gives the handler the Lambda environment and the full context', async () => {
    const fn = { handler: 'context.handler', environment: { MY_VAR: 'mine', TZ: 'Europe/Paris' } };
    await withEnv(fn, async ({ env }) => {
      const inv = makeInvocation(
        {},
        {
          invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f:prod',
          clientContext: '{"custom":{"k":"v"},"env":{},"client":{}}',
          cognitoIdentity: '{"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool-1"}',
          traceId: 'Root=1-5e7d7595-212fxmpl9ee07c4884191322;Parent=42ffxmpl0645f474;Sampled=1',
        },
      );
      const ctx = parse((await env.invoke(inv)).payload) as Record<string, unknown> & {
        env: Record<string, string>;
        remaining: number;
      };
      expect(ctx).toMatchObject({
        functionName: env.fn.name,
        functionVersion: '$LATEST',
        invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f:prod',
        memoryLimitInMB: '256',
        awsRequestId: inv.requestId,
        logGroupName: `/aws/lambda/${env.fn.name}`,
        logStreamName: env.logStreamName,
        callbackWaitsForEmptyEventLoop: true,
        identity: { cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' },
        clientContext: { custom: { k: 'v' }, env: {}, client: {} },
        legacy: ['function', 'function', 'function'],
        cwd: env.fn.codeDir,
      });
      expect(ctx.remaining).toBeGreaterThan(2000);
      expect(ctx.remaining).toBeLessThanOrEqual(3000);
      expect(env.logStreamName).toMatch(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
      expect(ctx.env).toMatchObject({
        AWS_LAMBDA_FUNCTION_NAME: env.fn.name,
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${env.fn.name}`,
        AWS_LAMBDA_LOG_STREAM_NAME: env.logStreamName,
        AWS_LAMBDA_RUNTIME_API: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
        AWS_REGION: 'us-east-1',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
        _HANDLER: 'context.handler',
        LAMBDA_TASK_ROOT: env.fn.codeDir,
        LAMBDA_RUNTIME_DIR: expect.any(String),
        TZ: 'UTC',
        LANG: 'en_US.UTF-8',
        MY_VAR: 'mine',
        TMPDIR: ctx['tmpdir'],
        _X_AMZN_TRACE_ID: inv.traceId,
      });
    });
  });

  it('replaces a response over 6 MB with Function.ResponseSizeTooLarge and stays usable', async () => {
    await withEnv({ handler: 'big.handler' }, async ({ invoke, env }) => {
      const r = await invoke({ bytes: 7_000_000 });
      expect(r.errorType).toBe('Function.ResponseSizeTooLarge');
      expect(parse(r.payload)).toEqual({
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage:
          'Response payload size (7000002 bytes) exceeded maximum allowed payload size (6291556 bytes).',
      });
      expect(env.reusable).toBe(true);
      expect((await invoke({ bytes: 3 })).payload.toString()).toBe('"xxx"');
    });
  });
});
