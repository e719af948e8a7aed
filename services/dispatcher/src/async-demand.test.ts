import type { AsyncJobData } from '@lamina/core';
import { describe, expect, it } from 'vitest';

import { AsyncDemand, type ReadyEvents } from './async-demand.js';

type Ready = Pick<AsyncJobData, 'functionName' | 'qualifier'>;

function setup(events: Ready[], free: () => number) {
  const sent: (string | number)[][][] = [];
  const asked: number[] = [];
  const ready: ReadyEvents = (limit) => {
    asked.push(limit);
    return Promise.resolve(events.slice(0, limit));
  };
  const demand = new AsyncDemand({
    ready,
    free,
    namespace: 'ns',
    redisPrefix: 't',
    reporterId: 'disp-1',
    redis: {
      multi: (cmds: (string | number)[][]) => ({
        exec: () => {
          sent.push(cmds);
          return Promise.resolve([]);
        },
      }),
      publish: () => Promise.resolve(0),
    } as never,
  });
  /** The hash fields of the last report: target → counts. */
  const last = (): Record<string, string> => {
    const hset = sent.at(-1)?.find((c) => c[0] === 'hset') ?? [];
    const out: Record<string, string> = {};
    for (let i = 2; i + 1 < hset.length; i += 2) out[String(hset[i])] = String(hset[i + 1]);
    return out;
  };
  return { demand, sent, asked, last };
}

describe('AsyncDemand', () => {
  it('reports ready events per version as asyncDepth, at most the free workers', async () => {
    const s = setup(
      [
        { functionName: 'a' },
        { functionName: 'a', qualifier: '$LATEST' },
        { functionName: 'a', qualifier: '3' },
        { functionName: 'b', qualifier: 'live' }, // an alias: resolved only at the gateway
        { functionName: 'a' },
      ],
      () => 4,
    );
    await s.demand.sample();
    expect(s.last()).toEqual({}); // one sample is a moment, not yet demand
    await s.demand.sample();
    expect(s.asked).toEqual([4, 4]);
    expect(s.last()).toEqual({ 'ns/a/$LATEST': '0 0 2 0', 'ns/a/3': '0 0 1 0' });
  });

  it('reads and counts nothing with no free worker, and drops versions no longer queued', async () => {
    let free = 2;
    const s = setup([{ functionName: 'a' }, { functionName: 'a' }], () => free);
    await s.demand.sample();
    free = 1;
    await s.demand.sample();
    expect(s.last()).toEqual({ 'ns/a/$LATEST': '0 0 1 0' });
    free = 0;
    await s.demand.sample();
    expect(s.asked).toEqual([2, 1]);
    expect(s.last()).toEqual({});
    expect(s.sent.at(-1)?.[0]).toEqual(['del', 't:v1:{demand}:r:disp-1']);
  });

  it('keeps the last counts when the queue cannot be read, and stop sends an empty report', async () => {
    let fail = false;
    const sent: (string | number)[][][] = [];
    const errors: unknown[] = [];
    const demand = new AsyncDemand({
      ready: () =>
        fail ? Promise.reject(new Error('down')) : Promise.resolve([{ functionName: 'a' }]),
      free: () => 1,
      namespace: 'ns',
      redisPrefix: 't',
      reporterId: 'disp-2',
      onError: (e) => errors.push(e),
      redis: {
        multi: (cmds: (string | number)[][]) => ({
          exec: () => {
            sent.push(cmds);
            return Promise.resolve([]);
          },
        }),
        publish: () => Promise.resolve(0),
      } as never,
    });
    await demand.sample();
    fail = true;
    await demand.sample();
    expect(errors).toHaveLength(1);
    expect(sent).toHaveLength(1);
    await demand.stop();
    await demand.stop();
    expect(sent).toHaveLength(2);
    expect(sent[1]?.some((c) => c[0] === 'hset')).toBe(false);
  });
});
