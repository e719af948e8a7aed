import { describe, expect, it } from 'vitest';

import { type BatchRules, type BatchState, nextBatchStep } from './batch-policy.js';
import type { InvokeOutcome } from './kafka-invoker.js';

const rules: BatchRules = {
  retries: 2,
  bisect: false,
  reportItemFailures: false,
  backoff: { baseMs: 100, maxMs: 1000, random: () => 0 },
};
const state = (o: Partial<BatchState> = {}): BatchState => ({
  topic: 't',
  partition: 0,
  offsets: ['10', '11', '12', '13'],
  attempts: 0,
  waits: 0,
  ...o,
});
const answer = (kind: InvokeOutcome['kind'], body = '{}'): InvokeOutcome => ({
  kind,
  statusCode: kind === 'success' || kind === 'function-error' ? 200 : 500,
  body,
});
const failures = (...offsets: number[]) =>
  JSON.stringify({
    batchItemFailures: offsets.map((o) => ({ itemIdentifier: { partition: 't-0', offset: o } })),
  });

describe('nextBatchStep', () => {
  it('succeeds on success, whatever the body says unless item failures are reported', () => {
    expect(nextBatchStep(answer('success', failures(11)), state(), rules)).toEqual({
      kind: 'succeed',
    });
  });

  it('holds the mapping on a throttle and waits on a system error, using no retry', () => {
    expect(nextBatchStep(answer('throttle'), state({ waits: 2 }), rules)).toEqual({
      kind: 'throttle',
      delayMs: 400,
    });
    expect(nextBatchStep(answer('system-error'), state({ waits: 9, attempts: 2 }), rules)).toEqual({
      kind: 'wait',
      delayMs: 1000,
    });
  });

  it('retries a function error with backoff until the retries are used, then gives up', () => {
    expect(nextBatchStep(answer('function-error'), state(), rules)).toEqual({
      kind: 'retry',
      succeeded: 0,
      attempts: 1,
      delayMs: 100,
    });
    expect(nextBatchStep(answer('rejected'), state({ attempts: 1 }), rules)).toMatchObject({
      kind: 'retry',
      attempts: 2,
      delayMs: 200,
    });
    expect(nextBatchStep(answer('function-error'), state({ attempts: 2 }), rules)).toEqual({
      kind: 'give-up',
      succeeded: 0,
      attempts: 3,
    });
    const forever = { ...rules, retries: -1 };
    expect(
      nextBatchStep(answer('function-error'), state({ attempts: 500 }), forever),
    ).toMatchObject({ kind: 'retry', attempts: 501 });
  });

  it('keeps the records before the first reported failure', () => {
    const r = { ...rules, reportItemFailures: true };
    expect(nextBatchStep(answer('success', failures(12, 13)), state(), r)).toMatchObject({
      kind: 'retry',
      succeeded: 2,
    });
    expect(nextBatchStep(answer('success', '{"batchItemFailures":[]}'), state(), r)).toEqual({
      kind: 'succeed',
    });
    // A malformed list fails the whole batch.
    expect(nextBatchStep(answer('success', '{"batchItemFailures":{}}'), state(), r)).toMatchObject({
      kind: 'retry',
      succeeded: 0,
    });
  });

  it('bisects a failing batch without using a retry, and not a single record', () => {
    const r = { ...rules, bisect: true };
    expect(nextBatchStep(answer('function-error'), state({ attempts: 2 }), r)).toEqual({
      kind: 'bisect',
      succeeded: 0,
      mid: 2,
    });
    expect(
      nextBatchStep(answer('function-error'), state({ offsets: ['10', '11', '12'] }), r),
    ).toMatchObject({ kind: 'bisect', mid: 2 });
    expect(nextBatchStep(answer('function-error'), state({ offsets: ['10'] }), r)).toMatchObject({
      kind: 'retry',
    });
  });

  it('gives up one record that is too large, and treats a larger batch as a failure', () => {
    expect(nextBatchStep(answer('too-large'), state({ offsets: ['10'] }), rules)).toEqual({
      kind: 'too-large',
    });
    expect(nextBatchStep(answer('too-large'), state(), { ...rules, bisect: true })).toMatchObject({
      kind: 'bisect',
      mid: 2,
    });
  });
});
