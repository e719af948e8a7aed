import { describe, expect, it } from 'vitest';

import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  it('doubles from the base up to the cap', () => {
    const o = { baseMs: 1000, maxMs: 30_000 };
    expect([0, 1, 2, 3, 4, 5, 6, 60, 5000].map((n) => backoffDelay(n, o))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000,
    ]);
    expect(backoffDelay(-3, o)).toBe(1000);
  });

  it('is exact without jitter, whatever the random source says', () => {
    expect(backoffDelay(2, { baseMs: 100, maxMs: 1000, random: () => 0.9 })).toBe(400);
  });

  it('jitter only shortens: [d·(1 − jitter), d]', () => {
    const o = { baseMs: 100, maxMs: 1000, jitter: 0.5 };
    expect(backoffDelay(2, { ...o, random: () => 0 })).toBe(400);
    expect(backoffDelay(2, { ...o, random: () => 0.5 })).toBe(300);
    expect(backoffDelay(2, { ...o, random: () => 0.999_999 })).toBe(200);
    expect(backoffDelay(9, { ...o, random: () => 0 })).toBe(1000);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(3, o);
      expect(d).toBeGreaterThanOrEqual(400);
      expect(d).toBeLessThanOrEqual(800);
    }
  });

  it('full jitter spans the whole delay', () => {
    expect(backoffDelay(0, { baseMs: 100, maxMs: 100, jitter: 1, random: () => 0.75 })).toBe(25);
  });
});
