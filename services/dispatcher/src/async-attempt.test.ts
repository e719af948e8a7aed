import { newAsyncJob } from '@lamina/core';
import type { ASYNC_INVOKE_RULES, InvokeOutcome } from '@lamina/service-kit';
import { describe, expect, it } from 'vitest';

import { type AsyncInvoker, invokeAsyncEvent } from './async-attempt.js';

type Outcome = InvokeOutcome<typeof ASYNC_INVOKE_RULES>;

function fake(outcome: Outcome, calls: unknown[][] = []): AsyncInvoker {
  return {
    invoke: (...args) => {
      calls.push(args);
      return Promise.resolve(outcome);
    },
  };
}

const job = newAsyncJob({ functionName: 'fn', requestId: 'r1', payload: '{"n":1}', acceptedAt: 0 });

describe('invokeAsyncEvent', () => {
  it('invokes the qualified function with the event id and keeps the failure fields', async () => {
    const calls: unknown[][] = [];
    const a = await invokeAsyncEvent(
      fake(
        {
          kind: 'function-error',
          statusCode: 200,
          functionError: 'Unhandled',
          executedVersion: '2',
          body: '{"errorMessage":"boom"}',
        },
        calls,
      ),
      { ...job, qualifier: 'PROD' },
    );
    expect(calls[0]?.[0]).toBe('fn:PROD');
    expect(calls[0]?.[2]).toBe('r1');
    expect(a).toEqual({
      kind: 'function-error',
      statusCode: 200,
      functionError: 'Unhandled',
      executedVersion: '2',
      responsePayload: '{"errorMessage":"boom"}',
      errorMessage: 'boom',
    });
  });

  it('records no answer as a 500 system error with the reason', async () => {
    const a = await invokeAsyncEvent(
      fake({ kind: 'system-error', statusCode: 0, body: 'The invoke path did not answer: x' }),
      job,
    );
    expect(a).toEqual({
      kind: 'system-error',
      statusCode: 500,
      errorMessage: 'The invoke path did not answer: x',
    });
  });

  it('takes the text of a non-JSON body, or the status when it is empty', async () => {
    const text = await invokeAsyncEvent(
      fake({ kind: 'rejected', statusCode: 400, body: 'nope' }),
      job,
    );
    expect(text.errorMessage).toBe('nope');
    const empty = await invokeAsyncEvent(
      fake({ kind: 'rejected', statusCode: 404, body: '' }),
      job,
    );
    expect(empty.errorMessage).toBe('HTTP 404');
  });
});
