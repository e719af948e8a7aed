import { asyncKeys, newAsyncJob } from '@lamina/core';
import { describe, expect, it } from 'vitest';

import { RedisAsyncStore } from './async-store.js';

const job = newAsyncJob({ functionName: 'fn', requestId: 'a:1', payload: '{}', acceptedAt: 0 });

describe('RedisAsyncStore', () => {
  /** A pipeline stand-in: records XADDs, answers when the test says so. */
  function fakeIntake(answer: (n: number) => [Error | null, unknown][]) {
    const batches: unknown[][][] = [];
    let release: () => void = () => undefined;
    const intake = {
      pipeline: () => {
        const adds: unknown[][] = [];
        const p = {
          xadd: (...args: unknown[]) => {
            adds.push(args);
            return p;
          },
          exec: () =>
            new Promise((resolve) => {
              batches.push(adds);
              release = () => {
                resolve(answer(adds.length));
              };
            }),
        };
        return p;
      },
    };
    return {
      intake: intake as never,
      batches,
      release: () => {
        release();
      },
    };
  }

  it('appends an event to the intake stream and resolves once Redis answered', async () => {
    const f = fakeIntake((n) => Array.from({ length: n }, () => [null, '1-0']));
    const s = new RedisAsyncStore({ intake: f.intake, redis: {} as never, keys: asyncKeys('t') });
    let done = false;
    const p = s.enqueue(job).then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    const add = f.batches[0]?.[0];
    expect(add?.slice(0, 4)).toEqual(['t:v1:{async}:intake', '*', 'f', 'fn']);
    expect(add?.slice(4, 6)).toEqual(['p', '{}']);
    expect(JSON.parse(String(add?.[7]))).toMatchObject({ requestId: 'a:1' });
    f.release();
    await p;
    expect(done).toBe(true);
  });

  it('sends the events that arrive meanwhile in one pipeline, each with its own outcome', async () => {
    const refused = new Error('OOM');
    const f = fakeIntake((n) =>
      Array.from({ length: n }, (_, i) => (i === 1 ? [refused, null] : [null, '1-0'])),
    );
    const s = new RedisAsyncStore({
      intake: f.intake,
      redis: {} as never,
      keys: asyncKeys('t'),
      maxInFlight: 1,
    });
    const first = s.enqueue(job);
    const later = [0, 1, 2].map(() =>
      s.enqueue(job).then(
        () => 'ok',
        (e: unknown) => e,
      ),
    );
    await new Promise((r) => setImmediate(r));
    expect(f.batches.map((b) => b.length)).toEqual([1]);
    f.release();
    await first;
    await new Promise((r) => setImmediate(r));
    expect(f.batches.map((b) => b.length)).toEqual([1, 3]);
    f.release();
    expect(await Promise.all(later)).toEqual(['ok', refused, 'ok']);
  });

  it('hands a run to the recorder only when the call asked for one', () => {
    const recorded: unknown[][] = [];
    const s = new RedisAsyncStore({
      intake: {} as never,
      redis: {} as never,
      keys: asyncKeys('t'),
      runs: {
        record: (...args) => void recorded.push(['record', ...args]),
        started: (...args) => void recorded.push(['started', ...args]),
        abandoned: (...args) => void recorded.push(['abandoned', ...args]),
      },
    });
    const result = { executedVersion: '$LATEST', payload: Buffer.from('1') };
    s.runStarted(undefined, 'fn', 'r1', 1000);
    s.recordRun(undefined, 'fn', 'r1', result);
    s.runAbandoned(undefined, 'fn', 'r1');
    s.runStarted('0.0;1000', 'fn', 'r2', 1000);
    s.recordRun('0.0;1000', 'fn', 'r2', result);
    s.runAbandoned('0.0;1000', 'fn', 'r3');
    expect(recorded.map((r) => [r[0], r[3]])).toEqual([
      ['started', 'r2'],
      ['record', 'r2'],
      ['abandoned', 'r3'],
    ]);
  });
});
