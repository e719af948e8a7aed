import { DEFAULT_ASYNC_CONFIG } from '@lamina/core';
import { describe, expect, it } from 'vitest';

import { nextStep, throttleDelay } from './retry-policy.js';

const settings = { retryDelaysMs: [60_000, 120_000], throttleMinMs: 1000, throttleMaxMs: 300_000 };
const cfg = DEFAULT_ASYNC_CONFIG;
const at = (functionErrors: number, throttles = 0) => ({
  acceptedAt: 0,
  functionErrors,
  throttles,
});

describe('nextStep', () => {
  it('retries function errors with 1 then 2 minutes, then gives up', () => {
    expect(nextStep('function-error', at(1), cfg, settings, 0)).toEqual({
      kind: 'retry',
      delayMs: 60_000,
      reason: 'function',
    });
    expect(nextStep('function-error', at(2), cfg, settings, 0)).toMatchObject({ delayMs: 120_000 });
    expect(nextStep('function-error', at(3), cfg, settings, 0)).toEqual({
      kind: 'give-up',
      condition: 'RetriesExhausted',
    });
  });
  it('honours MaximumRetryAttempts 0', () => {
    const c = { ...cfg, maximumRetryAttempts: 0 };
    expect(nextStep('function-error', at(1), c, settings, 0)).toMatchObject({ kind: 'give-up' });
  });
  it('gives up with EventAgeExceeded when the retry would start too late', () => {
    const c = { ...cfg, maximumEventAgeInSeconds: 60 };
    expect(nextStep('function-error', at(1), c, settings, 1000)).toEqual({
      kind: 'give-up',
      condition: 'EventAgeExceeded',
    });
  });
  it('retries throttles and system errors until the maximum age, waking at the expiry', () => {
    const c = { ...cfg, maximumEventAgeInSeconds: 60 };
    const exact = () => 0;
    expect(nextStep('throttle', at(0, 1), c, settings, 0, exact)).toMatchObject({ delayMs: 1000 });
    expect(nextStep('system-error', at(0, 7), c, settings, 0, exact)).toMatchObject({
      delayMs: 60_000,
    });
    expect(nextStep('throttle', at(0, 3), c, settings, 59_500, exact)).toMatchObject({
      delayMs: 500,
    });
    expect(nextStep('throttle', at(0, 3), c, settings, 60_000)).toEqual({
      kind: 'give-up',
      condition: 'EventAgeExceeded',
    });
  });
  it('never retries a refused event and succeeds on success', () => {
    expect(nextStep('rejected', at(0), cfg, settings, 0)).toMatchObject({ kind: 'give-up' });
    expect(nextStep('success', at(0), cfg, settings, 0)).toEqual({ kind: 'succeed' });
  });
});

describe('throttleDelay', () => {
  it('doubles from 1 s up to 5 min', () => {
    expect([1, 2, 3, 9, 10, 50].map((n) => throttleDelay(n, settings, () => 0))).toEqual([
      1000, 2000, 4000, 256_000, 300_000, 300_000,
    ]);
  });
  it('spreads throttled events: up to half of each delay is random', () => {
    expect(throttleDelay(3, settings, () => 0.5)).toBe(3000);
    for (let i = 0; i < 100; i++) {
      const d = throttleDelay(10, settings);
      expect(d).toBeGreaterThanOrEqual(150_000);
      expect(d).toBeLessThanOrEqual(300_000);
    }
  });
  it('keeps the configured function-error delays exact', () => {
    const step = nextStep('function-error', at(1), cfg, settings, 0, () => 0.99);
    expect(step).toMatchObject({ delayMs: 60_000 });
  });
});
