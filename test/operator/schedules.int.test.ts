import { scheduleKeys } from '@lamina/core';
import { eventually } from '@lamina/testkit';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig as loadDispatcherConfig } from '../../services/dispatcher/src/config.js';
import {
  type DispatcherHandle,
  startDispatcher,
} from '../../services/dispatcher/src/start-dispatcher.js';
import { makeZip } from '../support/zip.js';
import { getJson, kubectlOk } from './support/cluster.js';
import {
  type ClusterLamina,
  NODE_BRIDGE_IP,
  startClusterLamina,
} from './support/cluster-lamina.js';
import { type Callbacks, orDiagnose, startCallbacks } from './support/in-cluster.js';

// Cluster mode end to end, issue 19: a Schedule applied with kubectl is mirrored by the operator
// (a real process, against the real API server) into the Redis store the scheduler runner reads;
// the runner (a dispatcher in this process, with its async worker) enqueues each tick and runs it
// through the real cluster gateway on a worker pod on the node. The function POSTs the event it
// got to a listener on the node bridge's address, so the test sees what actually ran.

interface ScheduleObject {
  status?: { nextRun?: string; lastRun?: string; arn?: string; problem?: string };
}

const handler = `export const handler = async (event) => {
  await fetch(process.env.CALLBACK, { method: 'POST', body: JSON.stringify(event) });
  return 'ok';
};\n`;

describe('cluster mode: a Schedule resource fires on a worker pod', () => {
  const fn = 'ticked';
  let lamina: ClusterLamina | undefined;
  let dispatcher: DispatcherHandle | undefined;
  let redis: Redis | undefined;
  let callbacks: Callbacks | undefined;
  const registry = new Registry();
  const l = (): ClusterLamina => {
    if (lamina === undefined) throw new Error('not started');
    return lamina;
  };
  const schedule = (name: string) =>
    getJson<ScheduleObject>(['get', 'schedules.lamina.dev', name, '-n', l().ns]);
  const received = (): unknown[] => callbacks?.received ?? [];
  const ticks = async (): Promise<number> => {
    const metric = await registry.getSingleMetric('lamina_scheduler_ticks_total')?.get();
    return (metric?.values ?? []).reduce((n, v) => n + v.value, 0);
  };

  beforeAll(async () => {
    lamina = await startClusterLamina({
      name: 'sched',
      operatorEnv: { LAMINA_MAPPING_SYNC_INTERVAL_MS: '300' },
    });
    redis = new Redis(lamina.redisUrl);
    callbacks = await startCallbacks(NODE_BRIDGE_IP);
    dispatcher = await startDispatcher({
      config: loadDispatcherConfig({
        REDIS_URL: lamina.redisUrl,
        LAMINA_REDIS_PREFIX: lamina.prefix,
        LAMINA_GATEWAY_URL: lamina.gateway.url,
        LAMINA_NAMESPACE: lamina.ns,
        LAMINA_SCHEDULER_INTERVAL_MS: '250',
      }),
      logger: pino({ level: 'warn' }), // a refused or failed tick says why
      registry,
    });
  }, 600_000);

  afterAll(async () => {
    await dispatcher?.stop();
    redis?.disconnect();
    await callbacks?.stop();
    await lamina?.stop();
  }, 180_000);

  it('kubectl apply: fires the function with its Input once per tick, NEXT and LAST in status', async () => {
    await l().createFunction(fn, makeZip({ 'index.mjs': handler }), {
      Environment: { Variables: { CALLBACK: callbacks?.url ?? '' } },
    });
    const ns = l().ns;
    await kubectlOk(
      ['apply', '-n', ns, '-f', '-'],
      `apiVersion: lamina.dev/v1alpha1
kind: Schedule
metadata: { name: every-minute }
spec:
  scheduleExpression: "cron(* * * * ? *)"
  target: { functionName: ${fn}, input: '{"from":"kubectl"}' }
---
apiVersion: lamina.dev/v1alpha1
kind: Schedule
metadata: { name: yearly }
spec:
  scheduleExpression: "cron(0 0 1 1 ? 2099)"
  scheduleExpressionTimezone: Europe/Berlin
  target: { functionName: ${fn} }
`,
    );
    // Mirrored, with the next run computed in the schedule's time zone.
    const yearly = await eventually(async () => (await schedule('yearly'))?.status?.nextRun, {
      what: 'nextRun of the yearly schedule',
      timeoutMs: 30_000,
    });
    expect(yearly).toBe('2098-12-31T23:00:00.000Z');
    expect((await schedule('yearly'))?.status?.arn).toBe(
      `arn:aws:scheduler:us-east-1:000000000000:schedule/${ns}/yearly`,
    );
    expect(await redis?.hget(scheduleKeys(l().prefix).schedules, `${ns}/every-minute`)).not.toBe(
      null,
    );

    // The first tick (at most a minute away) runs the function on its pod with the Input as is.
    // On a timeout the error says how many ticks were enqueued and what the pods did.
    await orDiagnose(ns, () =>
      eventually(
        async () => {
          if (received().length >= 1) return true;
          throw new Error(`no run yet; ticks enqueued: ${String(await ticks())}`);
        },
        { what: 'the function run by the first tick', timeoutMs: 100_000, intervalMs: 500 },
      ),
    );
    expect(received()[0]).toEqual({ from: 'kubectl' });
    const status = await eventually(
      async () => {
        const s = (await schedule('every-minute'))?.status;
        return s?.lastRun === undefined || s.nextRun === undefined ? undefined : s;
      },
      { what: 'lastRun and nextRun in status', timeoutMs: 30_000 },
    );
    const last = Date.parse(status.lastRun ?? '');
    expect(last % 60_000).toBe(0);
    expect(Date.parse(status.nextRun ?? '')).toBe(last + 60_000);
    const columns = await kubectlOk(['get', 'schedules.lamina.dev', '-n', ns]);
    expect(columns).toMatch(/NAME\s+EXPRESSION\s+FUNCTION\s+STATE\s+NEXT\s+LAST/);

    // Deleted: gone from the runner's store; every tick fired ran the function exactly once.
    await kubectlOk(['delete', 'schedules.lamina.dev', 'every-minute', '-n', ns]);
    await eventually(
      async () =>
        (await redis?.hget(scheduleKeys(l().prefix).schedules, `${ns}/every-minute`)) === null
          ? true
          : undefined,
      { what: 'the deleted schedule gone from the runners store', timeoutMs: 30_000 },
    );
    await new Promise((r) => setTimeout(r, 5000)); // a duplicate run would land by now
    const fired = await ticks();
    expect(fired).toBeGreaterThanOrEqual(1);
    expect(received()).toEqual(Array.from({ length: fired }, () => ({ from: 'kubectl' })));
  }, 240_000);
});
