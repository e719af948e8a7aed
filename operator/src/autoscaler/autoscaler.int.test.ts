/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models are data-only classes; targets use plain objects like its examples. */
import { randomUUID } from 'node:crypto';

import { demandKeys, demandReportCommands, encodeWake, NO_DEMAND } from '@lamina/core';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it, vi } from 'vitest';

import { Autoscaler } from './autoscaler.js';
import { createAutoscalerMetrics } from './autoscaler-metrics.js';
import { DEFAULT_SCALING } from './decide.js';
import { RedisDemandReader } from './demand-reader.js';
import type { ScaleTarget } from './scale-targets.js';
import { WakeListener } from './wake-listener.js';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:16379';
const prefix = `optest-${randomUUID()}`;
const clients: Redis[] = [];

function client(): Redis {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  clients.push(redis);
  return redis;
}

afterAll(async () => {
  const redis = clients[0];
  if (redis !== undefined) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  await Promise.all(clients.map((c) => c.quit()));
});

describe('Autoscaler on real Redis', () => {
  it('scales on a wake at once, then on the reporters’ demand, summed over gateways', async () => {
    const keys = demandKeys(prefix);
    const redis = client();
    const hello = { namespace: 'ns1', functionName: 'hello', version: '$LATEST' };
    const target: ScaleTarget = {
      key: 'ns1/hello/$LATEST',
      target: hello,
      deploymentName: 'hello-latest',
      current: 0,
      ready: 0,
      provisioned: 0,
      reserved: undefined,
      idleWindowMs: 600_000,
      owner: { kind: 'Function', metadata: { name: 'hello', namespace: 'ns1' } },
    };
    const writes: number[] = [];
    const autoscaler = new Autoscaler({
      targets: () => [{ ...target, current: writes.at(-1) ?? 0 }],
      demand: new RedisDemandReader({ redis, keys }),
      replicas: {
        setReplicas: (_ns, _name, n) => {
          writes.push(n);
          return Promise.resolve();
        },
      },
      events: { emit: vi.fn() },
      metrics: createAutoscalerMetrics(new Registry()),
      settings: DEFAULT_SCALING,
      tickMs: 60_000, // only wakes and explicit ticks in this test
      accountConcurrency: 1000,
      logger: { info: vi.fn(), warn: vi.fn(), error: vi.fn() },
    });
    const wakes = new WakeListener({
      subscriber: client(),
      keys,
      onWake: (w) => {
        autoscaler.wake(w);
      },
    });
    await wakes.start();
    autoscaler.start();
    try {
      await client().publish(keys.wake, encodeWake({ target: hello, waiting: 1 }));
      await vi.waitFor(() => {
        expect(writes).toEqual([1]);
      });

      const now = Date.now();
      for (const [id, inFlight] of [
        ['gw-a', 4],
        ['gw-b', 3],
      ] as const) {
        const cmds = demandReportCommands(keys, id, [[hello, { ...NO_DEMAND, inFlight }]], now);
        await redis.multi(cmds.map((c) => [...c])).exec();
      }
      await autoscaler.tick();
      expect(writes.at(-1)).toBe(7);
    } finally {
      await autoscaler.stop();
      await wakes.stop();
    }
  });
});
