import type { LambdaClient } from '@aws-sdk/client-lambda';
import {
  eventually,
  type ServiceProcess,
  startService,
  testEnv,
  uniqueName,
} from '@lamina/testkit';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  allCommitted,
  createMapping,
  createOrderFunction,
  createTopic,
  type KafkaLamina,
  produceKeyed,
  startKafkaLamina,
  summarize,
} from './support/kafka-harness.js';

const RECORDS = 30_000;

describe('Kafka poller: SIGKILLed twice mid-run', () => {
  let env: KafkaLamina;
  let client: LambdaClient;
  let kafka: Kafka;
  let admin: Admin;
  const prefix = uniqueName('kafka');
  const pollers: ServiceProcess[] = [];
  const pollerEnv = (): Record<string, string> => ({
    REDIS_URL: testEnv.require('REDIS_URL'),
    LAMINA_REDIS_PREFIX: prefix,
    LAMINA_GATEWAY_URL: env.lamina.url,
    LAMINA_POLLER_SYNC_INTERVAL_MS: '300',
    LAMINA_POLLER_SESSION_TIMEOUT_MS: '6000',
  });

  beforeAll(async () => {
    // The pollers run as standalone processes here, not inside lamina dev.
    env = await startKafkaLamina({ LAMINA_REDIS_PREFIX: prefix, LAMINA_DEV_POLLER: 'false' });
    ({ client, kafka, admin } = env);
  });
  afterAll(async () => {
    for (const p of pollers) await p.kill('SIGTERM');
    await env.stop();
  });

  it('loses nothing; duplicates are counted', async () => {
    const topic = uniqueName('crash');
    await createTopic(admin, topic, 6);
    const high = await produceKeyed(kafka, topic, RECORDS);
    const fn = await createOrderFunction(client, { SLEEP_MS: '100' });
    const uuid = await createMapping(client, {
      FunctionName: fn.name,
      Topics: [topic],
      BatchSize: 250,
    });
    const delivered = (): number => fn.invocations().reduce((n, i) => n + i.offsets.length, 0);
    const waitDelivered = (n: number): Promise<unknown> =>
      eventually(
        () => {
          if (delivered() < n) throw new Error(`only ${delivered()} delivered`);
          return true;
        },
        { what: `${n} records delivered`, timeoutMs: 60_000, intervalMs: 50 },
      );

    const start = Date.now();
    pollers.push(await startService('poller', pollerEnv()));
    await waitDelivered(RECORDS * 0.25);
    await pollers[0]?.kill('SIGKILL');
    const afterFirst = delivered();
    pollers.push(await startService('poller', pollerEnv()));
    await waitDelivered(afterFirst + RECORDS * 0.3);
    await pollers[1]?.kill('SIGKILL');
    pollers.push(await startService('poller', pollerEnv()));

    await allCommitted(admin, uuid, topic, high, { timeoutMs: 90_000 });
    const s = summarize(fn.invocations());
    const { missing, duplicates } = s.check(high);
    process.stdout.write(
      `kafka crash test: ${RECORDS} records, 2 SIGKILLs, done in ${Date.now() - start} ms, ` +
        `missing ${missing}, duplicates ${duplicates} (${s.rewinds} redelivered batches)\n`,
    );
    expect(missing).toBe(0);
    expect(s.outOfOrder).toBe(0);
  }, 180_000);
});
