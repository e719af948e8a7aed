import { asyncKeys, encodeRunRecord, newAsyncJob, RUN_RECORD_HEADER } from '@lamina/core';
import type { ASYNC_INVOKE_RULES, InvokeOutcome } from '@lamina/service-kit';
import { describe, expect, it } from 'vitest';

import { type AsyncInvoker, invokeAsyncEvent } from './async-attempt.js';
import { RunRecords } from './run-records.js';

const keys = asyncKeys('t');
const job = newAsyncJob({ functionName: 'fn', requestId: 'a:b', payload: '{}', acceptedAt: 0 });
const OK: InvokeOutcome<typeof ASYNC_INVOKE_RULES> = {
  kind: 'success',
  statusCode: 200,
  executedVersion: '$LATEST',
  body: '"ran"',
};

function setup(stored: Record<string, string>, ttlMs = 8000) {
  const reads: string[] = [];
  const calls: unknown[][] = [];
  const records = new RunRecords({
    redis: {
      get: (key: string) => {
        reads.push(key);
        return Promise.resolve(stored[key] ?? null);
      },
    },
    keys,
    ttlMs,
  });
  const client: AsyncInvoker = {
    invoke: (...args) => {
      calls.push(args);
      return Promise.resolve(OK);
    },
  };
  return { records, reads, calls, client };
}

const key = `${keys.bullPrefix}:run:fn~a_b:0.0`;

describe('run records in the dispatcher', () => {
  it('asks the gateway to record every attempt and never reads on a first pickup', async () => {
    const s = setup({});
    const a = await invokeAsyncEvent(s.client, job, { records: s.records, startedCount: 1 });
    expect(a.kind).toBe('success');
    expect(s.reads).toEqual([]);
    expect(s.calls[0]?.[3]).toEqual({ [RUN_RECORD_HEADER]: '0.0;8000' });
  });

  it('takes the recorded outcome on a later pickup instead of running the event again', async () => {
    const s = setup({
      [key]: encodeRunRecord('Unhandled', '3', Buffer.from('{"errorMessage":"boom"}')),
    });
    const a = await invokeAsyncEvent(s.client, job, { records: s.records, startedCount: 2 });
    expect(s.calls).toEqual([]);
    expect(a).toEqual({
      kind: 'function-error',
      statusCode: 200,
      functionError: 'Unhandled',
      executedVersion: '3',
      responsePayload: '{"errorMessage":"boom"}',
      errorMessage: 'boom',
      recalled: true,
    });
  });

  it('runs a later pickup whose attempt has no record (a new retry, or it never finished)', async () => {
    const s = setup({ [key]: encodeRunRecord(undefined, '1', Buffer.from('1')) });
    const retry = { ...job, functionErrors: 1 };
    const a = await invokeAsyncEvent(s.client, retry, { records: s.records, startedCount: 2 });
    expect(s.reads).toEqual([`${keys.bullPrefix}:run:fn~a_b:1.0`]);
    expect(s.calls).toHaveLength(1);
    expect(a.recalled).toBeUndefined();
  });

  it('does nothing when records are off', async () => {
    const s = setup({ [key]: encodeRunRecord(undefined, '1', Buffer.from('1')) }, 0);
    await invokeAsyncEvent(s.client, job, { records: s.records, startedCount: 3 });
    expect(s.reads).toEqual([]);
    expect(s.calls[0]?.[3]).toEqual({});
  });
});
