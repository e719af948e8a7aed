import { GetEventSourceMappingCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '@lamina/testkit';

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

const RECORDS = 100_000;

describe('Kafka poller: 100,000 keyed records on 6 partitions', () => {
  let env: KafkaLamina;
  let client: LambdaClient;
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    env = await startKafkaLamina({
      LAMINA_POLLER_SYNC_INTERVAL_MS: '300',
      LAMINA_POLLER_SESSION_TIMEOUT_MS: '6000',
    });
    ({ client, kafka, admin } = env);
  });
  afterAll(() => env.stop());

  it('delivers every record once, in offset order per partition, committing only after success', async () => {
    const topic = uniqueName('orders');
    await createTopic(admin, topic, 6);
    const produceStart = Date.now();
    const high = await produceKeyed(kafka, topic, RECORDS);
    const produceMs = Date.now() - produceStart;
    expect([...high.values()].reduce((a, b) => a + b, 0)).toBe(RECORDS);
    expect(high.size).toBe(6);

    const fn = await createOrderFunction(client);
    const start = Date.now();
    const uuid = await createMapping(client, {
      FunctionName: fn.name,
      Topics: [topic],
      BatchSize: 10_000,
    });

    // No commit ahead of the work: a committed offset never passes what the handler finished.
    let samples = 0;
    let commitAhead = 0;
    await allCommitted(admin, uuid, topic, high, {
      timeoutMs: Math.max(0, start + 150_000 - Date.now()),
      onSample: (c) => {
        const done = new Map<number, number>();
        for (const inv of fn.invocations())
          done.set(inv.partition, Math.max(done.get(inv.partition) ?? -1, ...inv.offsets));
        samples++;
        for (const [p, off] of c) if (off > 0 && off > (done.get(p) ?? -1) + 1) commitAhead++;
      },
    });
    const elapsed = Date.now() - start;
    const s = summarize(fn.invocations());
    const { missing, duplicates } = s.check(high);
    process.stdout.write(
      `kafka 100k: produced in ${produceMs} ms, all committed after ${elapsed} ms ` +
        `(${Math.round(RECORDS / (elapsed / 1000))} records/s), ${fn.invocations().length} invocations, ` +
        `${samples} commit samples, duplicates ${duplicates}\n`,
    );
    expect(commitAhead).toBe(0);
    expect(missing).toBe(0);
    expect(s.outOfOrder).toBe(0);
    expect(s.rewinds).toBe(0);
    expect(duplicates).toBe(0);

    const got = await client.send(new GetEventSourceMappingCommand({ UUID: uuid }));
    expect(got.State).toBe('Enabled');
    expect(got.LastProcessingResult).toBe('OK');
    const metrics = await (await fetch(`${env.lamina.url}/metrics`)).text();
    expect(metrics).toContain(`lamina_poller_records_total{mapping="${uuid}"} ${RECORDS}`);
  }, 240_000);
});
