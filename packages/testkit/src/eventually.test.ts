import { describe, expect, it, vi } from 'vitest';

import { eventually } from './eventually.js';

describe('eventually', () => {
  it('returns the first value that is neither undefined nor false', async () => {
    let calls = 0;
    const value = await eventually(() => (++calls < 3 ? undefined : calls), { intervalMs: 1 });
    expect(value).toBe(3);
    expect(calls).toBe(3);
  });

  it('treats false and a thrown error as "not yet"', async () => {
    const seen: string[] = [];
    const value = await eventually(
      async () => {
        seen.push('call');
        if (seen.length === 1) throw new Error('not listening yet');
        if (seen.length === 2) return false;
        return Promise.resolve(true);
      },
      { intervalMs: 1 },
    );
    expect(value).toBe(true);
    expect(seen).toHaveLength(3);
  });

  it('keeps 0, empty strings and null: only undefined and false mean "not yet"', async () => {
    await expect(eventually(() => 0)).resolves.toBe(0);
    await expect(eventually(() => '')).resolves.toBe('');
    await expect(eventually(() => null)).resolves.toBeNull();
  });

  it('checks once even with a zero timeout', async () => {
    let calls = 0;
    await expect(eventually(() => ++calls, { timeoutMs: 0 })).resolves.toBe(1);
  });

  it('times out naming what it waited for and the last error, kept as the cause', async () => {
    let n = 0;
    const failure = eventually(
      () => {
        n += 1;
        throw new Error(`only ${n} of 10 committed`);
      },
      { what: 'all offsets committed', timeoutMs: 30, intervalMs: 5 },
    );
    const err: unknown = await failure.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toMatch(
      /^timed out after 30 ms waiting for all offsets committed; last error: only \d+ of 10 committed$/,
    );
    expect(message).toContain(`only ${n} of 10 committed`);
    expect((err as Error).cause).toBeInstanceOf(Error);
  });

  it('does not report an error that a later check no longer threw', async () => {
    let n = 0;
    const err: unknown = await eventually(
      () => {
        n += 1;
        if (n === 1) throw new Error('transient');
        return undefined;
      },
      { timeoutMs: 20, intervalMs: 2 },
    ).catch((e: unknown) => e);
    expect((err as Error).message).toBe('timed out after 20 ms waiting for the condition');
    expect((err as Error).cause).toBeUndefined();
  });

  it('starts quick and backs off to 250 ms without an interval', async () => {
    // Fake timers: the schedule itself, not how punctual a loaded machine's timers are.
    vi.useFakeTimers();
    try {
      const at: number[] = [];
      const done = eventually(() => {
        at.push(Date.now());
        return at.length >= 12;
      });
      await vi.runAllTimersAsync();
      await done;
      const gaps = at.slice(1).map((t, i) => t - (at[i] ?? t));
      expect(gaps.slice(0, 2)).toEqual([10, 15]);
      expect(gaps.at(-1)).toBe(250);
      expect(Math.max(...gaps)).toBe(250);
    } finally {
      vi.useRealTimers();
    }
  });

  it('polls at the given interval', async () => {
    let calls = 0;
    const started = Date.now();
    await eventually(() => ++calls >= 3, { intervalMs: 40 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
  });
});
