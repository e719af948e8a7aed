import {
  asyncKeys,
  encodeRunRecord,
  newAsyncJob,
  RUN_RECORD_HEADER,
  RUN_RECORD_RUNNING,
} from '@lamina/core';
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

  it('waits while the attempt is still running, then takes its outcome', async () => {
    const stored: Record<string, string> = { [key]: RUN_RECORD_RUNNING };
    const waited: string[] = [];
    const pauses: number[] = [];
    let reads = 0;
    const records = new RunRecords({
      redis: {
        get: (k: string) => {
          // The gateway finishes the attempt while the pickup waits (on the fifth read).
          if (++reads === 5) stored[k] = encodeRunRecord(undefined, '$LATEST', Buffer.from('1'));
          return Promise.resolve(stored[k] ?? null);
        },
      },
      keys,
      ttlMs: 8000,
      onWait: (j) => void waited.push(j.requestId),
      sleep: (ms) => {
        pauses.push(ms);
        return Promise.resolve();
      },
    });
    const calls: unknown[] = [];
    const client: AsyncInvoker = {
      invoke: (...args) => {
        calls.push(args);
        return Promise.resolve(OK);
      },
    };
    const a = await invokeAsyncEvent(client, job, { records, startedCount: 2 });
    expect(a).toMatchObject({ kind: 'success', responsePayload: '1', recalled: true });
    expect(calls).toEqual([]);
    expect(waited).toEqual(['a:b']);
    expect(pauses).toEqual([50, 100, 200, 400]);
  });

  it('runs the event once the marker is gone without a record (refused, or its gateway died)', async () => {
    const stored: Record<string, string> = { [key]: RUN_RECORD_RUNNING };
    let reads = 0;
    const records = new RunRecords({
      redis: {
        get: (k: string) => {
          if (++reads === 3) stored[k] = '';
          return Promise.resolve(stored[k] === '' ? null : (stored[k] ?? null));
        },
      },
      keys,
      ttlMs: 8000,
      sleep: () => Promise.resolve(),
    });
    expect(await records.find(job, 2)).toBeUndefined();
    expect(reads).toBe(3);
  });

  it('gives up waiting after the longest record TTL', async () => {
    let t = 0;
    const records = new RunRecords({
      redis: { get: () => Promise.resolve(RUN_RECORD_RUNNING) },
      keys,
      ttlMs: 8000,
      now: () => t,
      sleep: (ms) => {
        t += ms * 1000;
        return Promise.resolve();
      },
    });
    expect(await records.find(job, 2)).toBeUndefined();
  });
});
