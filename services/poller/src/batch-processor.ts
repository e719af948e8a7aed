import { randomUUID } from 'node:crypto';

import {
  backoffDelay,
  effectiveRetryAttempts,
  type KafkaEventSourceMapping,
  type KafkaFailureCondition,
  encodeKafkaEvent,
  type KafkaRecordInput,
  kafkaFailureRecord,
  SOURCE_ARN_HEADER,
} from '@lamina/core';
import type { Tracing } from '@lamina/service-kit';
import type { Logger } from 'pino';

import { batchChunks, type BatchRules, nextBatchStep } from './batch-policy.js';
import type { Invoker, InvokeOutcome } from './kafka-invoker.js';
import type { PollerMetrics } from './metrics.js';
import type { ThrottleGate } from './throttle-gate.js';
import type { PartitionSink } from './partition-sink.js';
import { traceBatch } from './traced-batch.js';

export type { PartitionSink } from './partition-sink.js';

/** Hands a record given up on to the on-failure destination; throws when it did not take it. */
export interface FailureSender {
  send(destination: string, record: Record<string, unknown>, key: string): Promise<void>;
}

export interface BatchProcessorOptions {
  readonly mapping: KafkaEventSourceMapping;
  readonly invoker: Invoker;
  readonly failures: FailureSender;
  readonly gate: ThrottleGate;
  readonly metrics: PollerMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  /** Resolves after `ms`, or early when the consumer stops. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly backoff: { readonly minMs: number; readonly maxMs: number };
  /** Jitter of the backoff (Math.random unless a test injects one; `() => 0` = plain). */
  readonly random?: () => number;
  readonly functionArn: string;
  readonly mappingArn: string;
  /** The last processing result, for the mapping's status. */
  readonly onResult: (result: string) => void;
  readonly newId?: () => string;
  /** Spans of each batch, its invokes and commits (traced-batch.ts); default off. */
  readonly tracing?: Tracing;
}

type Done = 'done' | 'aborted';

/**
 * Runs one partition's records through the function in offset order: chunks of BatchSize,
 * retry with backoff, bisect on function errors, partial batch responses, expiry, the
 * on-failure destination. Offsets are committed only for records that succeeded or were
 * handed to the destination; nothing after an unprocessed record is ever committed.
 */
export class BatchProcessor {
  private readonly rules: BatchRules;
  private readonly newId: () => string;

  constructor(private readonly o: BatchProcessorOptions) {
    this.rules = {
      retries: effectiveRetryAttempts(o.mapping),
      bisect: o.mapping.bisectBatchOnFunctionError,
      reportItemFailures: o.mapping.functionResponseTypes.includes('ReportBatchItemFailures'),
      backoff: {
        baseMs: o.backoff.minMs,
        maxMs: o.backoff.maxMs,
        jitter: 0.5,
        ...(o.random === undefined ? {} : { random: o.random }),
      },
    };
    this.newId = o.newId ?? randomUUID;
  }

  async process(
    topic: string,
    partition: number,
    records: readonly KafkaRecordInput[],
    sink: PartitionSink,
  ): Promise<Done> {
    const { tracing, mapping } = this.o;
    const where = { mappingUuid: mapping.uuid, topic, partition };
    const t =
      tracing?.enabled === true
        ? traceBatch(tracing, where, records.length, this.o.invoker, sink)
        : undefined;
    try {
      for (const chunk of batchChunks(records, mapping.batchSize)) {
        const done = await this.run(topic, partition, chunk, 0, t?.sink ?? sink, t?.invoker);
        if (done === 'aborted') return 'aborted';
      }
      return 'done';
    } finally {
      t?.end();
    }
  }

  /** Equal jitter: half of each delay is random, so partitions retry out of step. */
  private backoffMs(n: number): number {
    return backoffDelay(n, this.rules.backoff);
  }

  private event(topic: string, partition: number, records: readonly KafkaRecordInput[]) {
    return { topic, partition, bootstrapServers: this.o.mapping.bootstrapServers, records };
  }

  /** The function event of `records`, written straight into its body (ADR 0027, ADR 0044). */
  private encode(topic: string, partition: number, records: readonly KafkaRecordInput[]): Buffer {
    return encodeKafkaEvent(this.event(topic, partition, records));
  }

  /**
   * Until every record of `records` is done or given up on (or the partition is lost): invoke,
   * then carry out what nextBatchStep (batch-policy.ts) decides.
   */
  private async run(
    topic: string,
    partition: number,
    records: KafkaRecordInput[],
    attemptsSoFar: number,
    sink: PartitionSink,
    via: Invoker = this.o.invoker,
  ): Promise<Done> {
    const { mapping, metrics, logger } = this.o;
    const label = { mapping: mapping.uuid };
    let rest = records;
    let attempts = attemptsSoFar;
    let waits = 0;
    let invokes = 0;
    let last: InvokeOutcome | undefined;
    // The body of `rest`, encoded once: a throttled, waited or retried call sends it again.
    let body: { readonly of: KafkaRecordInput[]; readonly payload: Buffer } | undefined;
    const giveUp = (gone: KafkaRecordInput[], condition: KafkaFailureCondition) =>
      this.giveUp(topic, partition, gone, condition, last, invokes, sink);
    while (rest.length > 0) {
      if (!sink.active()) return 'aborted';
      const expired = this.expiredPrefix(rest);
      if (expired > 0) {
        if ((await giveUp(rest.slice(0, expired), 'RecordAgeExceeded')) === 'aborted')
          return 'aborted';
        rest = rest.slice(expired);
        continue;
      }
      await this.o.gate.wait(() => sink.active());
      if (!sink.active()) return 'aborted';
      const requestId = this.newId();
      if (body?.of !== rest) body = { of: rest, payload: this.encode(topic, partition, rest) };
      const { payload } = body;
      last = await via.invoke(mapping.functionName, payload, requestId, {
        [SOURCE_ARN_HEADER]: this.o.mappingArn,
      });
      invokes++;
      metrics.batches.inc({ ...label, outcome: last.kind });
      const offsets = rest.map((r) => r.offset);
      const step = nextBatchStep(last, { topic, partition, offsets, attempts, waits }, this.rules);
      switch (step.kind) {
        case 'succeed':
          await this.commitThrough(partition, rest, rest.length - 1, sink);
          this.o.onResult('OK');
          return 'done';
        case 'throttle':
          metrics.errors.inc({ ...label, kind: 'throttle' });
          waits++;
          this.o.gate.throttle(step.delayMs);
          continue;
        case 'wait':
          metrics.errors.inc({ ...label, kind: 'system' });
          waits++;
          this.o.onResult(`PROBLEM: Function call failed (${last.statusCode})`);
          logger.warn({ requestId, status: last.statusCode, partition }, 'invoke failed; retrying');
          await this.o.sleep(step.delayMs);
          continue;
        case 'too-large':
          return giveUp(rest, 'MaximumPayloadSizeExceeded');
        case 'bisect':
        case 'retry':
        case 'give-up':
          break;
      }
      // A failure of rest[succeeded…]: what came before it succeeded.
      metrics.errors.inc({ ...label, kind: 'function' });
      this.o.onResult('PROBLEM: Function call failed');
      if (step.succeeded > 0) {
        await this.commitThrough(partition, rest, step.succeeded - 1, sink);
        rest = rest.slice(step.succeeded);
      }
      if (step.kind === 'bisect') {
        // Splitting does not use a retry; each half starts from the attempts so far.
        const halves = [rest.slice(0, step.mid), rest.slice(step.mid)];
        if ((await this.run(topic, partition, halves[0] ?? [], attempts, sink, via)) === 'aborted')
          return 'aborted';
        return this.run(topic, partition, halves[1] ?? [], attempts, sink, via);
      }
      attempts = step.attempts;
      if (step.kind === 'give-up') return giveUp(rest, 'RetryAttemptsExhausted');
      logger.debug({ requestId, partition, attempts, from: rest[0]?.offset }, 'retrying records');
      await this.o.sleep(step.delayMs);
    }
    return 'done';
  }

  /** Commits `records[0…i]` and records their count and the iterator age. */
  private async commitThrough(
    partition: number,
    records: readonly KafkaRecordInput[],
    i: number,
    sink: PartitionSink,
  ): Promise<void> {
    const r = records[i];
    if (r === undefined) return;
    const { metrics } = this.o;
    const label = { mapping: this.o.mapping.uuid };
    await sink.commit((BigInt(r.offset) + 1n).toString());
    metrics.records.inc(label, i + 1);
    const p = { ...label, partition: String(partition) };
    metrics.iteratorAge.set(p, Math.max(0, (this.o.now() - Number(r.timestamp)) / 1000));
  }

  /** How many leading records are older than MaximumRecordAgeInSeconds. */
  private expiredPrefix(records: readonly KafkaRecordInput[]): number {
    const age = this.o.mapping.maximumRecordAgeInSeconds;
    if (age === -1) return 0;
    const oldest = this.o.now() - age * 1000;
    const i = records.findIndex((r) => Number(r.timestamp) >= oldest);
    return i === -1 ? records.length : i;
  }

  /** Hands records to the on-failure destination (retrying until it takes them), then commits. */
  private async giveUp(
    topic: string,
    partition: number,
    records: KafkaRecordInput[],
    condition: KafkaFailureCondition,
    last: InvokeOutcome | undefined,
    invokes: number,
    sink: PartitionSink,
  ): Promise<Done> {
    const { mapping, metrics, logger } = this.o;
    const destination = mapping.destinationConfig?.onFailure?.destination;
    const first = records[0]?.offset ?? '';
    const lastRecord = records[records.length - 1];
    if (destination === undefined) {
      logger.warn(
        { partition, from: first, count: records.length, condition },
        'records given up on and no on-failure destination: dropped',
      );
    } else {
      const record = kafkaFailureRecord({
        requestId: this.newId(),
        functionArn: this.o.functionArn,
        condition,
        approximateInvokeCount: invokes,
        statusCode: last?.statusCode ?? 0,
        ...(last?.executedVersion === undefined ? {} : { executedVersion: last.executedVersion }),
        ...(last?.functionError === undefined ? {} : { functionError: last.functionError }),
        timestamp: new Date(this.o.now()),
        mappingArn: this.o.mappingArn,
        batch: this.event(topic, partition, records),
      });
      for (let n = 0; ; n++) {
        if (!sink.active()) return 'aborted';
        try {
          await this.o.failures.send(destination, record, `${topic}-${partition}-${first}`);
          break;
        } catch (err) {
          metrics.errors.inc({ mapping: mapping.uuid, kind: 'destination' });
          logger.warn({ err, destination }, 'on-failure destination did not take the record');
          await this.o.sleep(this.backoffMs(n));
        }
      }
    }
    metrics.failureRecords.inc(
      { mapping: mapping.uuid, delivered: String(destination !== undefined) },
      records.length,
    );
    if (lastRecord !== undefined) await sink.commit((BigInt(lastRecord.offset) + 1n).toString());
    return 'done';
  }
}
