import { type KafkaEventSourceMapping, validateCreateMapping } from '@lamina/core';
import type { EachBatchPayload, Kafka } from 'kafkajs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import type { InvokeOutcome, Invoker } from './kafka-invoker.js';
import { consumerConfig, fetchBytesPerPartition, MappingConsumer } from './mapping-consumer.js';
import { createMetrics } from './metrics.js';

const tuning = {
  sessionTimeoutMs: 30_000,
  partitionsConsumedConcurrently: 16,
  maxBytesPerPartition: 10_485_760,
  fetchBytesPerPartition: 1_048_576,
  fetchAhead: true,
};

describe('fetchBytesPerPartition', () => {
  it('asks for about one batch of 1 KiB records, at least 1 MiB, at most the cap', () => {
    expect(fetchBytesPerPartition(1, 1_048_576, 10_485_760)).toBe(1_048_576);
    expect(fetchBytesPerPartition(1000, 1_048_576, 10_485_760)).toBe(1_048_576);
    expect(fetchBytesPerPartition(5000, 1_048_576, 10_485_760)).toBe(5_120_000);
    expect(fetchBytesPerPartition(10_000, 1_048_576, 10_485_760)).toBe(10_240_000);
    expect(fetchBytesPerPartition(100_000, 1_048_576, 10_485_760)).toBe(10_485_760);
    expect(fetchBytesPerPartition(1000, 1_048_576, 65_536)).toBe(65_536);
    expect(fetchBytesPerPartition(1000, 10_485_760, 10_485_760)).toBe(10_485_760);
  });
});

describe('consumerConfig', () => {
  it('fetches 8 partitions worth, waits 500 ms without a batching window, commits nothing itself', () => {
    const c = consumerConfig(
      { consumerGroupId: 'g', batchSize: 1000, maximumBatchingWindowInSeconds: 0 },
      tuning,
    );
    expect(c).toMatchObject({
      groupId: 'g',
      maxBytesPerPartition: 1_048_576,
      maxBytes: 8 * 1_048_576,
      maxWaitTimeInMs: 500,
      allowAutoTopicCreation: false,
    });
    expect(c.minBytes).toBeUndefined();
  });

  it('holds a fetch for the batching window, up to a batch of 100-byte records', () => {
    const c = consumerConfig(
      { consumerGroupId: 'g', batchSize: 500, maximumBatchingWindowInSeconds: 2 },
      tuning,
    );
    expect(c.maxWaitTimeInMs).toBe(2000);
    expect(c.minBytes).toBe(50_000);
  });
});

/** A kafkajs consumer as MappingConsumer uses it: events, run's eachBatch, seek. */
class FakeConsumer {
  readonly events = { GROUP_JOIN: 'join', CRASH: 'crash', REBALANCING: 'rebalancing' };
  readonly handlers = new Map<string, (e: unknown) => void>();
  readonly seeks: { topic: string; partition: number; offset: string }[] = [];
  readonly stale = new Set<number>();
  eachBatch: ((p: EachBatchPayload) => Promise<void>) | undefined;
  disconnected = false;
  on(event: string, fn: (e: unknown) => void): void {
    this.handlers.set(event, fn);
  }
  emit(event: string): void {
    this.handlers.get(event)?.({ payload: { memberAssignment: {} } });
  }
  connect = (): Promise<void> => Promise.resolve();
  subscribe = (): Promise<void> => Promise.resolve();
  run(o: { eachBatch: (p: EachBatchPayload) => Promise<void> }): Promise<void> {
    this.eachBatch = o.eachBatch;
    return Promise.resolve();
  }
  seek(s: { topic: string; partition: number; offset: string }): void {
    this.seeks.push(s);
    this.stale.add(s.partition);
  }
  readonly paused: string[] = [];
  pause(): void {
    this.paused.push('pause');
  }
  resume(): void {
    this.paused.push('resume');
  }
  disconnect(): Promise<void> {
    this.disconnected = true;
    return Promise.resolve();
  }
}

function deferred<T>() {
  let resolve: (v: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const ok: InvokeOutcome = { kind: 'success', statusCode: 200, body: 'null' };
const tick = () => new Promise((r) => setImmediate(r));

function setup(
  batchSize: number,
  commit: (offset: string) => Promise<void> = () => Promise.resolve(),
  fetchAhead = true,
) {
  const fake = new FakeConsumer();
  const invokes: { offsets: number[]; answer: (o: InvokeOutcome) => void }[] = [];
  const m = validateCreateMapping(
    {
      FunctionName: 'fn',
      Topics: ['t'],
      SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: ['b:9092'] } },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: batchSize,
    },
    'u',
    0,
  ) as KafkaEventSourceMapping;
  const invoker: Pick<Invoker, 'invoke'> = {
    invoke: (_fn: string, payload: Buffer) => {
      const e = JSON.parse(payload.toString()) as {
        records: Record<string, { offset: number }[]>;
      };
      const d = deferred<InvokeOutcome>();
      invokes.push({
        offsets: Object.values(e.records).flatMap((rs) => rs.map((r) => r.offset)),
        answer: d.resolve,
      });
      return d.promise;
    },
  };
  const consumer = new MappingConsumer({
    mapping: m,
    kafka: { consumer: () => fake } as unknown as Kafka,
    invoker: invoker,
    failures: { send: () => Promise.resolve() },
    metrics: createMetrics(new Registry()),
    logger: pino({ level: 'silent' }),
    now: () => 0,
    backoff: { minMs: 1, maxMs: 1 },
    functionArn: 'arn:fn',
    mappingArn: 'arn:esm',
    onResult: () => undefined,
    onState: () => undefined,
    tuning: { ...tuning, fetchAhead },
  });
  const batch = (partition: number, offsets: number[]) => {
    const resolved: string[] = [];
    const commits: string[] = [];
    const p = {
      batch: {
        topic: 't',
        partition,
        highWatermark: '100',
        messages: offsets.map((o) => ({
          offset: String(o),
          timestamp: '0',
          key: null,
          value: Buffer.from(`v${o}`),
          headers: {},
        })),
        firstOffset: () => String(offsets[0]),
        lastOffset: () => String(offsets[offsets.length - 1]),
      },
      resolveOffset: (o: string) => resolved.push(o),
      heartbeat: () => Promise.resolve(),
      commitOffsetsIfNecessary: async (o: { topics: { partitions: { offset: string }[] }[] }) => {
        const next = o.topics[0]?.partitions[0]?.offset ?? '';
        await commit(next);
        commits.push(next);
      },
      isRunning: () => true,
      isStale: () => fake.stale.has(partition),
    } as unknown as EachBatchPayload;
    return { p, resolved, commits };
  };
  return { fake, consumer, invokes, batch };
}

describe('MappingConsumer: batches run after kafkajs moved on (ADR 0054)', () => {
  it('returns from eachBatch while the batch runs; the next batch of the partition waits for it', async () => {
    const { fake, consumer, invokes, batch } = setup(10);
    await consumer.start();
    const b1 = batch(0, [0, 1]);
    await fake.eachBatch?.(b1.p);
    expect(b1.resolved).toEqual(['1']);
    await tick();
    expect(invokes.map((i) => i.offsets)).toEqual([[0, 1]]);
    const b2 = batch(0, [2, 3]);
    let handed = false;
    const second = fake.eachBatch?.(b2.p).then(() => (handed = true));
    // Another partition is not held up.
    await fake.eachBatch?.(batch(1, [0]).p);
    await tick();
    expect(handed).toBe(false);
    expect(invokes.map((i) => i.offsets)).toEqual([[0, 1], [0]]);
    invokes[0]?.answer(ok);
    await second;
    await tick();
    expect(b1.commits).toEqual(['2']);
    expect(invokes.map((i) => i.offsets)).toEqual([[0, 1], [0], [2, 3]]);
    invokes[1]?.answer(ok);
    invokes[2]?.answer(ok);
    await consumer.stop();
    expect(fake.seeks).toEqual([]);
    expect(fake.disconnected).toBe(true);
  });

  it('rewinds the partition to the first record not handled when a commit fails', async () => {
    const { fake, consumer, invokes, batch } = setup(1, () =>
      Promise.reject(new Error('coordinator moved')),
    );
    await consumer.start();
    await fake.eachBatch?.(batch(0, [5, 6, 7]).p);
    await tick();
    invokes[0]?.answer(ok);
    for (let i = 0; i < 5; i++) await tick();
    // Record 5 succeeded (its commit was asked for); 6 was never invoked.
    expect(invokes.map((i) => i.offsets)).toEqual([[5]]);
    expect(fake.seeks).toEqual([{ topic: 't', partition: 0, offset: '6' }]);
    // A batch fetched before the rewind is dropped, unresolved: kafkajs fetches from 6 again.
    const stale = batch(0, [8]);
    await fake.eachBatch?.(stale.p);
    expect(stale.resolved).toEqual([]);
    await consumer.stop();
  });

  it('stops a running batch before its next invoke on a rebalance, without rewinding', async () => {
    const { fake, consumer, invokes, batch } = setup(1);
    await consumer.start();
    const b = batch(0, [0, 1, 2]);
    await fake.eachBatch?.(b.p);
    await tick();
    fake.emit('rebalancing');
    invokes[0]?.answer(ok);
    for (let i = 0; i < 5; i++) await tick();
    expect(invokes.map((i) => i.offsets)).toEqual([[0]]);
    expect(fake.seeks).toEqual([]);
    await consumer.stop();
  });

  it('stop waits for the batch in flight', async () => {
    const { fake, consumer, invokes, batch } = setup(10);
    await consumer.start();
    await fake.eachBatch?.(batch(0, [0]).p);
    await tick();
    let stopped = false;
    const stopping = consumer.stop().then(() => (stopped = true));
    await tick();
    expect(stopped).toBe(false);
    expect(fake.disconnected).toBe(false);
    invokes[0]?.answer(ok);
    await stopping;
    expect(fake.disconnected).toBe(true);
  });

  it('with LAMINA_POLLER_FETCH_AHEAD off, eachBatch returns once the batch and its commits are done', async () => {
    const { fake, consumer, invokes, batch } = setup(10, () => Promise.resolve(), false);
    await consumer.start();
    const b = batch(0, [0, 1]);
    let handed = false;
    const each = fake.eachBatch?.(b.p).then(() => (handed = true));
    await tick();
    expect(handed).toBe(false);
    invokes[0]?.answer(ok);
    await each;
    expect(b.commits).toEqual(['2']);
    await consumer.stop();
  });
});
