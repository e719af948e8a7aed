import { afterEach, describe, expect, it, vi } from 'vitest';

import { type AdmitCommand, AdmitBatcher } from './admit-batcher.js';

interface Call {
  args: (string | number)[];
  settle: (reply: number[]) => void;
  fail: (err: unknown) => void;
}

function fakeRedis(releaseDelayMs = 2) {
  const calls: Call[] = [];
  const send: AdmitCommand = (...args) =>
    new Promise((settle, fail) => {
      calls.push({ args, settle, fail });
    });
  const batcher = new AdmitBatcher({
    send,
    poolKey: 'pool',
    reservedKey: 'reserved',
    sumKey: 'sum',
    accountConcurrency: 10,
    releaseDelayMs,
  });
  return { calls, batcher };
}

const flushMicrotasks = () => new Promise((r) => setImmediate(r));

afterEach(() => {
  vi.useRealTimers();
});

describe('AdmitBatcher', () => {
  it('sends an acquire at once and batches what arrives while two calls are out', async () => {
    const { calls, batcher } = fakeRedis();
    const a = batcher.acquire('fn:a', 'a', 'l1', 100);
    const b = batcher.acquire('fn:b', 'b', 'l2', 100);
    expect(calls).toHaveLength(2);
    const c = batcher.acquire('fn:a', 'a', 'l3', 100);
    const d = batcher.acquire('fn:c', 'c', 'l4', 200);
    const r = batcher.release('fn:a', 'l1');
    expect(calls).toHaveLength(2);

    calls[0]!.settle([2, 1234]);
    await expect(a).resolves.toEqual({ code: 2, expiresAt: 1234 });
    await flushMicrotasks();
    // Everything that waited went out together: releases first, then acquires in order.
    expect(calls).toHaveLength(3);
    expect(calls[2]!.args).toEqual([
      6,
      'pool',
      'reserved',
      'sum',
      'fn:a',
      'fn:a',
      'fn:c',
      1,
      10,
      'l1',
      'a',
      'l3',
      100,
      'c',
      'l4',
      200,
    ]);
    calls[2]!.settle([1, 99, -1, 0]);
    await expect(c).resolves.toEqual({ code: 1, expiresAt: 99 });
    await expect(d).resolves.toEqual({ code: -1, expiresAt: 0 });
    await expect(r).resolves.toBeUndefined();
    calls[1]!.settle([-2, 0]);
    await expect(b).resolves.toEqual({ code: -2, expiresAt: 0 });
  });

  it('lets a release ride along with the next acquire', async () => {
    const { calls, batcher } = fakeRedis();
    const r = batcher.release('fn:a', 'l0');
    expect(calls).toHaveLength(0);
    const a = batcher.acquire('fn:a', 'a', 'l1', 100);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args).toEqual([
      5,
      'pool',
      'reserved',
      'sum',
      'fn:a',
      'fn:a',
      1,
      10,
      'l0',
      'a',
      'l1',
      100,
    ]);
    calls[0]!.settle([2, 7]);
    await expect(r).resolves.toBeUndefined();
    await expect(a).resolves.toEqual({ code: 2, expiresAt: 7 });
  });

  it('sends lone releases after the delay, or at once when draining', async () => {
    vi.useFakeTimers();
    const { calls, batcher } = fakeRedis(2);
    void batcher.release('fn:a', 'l0');
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args).toEqual([4, 'pool', 'reserved', 'sum', 'fn:a', 1, 10, 'l0']);
    calls[0]!.settle([]);
    const released = batcher.release('fn:b', 'l1');
    const drained = batcher.drain();
    expect(calls).toHaveLength(2);
    calls[1]!.settle([]);
    await expect(released).resolves.toBeUndefined();
    await vi.advanceTimersByTimeAsync(2);
    await expect(drained).resolves.toBeUndefined();
  });

  it('sends releases at once with releaseDelayMs 0', () => {
    const { calls, batcher } = fakeRedis(0);
    void batcher.release('fn:a', 'l0');
    expect(calls).toHaveLength(1);
  });

  it('rejects every call of a failed batch and keeps going', async () => {
    const { calls, batcher } = fakeRedis();
    const first = batcher.acquire('fn:a', 'a', 'l1', 100);
    calls[0]!.fail(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    await flushMicrotasks();
    const next = batcher.acquire('fn:a', 'a', 'l2', 100);
    expect(calls).toHaveLength(2);
    calls[1]!.settle([2, 5]);
    await expect(next).resolves.toEqual({ code: 2, expiresAt: 5 });
  });
});
