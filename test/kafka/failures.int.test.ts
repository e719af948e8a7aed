import type { LambdaClient } from '@aws-sdk/client-lambda';
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
} from './support/kafka-harness.js';

describe('Kafka poller: poison records and partial batch responses', () => {
  let env: KafkaLamina;
  let client: LambdaClient;
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    env = await startKafkaLamina({
      LAMINA_POLLER_SYNC_INTERVAL_MS: '300',
      LAMINA_POLLER_SESSION_TIMEOUT_MS: '6000',
      LAMINA_POLLER_RETRY_MIN_MS: '20',
      LAMINA_POLLER_RETRY_MAX_MS: '100',
    });
    ({ client, kafka, admin } = env);
  });
  afterAll(() => env.stop());

  it('MaximumRetryAttempts 2 + bisect: exactly the bad record reaches the on-failure destination', async () => {
    const topic = uniqueName('poison');
    await createTopic(admin, topic, 1);
    const high = await produceKeyed(kafka, topic, 300);
    const fn = await createOrderFunction(client, { POISON: 'v77' });
    const queue = uniqueName('dlq');
    const uuid = await createMapping(client, {
      FunctionName: fn.name,
      Topics: [topic],
      BatchSize: 64,
      MaximumRetryAttempts: 2,
      BisectBatchOnFunctionError: true,
      DestinationConfig: { OnFailure: { Destination: `lamina:queue:${queue}` } },
    });
    await allCommitted(admin, uuid, topic, high);

    const res = await fetch(`${env.lamina.url}/lamina/v1/queues/${queue}/messages?max=10`);
    const messages = ((await res.json()) as { Messages: { Body: string }[] }).Messages;
    expect(messages).toHaveLength(1);
    const record = JSON.parse(messages[0]?.Body ?? '{}') as {
      requestContext: { condition: string; approximateInvokeCount: number };
      KafkaBatchInfo: { batchSize: number };
      payload: { records: Record<string, { offset: number; value: string }[]> };
    };
    expect(record.requestContext.condition).toBe('RetryAttemptsExhausted');
    expect(record.requestContext.approximateInvokeCount).toBe(3);
    expect(record.KafkaBatchInfo.batchSize).toBe(1);
    const given = record.payload.records[`${topic}-0`] ?? [];
    expect(given.map((r) => Buffer.from(r.value, 'base64').toString())).toEqual(['v77']);

    // Successful invocations (those without the poison) cover every other record, in order.
    const ok = fn.invocations().filter((i) => !i.offsets.includes(given[0]?.offset ?? -1));
    const delivered = ok.flatMap((i) => i.offsets);
    expect(delivered).toEqual([...Array(300).keys()].filter((o) => o !== given[0]?.offset));
    // The bad record alone: invoked 1 + 2 retries.
    const alone = fn.invocations().filter((i) => i.offsets.length === 1 && i.offsets[0] === 77);
    expect(alone).toHaveLength(3);
  }, 90_000);

  it('ReportBatchItemFailures: only the reported record and those after it are retried', async () => {
    const topic = uniqueName('partial');
    await createTopic(admin, topic, 1);
    const high = await produceKeyed(kafka, topic, 100);
    const fn = await createOrderFunction(client, { PARTIAL_OFFSET: '40' });
    const uuid = await createMapping(client, {
      FunctionName: fn.name,
      Topics: [topic],
      BatchSize: 100,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    await allCommitted(admin, uuid, topic, high);

    const invs = fn.invocations();
    const counts = new Map<number, number>();
    for (const i of invs) for (const o of i.offsets) counts.set(o, (counts.get(o) ?? 0) + 1);
    for (let o = 0; o < 40; o++) expect(counts.get(o)).toBe(1);
    expect(counts.get(40)).toBe(2);
    for (let o = 41; o < 100; o++) expect(counts.get(o) ?? 0).toBeGreaterThanOrEqual(1);
    const failing = invs.findIndex((i) => i.offsets.includes(40));
    expect(invs[failing + 1]?.offsets[0]).toBe(40);
    // Everything the failing invocation held from 40 on came again, nothing before it.
    const first = invs[failing]?.offsets ?? [];
    const retried = invs[failing + 1]?.offsets ?? [];
    expect(retried.slice(0, first.length - first.indexOf(40))).toEqual(
      first.slice(first.indexOf(40)),
    );
  }, 90_000);
});
