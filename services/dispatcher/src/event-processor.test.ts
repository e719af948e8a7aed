import {
  type AsyncFunctionConfig,
  type AsyncJobData,
  DEFAULT_ASYNC_CONFIG,
  newAsyncJob,
} from '@lamina/core';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { type EventJob, EventNotDeliveredError, EventProcessor } from './event-processor.js';
import type { Attempt } from './async-attempt.js';
import { createMetrics } from './metrics.js';
import type { Delivery } from './targets/delivery.js';

const FAIL: Attempt = {
  kind: 'function-error',
  statusCode: 200,
  functionError: 'Unhandled',
  executedVersion: '$LATEST',
  responsePayload: '{"errorType":"Error","errorMessage":"boom"}',
  errorMessage: 'boom',
};
const OK: Attempt = {
  kind: 'success',
  statusCode: 200,
  executedVersion: '$LATEST',
  responsePayload: '"done"',
  errorMessage: '',
};
const THROTTLED: Attempt = { kind: 'throttle', statusCode: 429, errorMessage: 'Rate Exceeded.' };

function setup(attempts: Attempt[], config: Partial<AsyncFunctionConfig>, now = () => 1000) {
  const sent: Delivery[] = [];
  const invoked = { count: 0 };
  const registry = new Registry();
  const processor = new EventProcessor({
    invoke: () => {
      invoked.count++;
      return Promise.resolve(attempts.shift() ?? OK);
    },
    configs: { get: () => Promise.resolve({ ...DEFAULT_ASYNC_CONFIG, ...config }) },
    targets: {
      send: (d) => {
        if (d.target.kind === 'webhook') return Promise.reject(new Error('down'));
        sent.push(d);
        return Promise.resolve();
      },
    },
    metrics: createMetrics(registry),
    logger: pino({ level: 'silent' }),
    arnContext: { region: 'us-east-1', accountId: '000000000000' },
    retry: { retryDelaysMs: [10, 20], throttleMinMs: 5, throttleMaxMs: 50 },
    now,
    random: () => 0,
  });
  let data: AsyncJobData = newAsyncJob({
    functionName: 'fn',
    requestId: 'r1',
    payload: '{"n":1}',
    acceptedAt: 0,
  });
  let started = 0;
  const retries: number[] = [];
  const job = (): EventJob => ({
    data,
    startedCount: ++started,
    retryAt: (next, at) => {
      data = next;
      retries.push(at);
      return Promise.resolve();
    },
  });
  return { processor, job, sent, retries, registry, invoked };
}

describe('EventProcessor', () => {
  it('runs 1 + MaximumRetryAttempts times, then sends the record and the dead letter', async () => {
    const s = setup([FAIL, FAIL, FAIL], {
      maximumRetryAttempts: 2,
      onFailure: 'lamina:queue:fail',
      deadLetterTarget: 'lamina:queue:dlq',
    });
    expect(await s.processor.process(s.job())).toBe('retry');
    expect(await s.processor.process(s.job())).toBe('retry');
    expect(await s.processor.process(s.job())).toBe('done');
    expect(s.retries).toEqual([1010, 1020]);
    const record = s.sent.find((d) => d.kind === 'record');
    expect(JSON.parse(record?.message.body ?? '')).toMatchObject({
      version: '1.0',
      requestContext: {
        requestId: 'r1',
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: { n: 1 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorMessage: 'boom' },
    });
    const dlq = s.sent.find((d) => d.kind === 'dead-letter');
    expect(dlq?.message).toEqual({
      body: '{"n":1}',
      attributes: { RequestID: 'r1', ErrorCode: '200', ErrorMessage: 'boom' },
    });
    expect(await s.registry.getSingleMetricAsString('lamina_async_retries_total')).toContain(
      'reason="function"} 2',
    );
  });

  it('counts the pickups the event had in an earlier queue (the intake stream)', async () => {
    const s = setup([FAIL], { maximumRetryAttempts: 1, onFailure: 'lamina:queue:fail' });
    // The first attempt ran from the intake stream; its retry is the BullMQ job's first pickup.
    const first = s.job();
    const retried = { ...first, data: { ...first.data, functionErrors: 1, earlierPickups: 1 } };
    expect(await s.processor.process(retried)).toBe('done');
    expect(JSON.parse(s.sent[0]?.message.body ?? '')).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 2 },
    });
  });

  it('sends the success record to OnSuccess', async () => {
    const s = setup([OK], { onSuccess: 'lamina:queue:ok' });
    expect(await s.processor.process(s.job())).toBe('done');
    expect(JSON.parse(s.sent[0]?.message.body ?? '')).toMatchObject({
      requestContext: { condition: 'Success', approximateInvokeCount: 1 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      responsePayload: 'done',
    });
    const record = JSON.parse(s.sent[0]?.message.body ?? '') as { responseContext: object };
    expect(record.responseContext).not.toHaveProperty('functionError');
  });

  it('retries a throttle without using a retry, and does not count it as an invoke', async () => {
    const s = setup([THROTTLED, OK], { maximumRetryAttempts: 0, onSuccess: 'lamina:queue:ok' });
    expect(await s.processor.process(s.job())).toBe('retry');
    expect(s.retries).toEqual([1005]);
    expect(await s.processor.process(s.job())).toBe('done');
    expect(JSON.parse(s.sent[0]?.message.body ?? '')).toMatchObject({
      requestContext: { condition: 'Success', approximateInvokeCount: 1 },
    });
  });

  it('gives up an expired event with EventAgeExceeded without running it', async () => {
    const s = setup(
      [],
      { maximumEventAgeInSeconds: 60, onFailure: 'lamina:queue:f' },
      () => 61_000,
    );
    expect(await s.processor.process(s.job())).toBe('done');
    expect(s.invoked.count).toBe(0);
    expect(JSON.parse(s.sent[0]?.message.body ?? '')).toMatchObject({
      requestContext: { condition: 'EventAgeExceeded' },
    });
  });

  it('keeps a given-up event that no failure target took', async () => {
    const s = setup([FAIL], { maximumRetryAttempts: 0, onFailure: 'https://hook.invalid/' });
    await expect(s.processor.process(s.job())).rejects.toBeInstanceOf(EventNotDeliveredError);
    expect(
      await s.registry.getSingleMetricAsString('lamina_async_destination_delivery_failures_total'),
    ).toContain('destination="OnFailure"} 1');
  });

  it('sends a recalled attempt to the destination with its recorded outcome and counts it', async () => {
    const s = setup([{ ...OK, recalled: true }], { onSuccess: 'lamina:queue:ok' });
    s.job(); // a first pickup that died after the run
    expect(await s.processor.process(s.job())).toBe('done');
    expect(JSON.parse(s.sent[0]?.message.body ?? '')).toMatchObject({
      requestContext: { condition: 'Success', approximateInvokeCount: 1 },
      responsePayload: 'done',
    });
    expect(await s.registry.getSingleMetricAsString('lamina_async_runs_recalled_total')).toContain(
      'function="fn"} 1',
    );
  });
});
