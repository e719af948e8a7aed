import { randomUUID } from 'node:crypto';

import { esmKeys, SOURCE_ARN_HEADER, validateCreateMapping } from '@lamina/core';
import { eventually, testEnv, uniqueName } from '@lamina/testkit';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig as loadPollerConfig } from '../../services/poller/src/config.js';
import type { Invoker } from '../../services/poller/src/kafka-invoker.js';
import { type PollerHandle, startPoller } from '../../services/poller/src/start-poller.js';

// ADR 0058: startPoller takes the composition root's invoker (in `lamina dev`, the gateway's
// Invoke of the same process, ADR 0055). Real Redis and Kafka; the invoker records what it is
// handed. The gateway URL answers nothing: a batch that went over HTTP would never succeed.

const RECORDS = 60;

interface Seen {
  readonly partition: number;
  readonly offsets: number[];
}

describe('Kafka poller: batches go through the invoker the composition root hands it', () => {
  const brokers = testEnv.kafkaBrokers();
  const prefix = uniqueName('s10d-invoker');
  const keys = esmKeys(prefix);
  const topic = uniqueName('s10d-invoker');
  const kafka = new Kafka({ clientId: prefix, brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  let redis: Redis;
  let poller: PollerHandle | undefined;
  const seen: Seen[] = [];
  const invoker: Invoker = {
    invoke: (functionRef, payload, _requestId, headers) => {
      expect(functionRef).toBe('recorder');
      expect(headers?.[SOURCE_ARN_HEADER]).toMatch(/:event-source-mapping:/);
      const event = JSON.parse(payload.toString('utf8')) as {
        records: Record<string, { partition: number; offset: number }[]>;
      };
      for (const records of Object.values(event.records))
        seen.push({
          partition: records[0]?.partition ?? -1,
          offsets: records.map((r) => r.offset),
        });
      return Promise.resolve({ kind: 'success', statusCode: 200, body: 'null' });
    },
  };

  beforeAll(async () => {
    redis = new Redis(testEnv.require('REDIS_URL'));
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: RECORDS }, (_, i) => ({
        partition: i % 2,
        key: `k${i}`,
        value: `v${i}`,
      })),
    });
    await producer.disconnect();
    poller = await startPoller({
      config: loadPollerConfig({
        REDIS_URL: testEnv.require('REDIS_URL'),
        LAMINA_REDIS_PREFIX: prefix,
        LAMINA_GATEWAY_URL: 'http://127.0.0.1:9',
        LAMINA_POLLER_SYNC_INTERVAL_MS: '200',
        LAMINA_POLLER_SESSION_TIMEOUT_MS: '6000',
      }),
      logger: pino({ level: 'silent' }),
      registry: new Registry(),
      invoker,
    });
  });

  afterAll(async () => {
    await poller?.stop();
    await redis.del(keys.mappings, keys.status);
    redis.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }, 60_000);

  it('hands every record to it once, in offset order per partition, and commits after its success', async () => {
    const uuid = randomUUID();
    const mapping = validateCreateMapping(
      {
        FunctionName: 'recorder',
        Topics: [topic],
        SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: brokers } },
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 7,
      },
      uuid,
      Date.now(),
    );
    await redis.hset(keys.mappings, uuid, JSON.stringify(mapping));

    await eventually(
      async () => {
        const [t] = await admin.fetchOffsets({ groupId: uuid, topics: [topic] });
        const done = (t?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
        if (done < RECORDS) throw new Error(`${done} of ${RECORDS} committed`);
        return true;
      },
      { what: `${RECORDS} offsets committed`, timeoutMs: 90_000, intervalMs: 100 },
    );
    for (const partition of [0, 1]) {
      const offsets = seen.filter((s) => s.partition === partition).flatMap((s) => s.offsets);
      expect(offsets).toEqual(Array.from({ length: RECORDS / 2 }, (_, i) => i));
    }
    expect(seen.every((s) => s.offsets.length <= 7)).toBe(true);
  }, 120_000);
});
