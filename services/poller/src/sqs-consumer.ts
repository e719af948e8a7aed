import { randomUUID } from 'node:crypto';

import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  parseSqsArn,
  parseSqsItemFailures,
  type SqsEventSourceMapping,
  type SqsQueueRef,
  sqsEvent,
  SOURCE_ARN_HEADER,
} from '@lamina/core';
import type { Logger } from 'pino';

import type { Invoker } from './kafka-invoker.js';
import type { PollerMetrics } from './metrics.js';

/** Concurrent pollers (so concurrent invokes) of one mapping without ScalingConfig. */
export const SQS_DEFAULT_POLLERS = 5;
/** A batch stops growing past this payload, under the 6 MB sync invoke limit. */
const MAX_BATCH_BYTES = 5 * 1024 * 1024;
/** SQS's own limits: messages per ReceiveMessage, seconds of one long poll. */
const RECEIVE_MAX = 10;
const LONG_POLL_SECONDS = 20;
/** How long stop() waits for invokes in flight. */
const STOP_WAIT_MS = 5000;

export interface SqsConsumerOptions {
  readonly mapping: SqsEventSourceMapping;
  /** The client of the queue's region and the queue's URL on the configured endpoint. */
  readonly queues: {
    client(region: string): SQSClient;
    url(q: SqsQueueRef): Promise<string>;
  };
  readonly invoker: Invoker;
  readonly metrics: PollerMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  /** Upper bound on pollers per mapping (MaximumConcurrency above it is capped). */
  readonly maxPollers: number;
  /** Pause after a failed receive or invoke. */
  readonly retryDelayMs: number;
  readonly onState: (event: 'joined' | 'crashed', detail?: string) => void;
  readonly onResult: (result: string) => void;
}

/**
 * One SQS mapping: N loops (ScalingConfig.MaximumConcurrency, default 5, capped per poller),
 * each long-polling ReceiveMessage into a batch (BatchSize, MaximumBatchingWindowInSeconds),
 * invoking the function synchronously with Lambda's `aws:sqs` event through the gateway.
 *
 * Invariants: a message is deleted only after the invoke succeeded and the function did not
 * report it in batchItemFailures; every other outcome leaves it on the queue, where the
 * visibility timeout returns it and the queue's redrive policy (maxReceiveCount) moves it to
 * its DLQ. Messages a stopping consumer received but never invoked are made visible again.
 */
export class SqsConsumer {
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];
  private readonly queue: SqsQueueRef;
  private client!: SQSClient;
  private url = '';

  constructor(private readonly o: SqsConsumerOptions) {
    const q = parseSqsArn(o.mapping.eventSourceArn);
    if (q === undefined) throw new Error(`not an SQS queue ARN: ${o.mapping.eventSourceArn}`);
    this.queue = q;
  }

  /** Resolves the queue (throws when it does not exist), then starts the pollers. */
  async start(): Promise<void> {
    this.client = this.o.queues.client(this.queue.region);
    this.url = await this.o.queues.url(this.queue);
    const n = Math.min(this.o.mapping.maximumConcurrency ?? SQS_DEFAULT_POLLERS, this.o.maxPollers);
    this.o.onState('joined');
    this.loops = Array.from({ length: Math.max(1, n) }, () => this.loop());
  }

  private stopping(): boolean {
    return this.abort.signal.aborted;
  }

  private async loop(): Promise<void> {
    while (!this.stopping()) {
      try {
        const batch = await this.receiveBatch();
        if (this.stopping()) {
          await this.release(batch);
          return;
        }
        if (batch.length > 0) await this.process(batch);
      } catch (err) {
        if (this.stopping()) return;
        this.o.metrics.errors.inc({ mapping: this.o.mapping.uuid, kind: 'consumer' });
        this.o.logger.warn({ err }, 'SQS receive failed; retrying');
        this.o.onResult(`PROBLEM: ${err instanceof Error ? err.message : String(err)}`);
        await this.sleep(this.o.retryDelayMs);
      }
    }
  }

  /** Up to BatchSize messages: one long poll, or more until the batching window closes. */
  private async receiveBatch(): Promise<Message[]> {
    const m = this.o.mapping;
    const batch: Message[] = [];
    let bytes = 0;
    let deadline: number | undefined;
    while (batch.length < m.batchSize && bytes < MAX_BATCH_BYTES && !this.stopping()) {
      const left = deadline === undefined ? LONG_POLL_SECONDS : (deadline - this.o.now()) / 1000;
      if (left <= 0) break;
      const r = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.url,
          MaxNumberOfMessages: Math.min(RECEIVE_MAX, m.batchSize - batch.length),
          WaitTimeSeconds: Math.min(LONG_POLL_SECONDS, Math.ceil(left)),
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: this.abort.signal },
      );
      const got = r.Messages ?? [];
      for (const msg of got) bytes += Buffer.byteLength(msg.Body ?? '');
      batch.push(...got);
      if (batch.length === 0) continue;
      if (m.maximumBatchingWindowInSeconds === 0) break;
      deadline ??= this.o.now() + m.maximumBatchingWindowInSeconds * 1000;
    }
    return batch;
  }

  private async process(batch: Message[]): Promise<void> {
    const { mapping, metrics, region } = { ...this.o, region: this.queue.region };
    const label = { mapping: mapping.uuid };
    const payload = Buffer.from(JSON.stringify(sqsEvent(batch, this.queue.arn, region)));
    const out = await this.o.invoker.invoke(mapping.functionName, payload, randomUUID(), {
      [SOURCE_ARN_HEADER]: mapping.eventSourceArn,
    });
    if (out.kind !== 'success') {
      metrics.batches.inc({ ...label, outcome: out.kind });
      metrics.errors.inc({ ...label, kind: out.kind });
      this.o.onResult(
        out.kind === 'function-error' ? 'PROBLEM: Function call failed' : `PROBLEM: ${out.kind}`,
      );
      // The messages stay invisible until their visibility timeout returns them.
      if (out.kind === 'throttle' || out.kind === 'system-error')
        await this.sleep(this.o.retryDelayMs);
      return;
    }
    const ids = batch.map((msg) => msg.MessageId ?? '');
    const failures = mapping.functionResponseTypes.includes('ReportBatchItemFailures')
      ? parseSqsItemFailures(out.body, ids)
      : { kind: 'none' as const };
    const done =
      failures.kind === 'all'
        ? []
        : failures.kind === 'none'
          ? batch
          : batch.filter((msg) => !failures.messageIds.has(msg.MessageId ?? ''));
    await this.delete(done);
    metrics.batches.inc({ ...label, outcome: failures.kind === 'none' ? 'success' : 'partial' });
    metrics.records.inc(label, done.length);
    this.o.onResult('OK');
  }

  private async delete(messages: readonly Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += RECEIVE_MAX) {
      const chunk = messages.slice(i, i + RECEIVE_MAX);
      const r = await this.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.url,
          Entries: chunk.map((msg, j) => ({ Id: String(j), ReceiptHandle: msg.ReceiptHandle })),
        }),
      );
      // A failed delete comes back after its visibility timeout: at-least-once, like Lambda.
      if ((r.Failed ?? []).length > 0)
        this.o.logger.warn({ failed: r.Failed }, 'SQS did not delete some messages');
    }
  }

  /** Makes messages received but not invoked visible again at once. */
  private async release(messages: readonly Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += RECEIVE_MAX) {
      const chunk = messages.slice(i, i + RECEIVE_MAX);
      await this.client
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.url,
            Entries: chunk.map((msg, j) => ({
              Id: String(j),
              ReceiptHandle: msg.ReceiptHandle,
              VisibilityTimeout: 0,
            })),
          }),
        )
        .catch((err: unknown) => {
          this.o.logger.debug({ err }, 'could not release received messages');
        });
    }
  }

  /** Sleeps, but wakes at once when the consumer stops. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopping()) {
        resolve();
        return;
      }
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.abort.signal.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * Idempotent: stops receiving (an open long poll is aborted); waits a little for batches in
   * flight, whose messages are deleted or left as usual when their invoke ends.
   */
  async stop(): Promise<void> {
    this.abort.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.loops),
      new Promise((resolve) => {
        timer = setTimeout(resolve, STOP_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
  }
}
