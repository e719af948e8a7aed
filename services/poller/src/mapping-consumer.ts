import type { KafkaEventSourceMapping } from '@lamina/core';
import type { Consumer, ConsumerConfig, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';

import { BatchProcessor, type BatchProcessorOptions } from './batch-processor.js';
import { CommitPipeline } from './commit-pipeline.js';
import type { PollerMetrics } from './metrics.js';
import { ThrottleGate } from './throttle-gate.js';

export interface ConsumerTuning {
  readonly sessionTimeoutMs: number;
  readonly partitionsConsumedConcurrently: number;
  readonly maxBytesPerPartition: number;
  /** The least a fetch asks for per partition (LAMINA_POLLER_FETCH_BYTES_PER_PARTITION). */
  readonly fetchBytesPerPartition: number;
  /**
   * Return from eachBatch while the batch runs (LAMINA_POLLER_FETCH_AHEAD, default on); off,
   * kafkajs waits for the batch and its commits before it fetches again, as before ADR 0054.
   */
  readonly fetchAhead: boolean;
}

export interface MappingConsumerOptions extends Omit<
  BatchProcessorOptions,
  'gate' | 'sleep' | 'logger' | 'metrics'
> {
  readonly kafka: Kafka;
  readonly metrics: PollerMetrics;
  readonly logger: Logger;
  readonly tuning: ConsumerTuning;
  /** Called when the consumer joined its group (the mapping is Enabled) or crashed. */
  readonly onState: (event: 'joined' | 'crashed', detail?: string) => void;
}

/**
 * Bytes a fetch asks for per partition: about one batch of 1 KiB records, at least `floor`
 * (LAMINA_POLLER_FETCH_BYTES_PER_PARTITION, 1 MiB), at most `cap`
 * (LAMINA_POLLER_MAX_BYTES_PER_PARTITION, 10 MiB). With fetches fetched ahead (ADR 0054) a
 * smaller fetch lets the first invoke start sooner and its records die young (less GC) without
 * leaving the function idle between fetches; a large BatchSize still gets whole batches.
 */
export function fetchBytesPerPartition(batchSize: number, floor: number, cap: number): number {
  return Math.min(cap, Math.max(floor, batchSize * 1024));
}

/**
 * The kafkajs consumer settings of a mapping: its own group, fetches of
 * `fetchBytesPerPartition` per partition (8 partitions' worth per fetch), a batching window as
 * MaximumBatchingWindowInSeconds asks. `bench/kafka` consumes its raw baseline with the same
 * settings at their largest fetch.
 */
export function consumerConfig(
  m: Pick<
    KafkaEventSourceMapping,
    'consumerGroupId' | 'batchSize' | 'maximumBatchingWindowInSeconds'
  >,
  tuning: ConsumerTuning,
): ConsumerConfig {
  const perPartition = fetchBytesPerPartition(
    m.batchSize,
    tuning.fetchBytesPerPartition,
    tuning.maxBytesPerPartition,
  );
  return {
    groupId: m.consumerGroupId,
    sessionTimeout: tuning.sessionTimeoutMs,
    heartbeatInterval: Math.max(500, Math.floor(tuning.sessionTimeoutMs / 10)),
    rebalanceTimeout: Math.max(tuning.sessionTimeoutMs, 30_000),
    maxBytesPerPartition: perPartition,
    maxBytes: perPartition * 8,
    maxWaitTimeInMs: Math.max(100, m.maximumBatchingWindowInSeconds * 1000 || 500),
    ...(m.maximumBatchingWindowInSeconds > 0
      ? { minBytes: Math.min(m.batchSize * 100, perPartition) }
      : {}),
    allowAutoTopicCreation: false,
  };
}

/**
 * One mapping's kafkajs consumer: its own group (the mapping's ConsumerGroupId), autoCommit off,
 * eachBatch per partition handed to the BatchProcessor, heartbeats while a batch runs. A batch
 * whose partition may have moved (rebalance, stop) is dropped uncommitted and fetched again by
 * whoever owns the partition next.
 */
export class MappingConsumer {
  private readonly consumer: Consumer;
  private readonly processor: BatchProcessor;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private readonly wake = new Set<() => void>();
  /** Per partition, the batch running after kafkajs moved on (eachBatch). */
  private readonly lanes = new Map<number, Promise<void>>();
  /** Per partition, its commits (commitsFor). */
  private readonly commits = new Map<
    number,
    { readonly generation: number; highWatermark: string; readonly pipeline: CommitPipeline }
  >();
  /** Bumped when the group rebalances or is joined: older batches stop before their next invoke. */
  private generation = 0;

  constructor(private readonly o: MappingConsumerOptions) {
    const m = o.mapping;
    this.consumer = o.kafka.consumer(consumerConfig(m, o.tuning));
    const topic = m.topics[0];
    const gate = new ThrottleGate({
      fetch: {
        pause: () => {
          this.consumer.pause([{ topic }]);
        },
        resume: () => {
          this.consumer.resume([{ topic }]);
        },
      },
      now: o.now,
      sleep: (ms) => this.sleep(ms),
    });
    this.processor = new BatchProcessor({ ...o, gate, sleep: (ms) => this.sleep(ms) });
    this.consumer.on(this.consumer.events.REBALANCING, () => {
      this.generation++;
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      this.generation++;
      o.logger.info({ assigned: e.payload.memberAssignment }, 'joined the consumer group');
      o.onState('joined');
    });
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      o.metrics.errors.inc({ mapping: m.uuid, kind: 'consumer' });
      o.onState('crashed', e.payload.error.message);
    });
  }

  /** Sleeps, but wakes at once when the consumer stops. */
  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake.add(done);
    });
  }

  async start(): Promise<void> {
    const m = this.o.mapping;
    const topic = m.topics[0];
    if (m.startingPosition === 'AT_TIMESTAMP' && m.startingPositionTimestamp !== undefined)
      await this.seekToTimestamp(topic, m.startingPositionTimestamp);
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: [topic],
      fromBeginning: m.startingPosition !== 'LATEST',
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.o.tuning.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /** A group without committed offsets starts at the first offset at or after `ts`. */
  private async seekToTimestamp(topic: string, ts: number): Promise<void> {
    const admin = this.o.kafka.admin();
    await admin.connect();
    try {
      const groupId = this.o.mapping.consumerGroupId;
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      if (committed?.partitions.some((p) => p.offset !== '-1') === true) return;
      const partitions = await admin.fetchTopicOffsetsByTimestamp(topic, ts);
      await admin.setOffsets({ groupId, topic, partitions });
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * kafkajs hands over a partition's batch. It waits for that partition's batch before (one runs
   * at a time per partition, in offset order), starts this one and returns at once, telling
   * kafkajs to fetch on from after it: the next fetch and its decoding overlap this batch's
   * invokes (ADR 0054). Telling kafkajs so commits nothing (autoCommit is off); an offset is
   * committed only once its records succeeded or were given up on, as before.
   */
  private async eachBatch(p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    await this.lanes.get(batch.partition);
    // Stopping, or a rewind (seek) since this batch was fetched: kafkajs fetches it again.
    if (this.stopping || !p.isRunning() || p.isStale() || batch.messages.length === 0) return;
    const lane = this.runBatch(p, this.generation);
    this.lanes.set(batch.partition, lane);
    void lane.then(() => {
      if (this.lanes.get(batch.partition) === lane) this.lanes.delete(batch.partition);
    });
    p.resolveOffset(batch.lastOffset());
    if (this.o.tuning.fetchAhead) return;
    await lane;
    await this.commits.get(batch.partition)?.pipeline.flush();
  }

  /**
   * A partition's commits (ADR 0044's pipeline), shared by its batches of one generation: a batch
   * ends when its records are handled, without waiting for the acknowledgement of its last
   * commit — which can queue behind a fetch's long poll on the broker's connection. A failed
   * pipeline (its batch rewinds) is replaced for the next batch.
   */
  private commitsFor(p: EachBatchPayload, generation: number): CommitPipeline {
    const { batch } = p;
    const { metrics, mapping } = this.o;
    const had = this.commits.get(batch.partition);
    if (had?.generation === generation && had.pipeline.active()) {
      had.highWatermark = batch.highWatermark;
      return had.pipeline;
    }
    const label = { mapping: mapping.uuid, partition: String(batch.partition) };
    const entry = {
      generation,
      highWatermark: batch.highWatermark,
      pipeline: new CommitPipeline({
        active: () => !this.stopping && generation === this.generation,
        commit: async (next) => {
          await p.commitOffsetsIfNecessary({
            topics: [
              { topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] },
            ],
          });
          metrics.offsetLag.set(
            label,
            Math.max(0, Number(BigInt(entry.highWatermark) - BigInt(next))),
          );
        },
      }),
    };
    this.commits.set(batch.partition, entry);
    return entry.pipeline;
  }

  /**
   * One batch through the processor, after kafkajs moved on. A batch that ends with records
   * neither done nor given up on (its sink went inactive, a commit failed) rewinds its partition
   * to the first of them, so kafkajs fetches them again — unless the group rebalanced or the
   * consumer stops, after which kafkajs starts from the committed offsets anyway.
   */
  private async runBatch(p: EachBatchPayload, generation: number): Promise<void> {
    const { batch } = p;
    const { metrics, mapping, logger } = this.o;
    let lost = false;
    /** The next offset of the last commit asked for: everything below it is handled. */
    let handled: string | undefined;
    const beat = setInterval(
      () => {
        p.heartbeat().catch((err: unknown) => {
          // A rebalance (or a lost coordinator): the partition may go to another poller.
          lost = true;
          logger.info({ err, partition: batch.partition }, 'dropping the batch in flight');
        });
      },
      Math.max(500, Math.floor(this.o.tuning.sessionTimeoutMs / 10)),
    );
    const current = (): boolean =>
      !this.stopping && generation === this.generation && p.isRunning();
    const commits = this.commitsFor(p, generation);
    let done = false;
    try {
      const sink = {
        active: () => !lost && current() && !p.isStale() && commits.active(),
        commit: (next: string) => {
          handled = next;
          return commits.commit(next);
        },
      };
      done =
        (await this.processor.process(batch.topic, batch.partition, batch.messages, sink)) ===
        'done';
    } catch (err) {
      done = false;
      metrics.errors.inc({ mapping: mapping.uuid, kind: 'consumer' });
      logger.warn({ err, partition: batch.partition }, 'a batch failed; fetching it again');
    } finally {
      clearInterval(beat);
    }
    if (done || !current()) return;
    const offset = handled ?? batch.firstOffset() ?? undefined;
    if (offset === undefined) return;
    try {
      this.consumer.seek({ topic: batch.topic, partition: batch.partition, offset });
    } catch (err) {
      logger.warn({ err, partition: batch.partition, offset }, 'could not rewind the partition');
    }
  }

  /** Idempotent: stops fetching, drops the batches in flight uncommitted, leaves the group. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      for (const w of [...this.wake]) w();
      // The batches in flight end after their current invoke; their commits are acknowledged.
      await Promise.all(this.lanes.values());
      await Promise.all(
        [...this.commits.values()].map((c) => c.pipeline.flush().catch(() => undefined)),
      );
      await this.consumer.disconnect();
    })();
    return this.stopped;
  }
}
