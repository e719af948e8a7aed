import { InvokeCommand } from '@aws-sdk/client-lambda';
import { demandKeys } from '@lamina/core';
import { eventually } from '@lamina/testkit';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../../services/dispatcher/src/config.js';
import {
  type DispatcherHandle,
  startDispatcher,
} from '../../services/dispatcher/src/start-dispatcher.js';
import { makeZip } from '../support/zip.js';
import { type ClusterLamina, startClusterLamina } from './support/cluster-lamina.js';

// Async events scale a version from zero and back on the real node (issue #15, ADR 0017): 500
// Event invocations through the unmodified AWS SDK are queued by the cluster gateway; a
// dispatcher (in this process, cluster mode: it reports the events it could start as
// `asyncDepth`) runs them through the gateway, whose held calls wake the operator's autoscaler.
// All 500 run, the version grows beyond one environment and returns to zero when idle.

const IDLE_SECONDS = 10;
const EVENTS = 500;
const CONCURRENCY = 8;

describe('cluster scaling: async events from zero and back', () => {
  let lamina: ClusterLamina | undefined;
  let dispatcher: DispatcherHandle | undefined;
  let redis: Redis | undefined;
  const registry = new Registry();
  const zip = makeZip({
    'index.mjs': `export const handler = async () => {
  await new Promise((r) => setTimeout(r, 300));
  return 'ok';
};
`,
  });
  const l = (): ClusterLamina => {
    if (lamina === undefined) throw new Error('not started');
    return lamina;
  };
  const succeeded = async (fn: string): Promise<number> => {
    const metric = await registry.getSingleMetric('lamina_async_events_completed_total')?.get();
    return (metric?.values ?? [])
      .filter((v) => v.labels['function'] === fn && v.labels['condition'] === 'Success')
      .reduce((n, v) => n + v.value, 0);
  };

  beforeAll(async () => {
    lamina = await startClusterLamina({
      name: 'async',
      autoscaler: { idleSeconds: IDLE_SECONDS },
      maxSockets: 32,
    });
    redis = new Redis(lamina.redisUrl);
    dispatcher = await startDispatcher({
      config: loadConfig({
        REDIS_URL: lamina.redisUrl,
        LAMINA_REDIS_PREFIX: lamina.prefix,
        LAMINA_GATEWAY_URL: lamina.gateway.url,
        LAMINA_NAMESPACE: lamina.ns,
        LAMINA_DISPATCHER_CONCURRENCY: String(CONCURRENCY),
      }),
      logger: pino({ level: 'silent' }),
      registry,
    });
  }, 600_000);

  afterAll(async () => {
    await dispatcher?.stop();
    redis?.disconnect();
    await lamina?.stop();
  }, 180_000);

  it('500 events on a function at zero all run; environments grow and return to zero', async () => {
    const fn = 'events';
    await l().createFunction(fn, zip);
    expect((await l().deploymentOf(fn))?.spec.replicas).toBe(0);
    const payload = Buffer.from('{}');
    for (let i = 0; i < EVENTS; i += 50) {
      const answers = await Promise.all(
        Array.from({ length: Math.min(50, EVENTS - i) }, () =>
          l().lambda.send(
            new InvokeCommand({ FunctionName: fn, InvocationType: 'Event', Payload: payload }),
          ),
        ),
      );
      expect(answers.every((a) => a.StatusCode === 202)).toBe(true);
    }
    // The dispatcher reports under its own reporter id next to the gateway's.
    const reporters = await redis?.zrange(demandKeys(l().prefix).reporters, '0', '-1');
    expect(reporters?.some((r) => r.startsWith('dispatcher-'))).toBe(true);

    let highest = 0;
    await eventually(
      async () => {
        highest = Math.max(highest, (await l().deploymentOf(fn))?.spec.replicas ?? 0);
        expect(await succeeded(fn)).toBe(EVENTS);
        return true;
      },
      { what: `${EVENTS} events run`, timeoutMs: 300_000, intervalMs: 500 },
    );
    expect(highest).toBeGreaterThan(1);
    expect(highest).toBeLessThanOrEqual(CONCURRENCY);

    await eventually(
      async () => {
        expect((await l().deploymentOf(fn))?.spec.replicas).toBe(0);
        expect(await l().podsOf(fn)).toEqual([]);
        return true;
      },
      { what: 'the version back at zero', timeoutMs: (IDLE_SECONDS + 90) * 1000, intervalMs: 1000 },
    );
  }, 600_000);
});
