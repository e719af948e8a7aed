import {
  InvokeCommand,
  type LambdaClient,
  PutFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  type LaminaProcess,
  type ServiceProcess,
  startLamina,
  startService,
  testEnv,
  uniqueName,
} from '@lamina/testkit';

import { lambdaClient } from '../support/lambda-client.js';
import { createRecordingFunction, readQueue } from './support/async-harness.js';

const EVENTS = 5000;
const KILLS = 3;
/** Every 100th event fails (MaximumRetryAttempts 0) and must reach the failure queue. */
const failing = (i: number): boolean => i % 100 === 0;

async function mapLimit<T>(n: number, limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array<T>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

// At least once, nothing lost: 5,000 events through the SDK on the durable (AOF always)
// Redis, a standalone dispatcher SIGKILLed three times while it works through them.
describe('async chaos: the dispatcher is SIGKILLed mid-run', () => {
  const redisUrl = testEnv.optional('REDIS_DURABLE_URL') ?? testEnv.require('REDIS_URL');
  const prefix = uniqueName('chaos');
  let lamina: LaminaProcess;
  let client: LambdaClient;
  let dispatcher: ServiceProcess | undefined;
  const dispatcherEnv = (): Record<string, string> => ({
    REDIS_URL: redisUrl,
    LAMINA_REDIS_PREFIX: prefix,
    LAMINA_GATEWAY_URL: lamina.url,
    LAMINA_DISPATCHER_CONCURRENCY: '32',
    LAMINA_DISPATCHER_LOCK_MS: '3000',
    LAMINA_DISPATCHER_STALLED_INTERVAL_MS: '1000',
  });

  beforeAll(async () => {
    lamina = await startLamina({
      env: {
        REDIS_URL: redisUrl,
        LAMINA_REDIS_PREFIX: prefix,
        LAMINA_DEV_DISPATCHER: 'false',
        // The recording handlers append to a host file (RUN_LOG) the sandbox hides (ADR 0029).
        LAMINA_SANDBOX: 'off',
      },
    });
    client = lambdaClient(lamina.url);
  });
  afterAll(async () => {
    client.destroy();
    await dispatcher?.kill('SIGKILL');
    await lamina.stop();
  });

  it('processes every event at least once or hands it to the failure target', async () => {
    const fn = await createRecordingFunction(client, 'chaos');
    const failures = uniqueName('chaos-failed');
    await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: fn.name,
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: `lamina:queue:${failures}` } },
      }),
    );
    const t0 = Date.now();
    dispatcher = await startService('dispatcher', dispatcherEnv());
    const accepting = mapLimit(EVENTS, 32, async (i) => {
      const out = await client.send(
        new InvokeCommand({
          FunctionName: fn.name,
          InvocationType: 'Event',
          Payload: JSON.stringify({ i, fail: failing(i) }),
        }),
      );
      expect(out.StatusCode).toBe(202);
      return out.$metadata.requestId ?? '';
    });

    // Kill while events are running: at 20 %, 45 % and 70 % of the runs.
    let kills = 0;
    for (const share of [0.2, 0.45, 0.7].slice(0, KILLS)) {
      await eventually(() => (fn.runs().length >= EVENTS * share ? true : undefined), {
        what: 'progress',
        timeoutMs: 120_000,
        intervalMs: 50,
      });
      await dispatcher.kill('SIGKILL');
      kills++;
      dispatcher = await startService('dispatcher', dispatcherEnv());
    }
    const ids = await accepting;
    const acceptedAt = Date.now();

    const failed = new Set<string>();
    const missing = await eventually(
      async () => {
        for (const m of await readQueue(lamina.url, failures, 1000)) {
          const record = JSON.parse(m.Body) as { requestContext: { requestId: string } };
          failed.add(record.requestContext.requestId);
        }
        const ran = new Set(fn.runs().map((r) => r.requestId));
        const left = ids.filter((id, i) => (failing(i) ? !failed.has(id) : !ran.has(id)));
        return left.length === 0 ? left : undefined;
      },
      { what: 'every event', timeoutMs: 150_000, intervalMs: 500 },
    );
    const seconds = (Date.now() - t0) / 1000;

    const counts = new Map<string, number>();
    for (const r of fn.runs()) counts.set(r.requestId, (counts.get(r.requestId) ?? 0) + 1);
    const duplicates = [...counts.values()].filter((n) => n > 1).length;
    const extraRuns = [...counts.values()].reduce((a, n) => a + n - 1, 0);
    console.log(
      `[chaos] ${EVENTS} events, ${kills} SIGKILLs, ${seconds.toFixed(1)} s ` +
        `(all accepted after ${((acceptedAt - t0) / 1000).toFixed(1)} s): ` +
        `${counts.size} ran, ${failed.size} reached the failure queue, ${missing.length} missing, ` +
        `${duplicates} request ids ran more than once (${extraRuns} extra runs)`,
    );
    expect(kills).toBe(KILLS);
    expect(new Set(ids).size).toBe(EVENTS);
    expect(missing).toEqual([]);
    expect(failed.size).toBe(EVENTS / 100);
  }, 240_000);
});
