import {
  type ArnContext,
  type AsyncFunctionConfig,
  type AsyncJobData,
  type AttemptFailure,
  deadLetterMessage,
  functionArn,
  invocationRecord,
  LATEST,
  parseAsyncTarget,
  parseTraceparent,
  type RecordCondition,
  type TraceParent,
} from '@lamina/core';
import { type SpanHandle, type Tracing, TRACING_OFF } from '@lamina/service-kit';
import type { Logger } from 'pino';

import type { AsyncConfigSource } from './async-configs.js';
import type { Attempt } from './async-attempt.js';
import type { DispatcherMetrics } from './metrics.js';
import { expiresAt, nextStep, type RetrySettings } from './retry-policy.js';
import type { Delivery, TargetSender } from './targets/delivery.js';

/** What the processor needs of a queued event (BullMQ's Job, narrowed). */
export interface EventJob {
  readonly data: AsyncJobData;
  /**
   * Times the event has been picked up from the queue that holds it now, this time included
   * (stalled restarts count); `data.earlierPickups` counts those from before.
   */
  readonly startedCount: number;
  /** Saves the new counters and puts the event back until `at` (epoch ms). */
  retryAt(data: AsyncJobData, at: number): Promise<void>;
}

export type ProcessResult = 'done' | 'retry';

/** Nothing took a given-up event: it stays in the queue's failed set for an operator. */
export class EventNotDeliveredError extends Error {
  override readonly name = 'EventNotDeliveredError';
}

export interface EventProcessorOptions {
  /** One attempt; `startedCount` tells a first pickup from one that may repeat an attempt. */
  readonly invoke: (
    job: AsyncJobData,
    startedCount: number,
    trace: TraceParent | undefined,
  ) => Promise<Attempt>;
  readonly configs: AsyncConfigSource;
  readonly targets: TargetSender;
  readonly metrics: DispatcherMetrics;
  readonly logger: Logger;
  readonly arnContext: ArnContext;
  readonly retry: RetrySettings;
  readonly now: () => number;
  /** Jitter of throttle retries (Math.random unless a test injects one). */
  readonly random?: () => number;
  /** Spans of each attempt and delivery, under the span that accepted the event; default off. */
  readonly tracing?: Tracing;
}

const failureOf = (a: Attempt): AttemptFailure => ({
  statusCode: a.statusCode,
  errorMessage: a.errorMessage,
  ...(a.functionError === undefined ? {} : { functionError: a.functionError }),
  ...(a.executedVersion === undefined ? {} : { executedVersion: a.executedVersion }),
  ...(a.responsePayload === undefined ? {} : { responsePayload: a.responsePayload }),
});

/**
 * One attempt of one async event: check its age, run it through the invoke path, then retry
 * it later, or give up to the dead-letter target and OnFailure destination, or send the
 * OnSuccess record. Lambda's rules come from core and the retry policy.
 */
export class EventProcessor {
  constructor(private readonly o: EventProcessorOptions) {}

  async process(job: EventJob): Promise<ProcessResult> {
    const { data } = job;
    const fn = data.functionName;
    const { metrics: m, now } = this.o;
    const config = await this.o.configs.get(fn, data.qualifier);
    const started = now();
    const earlier = data.earlierPickups ?? 0;
    if (job.startedCount <= 1 && data.functionErrors === 0 && data.throttles === 0) {
      m.received.labels(fn).inc();
    }
    m.eventAge.labels(fn).observe(Math.max(0, started - data.acceptedAt) / 1000);
    if (started > expiresAt(data, config)) {
      // This pickup ran nothing.
      return this.giveUp(earlier + job.startedCount - 1, data, config, 'EventAgeExceeded');
    }

    const span = this.attemptSpan(data, job.startedCount);
    const attempt = await this.o.invoke(data, job.startedCount, span.position);
    span.setAttribute('lamina.async.outcome', attempt.kind);
    if (attempt.kind !== 'success') span.fail(attempt.errorMessage);
    span.end();
    // A recalled attempt ran on an earlier pickup (ADR 0026): this pickup ran nothing.
    const pickups = earlier + job.startedCount - (attempt.recalled === true ? 1 : 0);
    if (attempt.recalled === true) m.recalled.labels(fn).inc();
    const after: AsyncJobData =
      attempt.kind === 'success'
        ? data
        : {
            ...data,
            functionErrors: data.functionErrors + (attempt.kind === 'function-error' ? 1 : 0),
            throttles:
              data.throttles +
              (attempt.kind === 'throttle' || attempt.kind === 'system-error' ? 1 : 0),
            lastFailure: failureOf(attempt),
          };
    const step = nextStep(attempt.kind, after, config, this.o.retry, now(), this.o.random);
    switch (step.kind) {
      case 'succeed':
        await this.finish(pickups, data, config, 'Success', failureOf(attempt), span.position);
        return 'done';
      case 'retry':
        m.retried.labels(fn, step.reason).inc();
        await job.retryAt(after, now() + step.delayMs);
        return 'retry';
      case 'give-up':
        return this.giveUp(pickups, after, config, step.condition, span.position);
    }
  }

  /** One attempt's span, a child of the span that queued the event (tracing on). */
  private attemptSpan(data: AsyncJobData, startedCount: number): SpanHandle {
    const tracing = this.o.tracing ?? TRACING_OFF;
    if (!tracing.enabled) return tracing.startSpan('');
    return tracing.startSpan('async attempt', {
      kind: 'consumer',
      parent: parseTraceparent(data.traceparent),
      attributes: {
        'faas.invoked_name': data.functionName,
        'faas.invocation_id': data.requestId,
        'lamina.async.attempt': data.functionErrors + data.throttles + 1,
        'lamina.async.pickup': startedCount,
      },
    });
  }

  /** `pickups`: times the event was picked up and sent to the invoke path. */
  private async giveUp(
    pickups: number,
    data: AsyncJobData,
    config: AsyncFunctionConfig,
    condition: Exclude<RecordCondition, 'Success'>,
    trace?: TraceParent,
  ): Promise<ProcessResult> {
    this.o.metrics.dropped.labels(data.functionName, condition).inc();
    await this.finish(pickups, data, config, condition, undefined, trace);
    return 'done';
  }

  private async finish(
    pickups: number,
    data: AsyncJobData,
    config: AsyncFunctionConfig,
    condition: RecordCondition,
    response: AttemptFailure | undefined,
    trace?: TraceParent,
  ): Promise<void> {
    const fn = data.functionName;
    const { metrics: m, logger } = this.o;
    m.completed.labels(fn, condition).inc();
    const destination = condition === 'Success' ? config.onSuccess : config.onFailure;
    const sends: Promise<boolean>[] = [];
    if (destination !== undefined) {
      const record = invocationRecord({
        job: data,
        functionArn: functionArn(this.o.arnContext, fn, data.qualifier ?? LATEST),
        condition,
        // Throttled attempts never reached the function.
        approximateInvokeCount: Math.max(pickups - data.throttles, 0),
        timestamp: new Date(this.o.now()),
        ...(response === undefined ? {} : { response }),
      });
      sends.push(
        this.deliver(destination, 'record', data, JSON.stringify(record), trace, () => {
          m.destinationFailures
            .labels(fn, condition === 'Success' ? 'OnSuccess' : 'OnFailure')
            .inc();
        }),
      );
    }
    const deadLetterTarget = data.deadLetterTarget ?? config.deadLetterTarget;
    if (condition !== 'Success' && deadLetterTarget !== undefined) {
      const failure = data.lastFailure ?? {
        statusCode: 500,
        errorMessage: `Event age exceeded ${config.maximumEventAgeInSeconds} seconds`,
      };
      const message = deadLetterMessage(data, failure);
      sends.push(
        this.deliverMessage(deadLetterTarget, 'dead-letter', data, message, trace, () => {
          m.deadLetterErrors.labels(fn).inc();
        }),
      );
    }
    if (condition === 'Success') {
      await Promise.all(sends);
      return;
    }
    const delivered = (await Promise.all(sends)).some(Boolean);
    if (!delivered) {
      logger.warn(
        { requestId: data.requestId, function: fn, condition, targets: sends.length },
        'async event given up and no failure target took it',
      );
      throw new EventNotDeliveredError(
        `${condition}: no failure target took event ${data.requestId} of ${fn}`,
      );
    }
  }

  private deliver(
    target: string,
    kind: Delivery['kind'],
    data: AsyncJobData,
    body: string,
    trace: TraceParent | undefined,
    onFailure: () => void,
  ): Promise<boolean> {
    return this.deliverMessage(target, kind, data, { body, attributes: {} }, trace, onFailure);
  }

  private async deliverMessage(
    target: string,
    kind: Delivery['kind'],
    data: AsyncJobData,
    message: Delivery['message'],
    trace: TraceParent | undefined,
    onFailure: () => void,
  ): Promise<boolean> {
    const tracing = this.o.tracing ?? TRACING_OFF;
    const span = tracing.enabled
      ? tracing.startSpan(kind === 'dead-letter' ? 'dead-letter' : 'destination', {
          kind: 'producer',
          parent: trace,
          attributes: { 'lamina.async.target': target, 'faas.invocation_id': data.requestId },
        })
      : tracing.startSpan('');
    try {
      await this.o.targets.send({
        target: parseAsyncTarget(target),
        message,
        kind,
        requestId: data.requestId,
        sourceArn: functionArn(this.o.arnContext, data.functionName),
      });
      span.end();
      return true;
    } catch (err) {
      span.fail(err instanceof Error ? err.message : String(err));
      span.end();
      onFailure();
      this.o.logger.warn(
        { err, requestId: data.requestId, function: data.functionName, target, kind },
        'async delivery failed',
      );
      return false;
    }
  }
}
