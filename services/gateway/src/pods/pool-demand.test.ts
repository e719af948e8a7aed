import { decodeWake, demandKeys, type FunctionVersionConfig } from '@lamina/core';
import type { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';

import { GatewayDemand } from './pool-demand.js';

const fn = { name: 'hello', version: '$LATEST' } as FunctionVersionConfig;
const silent = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };

function fakeRedis() {
  const reports: (readonly unknown[])[][] = [];
  const published: [string, string][] = [];
  const redis = {
    multi: (commands: (readonly unknown[])[]) => ({
      exec: () => {
        reports.push(commands);
        return Promise.resolve([]);
      },
    }),
    publish: (channel: string, message: string) => {
      published.push([channel, message]);
      return Promise.resolve(1);
    },
  } as unknown as Pick<Redis, 'multi' | 'publish'>;
  return { redis, reports, published };
}

describe('GatewayDemand', () => {
  it('counts waits and runs per version in its namespace, wakes on a wait, empties on stop', async () => {
    const { redis, reports, published } = fakeRedis();
    const keys = demandKeys('p1');
    const demand = new GatewayDemand({
      redis,
      redisPrefix: 'p1',
      namespace: 'ns1',
      reporterId: 'gw-1',
      logger: silent,
      intervalMs: 60_000,
    });
    const endWait = demand.wait(fn);
    expect(published.map(([c, m]) => [c, decodeWake(m)])).toEqual([
      [
        keys.wake,
        { target: { namespace: 'ns1', functionName: 'hello', version: '$LATEST' }, waiting: 1 },
      ],
    ]);
    await vi.waitFor(() => {
      expect(reports.at(-1)).toContainEqual([
        'hset',
        keys.reporter('gw-1'),
        'ns1/hello/$LATEST',
        '0 1 0 0',
      ]);
    });
    endWait();
    const endRun = demand.run(fn);
    await demand.stop();
    endRun();
    // The last report is empty: this process' demand leaves with it.
    expect(reports.at(-1)?.some((c) => c[0] === 'hset')).toBe(false);
    expect(published).toHaveLength(1);
  });
});
