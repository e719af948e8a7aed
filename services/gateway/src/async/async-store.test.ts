import { type AsyncJobData, asyncKeys, newAsyncJob } from '@lamina/core';
import { describe, expect, it } from 'vitest';

import { RedisAsyncStore } from './async-store.js';

const job = (requestId: string): AsyncJobData =>
  newAsyncJob({ functionName: 'fn', requestId, payload: '{}', acceptedAt: 0 });

function store(fail = false) {
  const bulks: { name: string; opts: { jobId: string } }[][] = [];
  const gates: (() => void)[] = [];
  const s = new RedisAsyncStore({
    queue: {
      addBulk: (jobs) =>
        new Promise((resolve, reject) => {
          bulks.push(jobs as never);
          gates.push(() => {
            if (fail) reject(new Error('redis refused'));
            else resolve([]);
          });
        }),
    },
    redis: {} as never,
    keys: asyncKeys('t'),
    maxInFlight: 1,
  });
  return { s, bulks, gates };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('RedisAsyncStore.enqueue', () => {
  it('adds concurrent events in one bulk and resolves each only once Redis answered', async () => {
    const { s, bulks, gates } = store();
    let done = 0;
    const first = s.enqueue(job('a:1')).then(() => done++);
    const rest = ['2', '3', '4'].map((n) => s.enqueue(job(n)).then(() => done++));
    await tick();
    expect(bulks.map((b) => b.map((j) => j.opts.jobId))).toEqual([['fn~a_1']]);
    expect(done).toBe(0);
    gates[0]?.();
    await first;
    await tick();
    expect(bulks.map((b) => b.length)).toEqual([1, 3]);
    expect(done).toBe(1);
    gates[1]?.();
    await Promise.all(rest);
    expect(done).toBe(4);
  });

  it('rejects every event of a bulk Redis refused', async () => {
    const { s, gates } = store(true);
    const p = s.enqueue(job('1'));
    gates[0]?.();
    await expect(p).rejects.toThrow('redis refused');
  });
});
