import { describe, expect, it } from 'vitest';
import type { FunctionInfo, LambdaContext } from './context.js';
import type { Handler } from './handler-loader.js';
import { EmptyLoopHook, runHandler, type HandlerOutcome } from './run-handler.js';

const info: FunctionInfo = {
  functionName: 'fn',
  functionVersion: '$LATEST',
  memoryLimitInMB: '128',
  logGroupName: '/aws/lambda/fn',
  logStreamName: '2026/01/01/[$LATEST]abc',
};

const headers = {
  'lambda-runtime-deadline-ms': String(Date.now() + 3000),
  'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:us-east-1:0:function:fn',
  'lambda-runtime-cognito-identity': '{"cognitoIdentityId":"i","cognitoIdentityPoolId":"p"}',
};

type Callback = (err: unknown, result?: unknown) => void;

function run(handler: Handler, hook = new EmptyLoopHook()): Promise<HandlerOutcome> {
  return runHandler(handler, { in: 1 }, info, 'req-1', headers, hook);
}

describe('runHandler', () => {
  it('settles with an async handler’s value or rejection', async () => {
    expect(await run(async (e) => Promise.resolve(e))).toEqual({ ok: true, result: { in: 1 } });
    const err = new Error('boom');
    expect(await run(() => Promise.reject(err))).toEqual({ ok: false, error: err });
  });

  it('catches synchronous throws', async () => {
    const err = new Error('sync');
    expect(
      await run(() => {
        throw err;
      }),
    ).toEqual({ ok: false, error: err });
  });

  it('waits for the empty event loop after callback(null, result) by default', async () => {
    const hook = new EmptyLoopHook();
    let settled = false;
    const outcome = run((_e, _c, cb) => {
      (cb as Callback)(null, 'later');
    }, hook).then((o) => {
      settled = true;
      return o;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    hook.fire();
    expect(await outcome).toEqual({ ok: true, result: 'later' });
  });

  it('answers at once when callbackWaitsForEmptyEventLoop is false, or on error', async () => {
    expect(
      await run((_e, ctx, cb) => {
        (ctx as LambdaContext).callbackWaitsForEmptyEventLoop = false;
        (cb as Callback)(null, 'now');
      }),
    ).toEqual({ ok: true, result: 'now' });
    expect(
      await run((_e, _c, cb) => {
        (cb as Callback)('bad');
      }),
    ).toEqual({ ok: false, error: 'bad' });
  });

  it('answers null when the loop empties and nothing was returned', async () => {
    const hook = new EmptyLoopHook();
    const outcome = run(() => undefined, hook);
    hook.fire();
    expect(await outcome).toEqual({ ok: true, result: null });
  });

  it('fails as Runtime.NodeJsExit when the loop empties with the returned promise pending', async () => {
    const hook = new EmptyLoopHook();
    const outcome = run(() => new Promise(() => undefined), hook);
    hook.fire();
    const settled = await outcome;
    expect(settled.ok).toBe(false);
    expect(settled.ok ? undefined : settled.error).toMatchObject({
      name: 'Runtime.NodeJsExit',
      message: expect.stringMatching(
        /^The Lambda runtime client detected an unexpected Node\.js exit code\. This is most commonly caused by a Promise that was never settled\./,
      ),
    });
  });

  it('supports the legacy done, succeed and fail', async () => {
    expect(
      await run((_e, ctx) => {
        (ctx as LambdaContext).succeed('s');
      }),
    ).toEqual({
      ok: true,
      result: 's',
    });
    expect(
      await run((_e, ctx) => {
        (ctx as LambdaContext).fail(new Error('f'));
      }),
    ).toMatchObject({
      ok: false,
    });
    expect(
      await run((_e, ctx) => {
        (ctx as LambdaContext).done(null, 'd');
      }),
    ).toEqual({
      ok: true,
      result: 'd',
    });
  });

  it('builds the context from the function info and the /next headers', async () => {
    let seen: LambdaContext | undefined;
    await run(async (_e, ctx) => {
      seen = ctx as LambdaContext;
      return Promise.resolve();
    });
    expect(seen).toMatchObject({
      ...info,
      awsRequestId: 'req-1',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:0:function:fn',
      identity: { cognitoIdentityId: 'i', cognitoIdentityPoolId: 'p' },
      clientContext: undefined,
      callbackWaitsForEmptyEventLoop: true,
    });
    const remaining = seen?.getRemainingTimeInMillis() ?? 0;
    expect(remaining).toBeGreaterThan(2500);
    expect(remaining).toBeLessThanOrEqual(3000);
  });
});
