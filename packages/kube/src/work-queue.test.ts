import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { WorkQueue } from './work-queue.js';

const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('WorkQueue', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('coalesces adds of a waiting key and handles it once', async () => {
    const seen: string[] = [];
    const q = new WorkQueue({
      name: 't',
      logger,
      handler: (k) => {
        seen.push(k);
        return Promise.resolve(undefined);
      },
    });
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/b');
    q.start();
    await vi.runAllTimersAsync();
    expect(seen).toEqual(['ns/a', 'ns/b']);
  });

  it('never handles one key twice at once, and re-runs a key changed while handled', async () => {
    const gate = deferred();
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    const q = new WorkQueue({
      name: 't',
      logger,
      concurrency: 4,
      handler: async () => {
        calls++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        if (calls === 1) await gate.promise;
        running--;
        return undefined;
      },
    });
    q.start();
    q.add('ns/a');
    q.add('ns/a'); // dirty while active
    q.add('ns/a');
    gate.resolve();
    await vi.runAllTimersAsync();
    expect(maxRunning).toBe(1);
    expect(calls).toBe(2);
  });

  it('retries a failing key with exponential backoff and forgets after success', async () => {
    const times: number[] = [];
    let failuresLeft = 3;
    const q = new WorkQueue({
      name: 't',
      logger,
      backoffBaseMs: 1000,
      backoffMaxMs: 3000,
      backoffJitter: { random: () => 0 },
      handler: () => {
        times.push(Date.now());
        return failuresLeft-- > 0 ? Promise.reject(new Error('boom')) : Promise.resolve(undefined);
      },
    });
    const t0 = Date.now();
    q.start();
    q.add('ns/a');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(times.map((t) => t - t0)).toEqual([0, 1000, 3000, 6000]);
    expect(q.failuresOf('ns/a')).toBe(0);
  });

  it('stop() waits for in-flight work, drops delayed keys and is idempotent', async () => {
    const gate = deferred();
    const handled: string[] = [];
    const q = new WorkQueue({
      name: 't',
      logger,
      handler: async (k) => {
        await gate.promise;
        handled.push(k);
        return undefined;
      },
    });
    q.start();
    q.add('ns/a');
    q.addAfter('ns/b', 500);
    const stopped = q.stop();
    expect(q.stop()).toBe(stopped);
    gate.resolve();
    await stopped;
    await vi.advanceTimersByTimeAsync(1000);
    expect(handled).toEqual(['ns/a']);
    q.add('ns/c');
    expect(q.depth).toBe(0);
  });
  it('retries a key whose reconcile asks for it, with backoff, without a throw', async () => {
    const times: number[] = [];
    const results: string[] = [];
    let retriesLeft = 2;
    const q = new WorkQueue({
      name: 't',
      logger,
      backoffBaseMs: 1000,
      backoffJitter: { random: () => 0 },
      handler: () => {
        times.push(Date.now());
        return Promise.resolve(retriesLeft-- > 0 ? { retry: 'ApplyFailed' } : undefined);
      },
      onResult: (_k, outcome) => results.push(outcome),
    });
    const t0 = Date.now();
    q.start();
    q.add('ns/a');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(times.map((t) => t - t0)).toEqual([0, 1000, 3000]);
    expect(results).toEqual(['error', 'error', 'ok']);
    expect(q.failuresOf('ns/a')).toBe(0);
  });

  it('looks at a key again after requeueAfterMs, as a success', async () => {
    const times: number[] = [];
    const q = new WorkQueue({
      name: 't',
      logger,
      handler: () => {
        times.push(Date.now());
        return Promise.resolve(times.length < 3 ? { requeueAfterMs: 5000 } : {});
      },
    });
    const t0 = Date.now();
    q.start();
    q.add('ns/a');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(times.map((t) => t - t0)).toEqual([0, 5000, 10_000]);
    expect(q.failuresOf('ns/a')).toBe(0);
  });
});
