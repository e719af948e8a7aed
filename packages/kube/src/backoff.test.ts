import { describe, expect, it } from 'vitest';

import { ExponentialBackoff } from './backoff.js';

describe('ExponentialBackoff', () => {
  it('counts failures per key and grows each key on its own', () => {
    const b = new ExponentialBackoff(1000, 4000, { random: () => 0 });
    expect([b.next('a'), b.next('a'), b.next('a'), b.next('a')]).toEqual([1000, 2000, 4000, 4000]);
    expect(b.next('b')).toBe(1000);
    expect(b.failuresOf('a')).toBe(4);
    b.reset('a');
    expect(b.next('a')).toBe(1000);
  });

  it('jitters by default: half of each delay is random, never above the plain delay', () => {
    const b = new ExponentialBackoff(1000, 30_000, { random: () => 0.5 });
    expect(b.next('k')).toBe(750);
    const real = new ExponentialBackoff(1000, 30_000);
    for (let i = 0; i < 50; i++) {
      const d = real.next(`k${i}`);
      expect(d).toBeGreaterThanOrEqual(500);
      expect(d).toBeLessThanOrEqual(1000);
    }
  });
});
