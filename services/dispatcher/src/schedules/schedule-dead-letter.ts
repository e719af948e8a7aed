/**
 * A schedule's dead-letter queue (`Target.DeadLetterConfig.Arn`, an SQS queue ARN): where the
 * runner puts a tick it could not deliver, as EventBridge Scheduler does — the tick's payload as
 * the body and Scheduler's String message attributes ERROR_CODE, ERROR_MESSAGE,
 * EXHAUSTED_RETRY_CONDITION (only when the RetryPolicy ran out), RETRY_ATTEMPTS, SCHEDULE_ARN
 * and TARGET_ARN.
 *
 * Invariants: the queue is reached through service-kit's SqsQueues on the dispatcher's SQS
 * endpoint (the same configuration as the SQS dead-letter and destination targets); `send`
 * throws when SQS did not take the message or when no SQS endpoint is configured, so the runner
 * logs the tick as lost rather than pretending it was dead-lettered.
 */
import { parseSqsArn } from '@lamina/core';
import { EventInvokeRefused, type SqsQueues } from '@lamina/service-kit';

/** Why the retries stopped: Scheduler's two limits. */
export type ExhaustedRetryCondition = 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds';

export interface TickDeadLetter {
  readonly queueArn: string;
  readonly scheduleArn: string;
  readonly targetArn: string;
  /** The payload the target would have received. */
  readonly body: string;
  readonly error: unknown;
  readonly retryAttempts: number;
  readonly exhausted?: ExhaustedRetryCondition;
  /** Names the tick (its request id): a FIFO queue deduplicates on it. */
  readonly tickId: string;
}

export interface ScheduleDeadLetters {
  send(d: TickDeadLetter): Promise<void>;
}

/** Scheduler's message attributes for a tick that was not delivered. */
export function deadLetterAttributes(d: TickDeadLetter): Record<string, string> {
  const refused = d.error instanceof EventInvokeRefused ? d.error : undefined;
  const message = d.error instanceof Error ? d.error.message : String(d.error);
  return {
    ERROR_CODE:
      refused === undefined
        ? 'AWS.Scheduler.InternalServerError'
        : (refused.errorType ?? `HTTP${String(refused.statusCode)}`),
    ERROR_MESSAGE: message.slice(0, 1000),
    ...(d.exhausted === undefined ? {} : { EXHAUSTED_RETRY_CONDITION: d.exhausted }),
    RETRY_ATTEMPTS: String(d.retryAttempts),
    SCHEDULE_ARN: d.scheduleArn,
    TARGET_ARN: d.targetArn,
  };
}

export class SqsScheduleDeadLetters implements ScheduleDeadLetters {
  /** `queues` undefined: no SQS endpoint configured, every send throws. */
  constructor(private readonly queues: Pick<SqsQueues, 'send'> | undefined) {}

  async send(d: TickDeadLetter): Promise<void> {
    const q = parseSqsArn(d.queueArn);
    if (q === undefined) throw new Error(`not an SQS queue ARN: ${d.queueArn}`);
    if (this.queues === undefined)
      throw new Error(`no SQS endpoint configured for the dead-letter queue ${d.queueArn}`);
    await this.queues.send(q, d.body, deadLetterAttributes(d), d.tickId);
  }
}
