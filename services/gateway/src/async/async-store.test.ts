import { asyncKeys, newAsyncJob } from '@lamina/core';
import { describe, expect, it } from 'vitest';

import { RedisAsyncStore } from './async-store.js';

const job = newAsyncJob({ functionName: 'fn', requestId: 'a:1', payload: '{}', acceptedAt: 0 });

describe('RedisAsyncStore', () => {
  it('adds an event under its function and request id and resolves once Redis answered', async () => {
    const adds: unknown[][] = [];
    let answer: () => void = () => undefined;
    const s = new RedisAsyncStore({
      queue: {
        add: (...args: unknown[]) =>
          new Promise((resolve) => {
            adds.push(args);
            answer = () => {
              resolve({});
            };
          }),
      } as never,
      redis: {} as never,
      keys: asyncKeys('t'),
    });
    let done = false;
    const p = s.enqueue(job).then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    expect(adds[0]?.[0]).toBe('fn');
    expect(adds[0]?.[2]).toMatchObject({ jobId: 'fn~a_1', removeOnComplete: true });
    answer();
    await p;
    expect(done).toBe(true);
  });

  it('hands a run to the recorder only when the call asked for one', () => {
    const recorded: unknown[][] = [];
    const s = new RedisAsyncStore({
      queue: {} as never,
      redis: {} as never,
      keys: asyncKeys('t'),
      runs: { record: (...args) => void recorded.push(args) },
    });
    const result = { executedVersion: '$LATEST', payload: Buffer.from('1') };
    s.recordRun(undefined, 'fn', 'r1', result);
    s.recordRun('0.0;1000', 'fn', 'r2', result);
    expect(recorded.map((r) => r[2])).toEqual(['r2']);
  });
});
