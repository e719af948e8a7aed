/**
 * The asynchronous invocation contract shared by the gateway (enqueues, stores the event invoke
 * config) and the dispatcher (runs, retries, delivers): Redis/BullMQ names, the job data, the
 * event invoke config and its validation, targets, and the records sent to them. Pure, no I/O.
 * Layout and job version 1.
 */
import { InvalidParameterValueException, ValidationException } from './errors.js';
import { type ArnContext, functionArn, LATEST, parseFunctionRef } from './names.js';
import { parseSqsArn, type SqsQueueRef } from './sqs-arn.js';

export const ASYNC_LAYOUT_VERSION = 1;
export const ASYNC_JOB_VERSION = 1;

export const ASYNC_LIMITS = {
  defaultMaximumRetryAttempts: 2,
  maximumEventAgeMinSeconds: 60,
  maximumEventAgeMaxSeconds: 21_600,
  defaultMaximumEventAgeSeconds: 21_600,
  /** Dead-letter ErrorMessage attribute: first 1 KB. */
  errorMessageMaxBytes: 1024,
} as const;

/**
 * Names in Redis. Every key carries the `{async}` hash tag (BullMQ's prefix), so a Redis
 * Cluster keeps the queue, its scripts' keys, the configs and the named queues in one slot.
 * `invokeConfigs`: hash `asyncConfigField(name, qualifier)` → JSON of AsyncFunctionConfig. `namedQueue`: a list of
 * TargetMessage JSON, oldest first. `intake`: the stream every accepted event is appended to
 * (ADR 0043), read by the dispatchers' consumer group `intakeGroup`; `undelivered`: a list of
 * given-up intake events no failure target took (newest first, for an operator). One BullMQ
 * queue holds the delayed retries of every function.
 */
export function asyncKeys(prefix = 'lamina') {
  const base = `${prefix}:v${ASYNC_LAYOUT_VERSION}:{async}`;
  return {
    bullPrefix: base,
    queueName: 'events',
    invokeConfigs: `${base}:invoke-config`,
    intake: `${base}:intake`,
    intakeGroup: 'dispatchers',
    undelivered: `${base}:undelivered`,
    namedQueue: (name: string): string => `${base}:queue:${name}`,
  } as const;
}
export type AsyncKeys = ReturnType<typeof asyncKeys>;

/**
 * The `invokeConfigs` field of a qualifier's EventInvokeConfig: the function's name for
 * `$LATEST` (an unqualified call), `name:qualifier` for a version or an alias. As on AWS, an
 * event uses the config of the qualifier it was invoked with; none inherits `$LATEST`'s.
 */
export function asyncConfigField(functionName: string, qualifier: string | undefined): string {
  return qualifier === undefined || qualifier === LATEST
    ? functionName
    : `${functionName}:${qualifier}`;
}

/** The qualifier an `invokeConfigs` field names for `functionName`, or undefined when it is another function's. */
export function asyncConfigQualifier(functionName: string, field: string): string | undefined {
  if (field === functionName) return LATEST;
  return field.startsWith(`${functionName}:`) ? field.slice(functionName.length + 1) : undefined;
}

/**
 * One accepted event, as the gateway adds it and the dispatcher updates it. `requestId` is
 * stable across retries (the handler's awsRequestId); `payload` is the event's JSON text;
 * `acceptedAt` epoch ms at the gateway; `functionErrors` counts used retries, `throttles` the
 * throttles and system errors; `lastFailure` feeds the failure record.
 */
export interface AsyncJobData {
  readonly v: typeof ASYNC_JOB_VERSION;
  readonly functionName: string;
  readonly qualifier?: string;
  readonly requestId: string;
  readonly payload: string;
  readonly acceptedAt: number;
  readonly functionErrors: number;
  readonly throttles: number;
  readonly lastFailure?: AttemptFailure;
  /** The function's DeadLetterConfig.TargetArn when the event was accepted. */
  readonly deadLetterTarget?: string;
  /** W3C traceparent of the span that accepted the event (tracing on): attempts join its trace. */
  readonly traceparent?: string;
  /**
   * Pickups of the event before the queue that holds it now: a retry leaves the intake stream
   * for a BullMQ delayed job (ADR 0043) and carries the stream's deliveries here, so the
   * invocation record's approximateInvokeCount counts them.
   */
  readonly earlierPickups?: number;
}

/** A failed attempt: HTTP status (200 for a function error) and what the function answered. */
export interface AttemptFailure {
  readonly statusCode: number;
  readonly functionError?: string;
  readonly executedVersion?: string;
  /** The function's error payload (JSON text) or the platform's error body. */
  readonly responsePayload?: string;
  readonly errorMessage: string;
}

/** BullMQ job ids cannot contain `:`; one id per function and request dedupes a resend. */
export function asyncJobId(functionName: string, requestId: string): string {
  return `${functionName}~${requestId.replaceAll(':', '_')}`;
}

/** The function name of a job id made by `asyncJobId` ('' for other ids). */
export const functionOfJobId = (jobId: string): string =>
  jobId.split('~', 2)[1] === undefined ? '' : (jobId.split('~', 1)[0] ?? '');

export function newAsyncJob(
  e: Pick<
    AsyncJobData,
    | 'functionName'
    | 'qualifier'
    | 'requestId'
    | 'payload'
    | 'acceptedAt'
    | 'deadLetterTarget'
    | 'traceparent'
  >,
): AsyncJobData {
  return {
    v: ASYNC_JOB_VERSION,
    functionName: e.functionName,
    ...(e.qualifier === undefined ? {} : { qualifier: e.qualifier }),
    ...(e.deadLetterTarget === undefined ? {} : { deadLetterTarget: e.deadLetterTarget }),
    ...(e.traceparent === undefined ? {} : { traceparent: e.traceparent }),
    requestId: e.requestId,
    payload: e.payload,
    acceptedAt: e.acceptedAt,
    functionErrors: 0,
    throttles: 0,
  };
}

/** BullMQ job options every producer uses: finished jobs leave Redis, failed ones are kept a while. */
export const ASYNC_JOB_OPTIONS = {
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
} as const;

/** Where a record or a dead-letter message goes. */
export type AsyncTarget =
  | { readonly kind: 'function'; readonly arn: string; readonly name: string }
  | { readonly kind: 'kafka'; readonly topic: string }
  | { readonly kind: 'webhook'; readonly url: string }
  | {
      readonly kind: 'queue';
      readonly name: string;
      /** Set for an SQS queue ARN: sent to SQS when an SQS endpoint is configured. */
      readonly sqs?: SqsQueueRef;
    };

const QUEUE_NAME = /^[a-zA-Z0-9_-]{1,80}$/;
const KAFKA_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * Parses a destination or dead-letter target: a function ARN (invoked asynchronously),
 * `kafka://topic`, an `http(s)://` webhook, `lamina:queue:<name>`, or an SQS queue ARN (that
 * queue on the configured SQS endpoint; without one, the named Lamina queue of that name, so
 * Lambda configs keep working either way).
 */
export function parseAsyncTarget(value: string): AsyncTarget {
  const invalid = new InvalidParameterValueException(`The destination ARN ${value} is invalid.`);
  const rest = (prefix: string, rule: RegExp): string | undefined => {
    if (!value.startsWith(prefix)) return undefined;
    const r = value.slice(prefix.length);
    if (!rule.test(r)) throw invalid;
    return r;
  };
  const queue = rest('lamina:queue:', QUEUE_NAME);
  if (queue !== undefined) return { kind: 'queue', name: queue };
  const sqs = value.startsWith('arn:') ? parseSqsArn(value) : undefined;
  if (sqs !== undefined) return { kind: 'queue', name: sqs.name, sqs };
  const topic = rest('kafka://', KAFKA_TOPIC);
  if (topic !== undefined) return { kind: 'kafka', topic };
  if (/^https?:\/\//.test(value)) {
    if (!URL.canParse(value)) throw invalid;
    return { kind: 'webhook', url: value };
  }
  if (!value.startsWith('arn:') || !value.includes(':lambda:')) throw invalid;
  try {
    return { kind: 'function', arn: value, name: parseFunctionRef(value).name };
  } catch {
    throw invalid;
  }
}

/** A function's async settings: the event invoke config and the dead-letter target. */
export interface AsyncFunctionConfig {
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeInSeconds: number;
  readonly onSuccess?: string;
  readonly onFailure?: string;
  /** DeadLetterConfig.TargetArn (until the function spec carries it). */
  readonly deadLetterTarget?: string;
  /** Epoch seconds of the last Put/Update. */
  readonly lastModified: number;
}

export const DEFAULT_ASYNC_CONFIG: AsyncFunctionConfig = {
  maximumRetryAttempts: ASYNC_LIMITS.defaultMaximumRetryAttempts,
  maximumEventAgeInSeconds: ASYNC_LIMITS.defaultMaximumEventAgeSeconds,
  lastModified: 0,
};

/** The body of Put/UpdateFunctionEventInvokeConfig (plus Lamina's DeadLetterConfig). */
export interface EventInvokeConfigInput {
  MaximumRetryAttempts?: unknown;
  MaximumEventAgeInSeconds?: unknown;
  DestinationConfig?: unknown;
  DeadLetterConfig?: unknown;
}

function intIn(field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  const rule = (text: string): ValidationException =>
    new ValidationException(
      `1 validation error detected: Value '${shown}' at '${field}' failed to satisfy constraint: Member must ${text}`,
    );
  if (typeof value !== 'number' || !Number.isInteger(value)) throw rule('be an integer');
  if (value < min) throw rule(`have value greater than or equal to ${min}`);
  if (value > max) throw rule(`have value less than or equal to ${max}`);
  return value;
}

const member = (o: unknown, k: string): unknown =>
  typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined;

function target(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new InvalidParameterValueException(`Invalid ${what}.`);
  parseAsyncTarget(value);
  return value;
}

/** Validates a Put (`base`: the defaults) or an Update (merged onto `base`), as Lambda does. */
export function validateEventInvokeConfig(
  input: EventInvokeConfigInput,
  base: AsyncFunctionConfig,
  nowSeconds: number,
): AsyncFunctionConfig {
  const { MaximumRetryAttempts: r, MaximumEventAgeInSeconds: a, DestinationConfig: d } = input;
  const { maximumEventAgeMinSeconds: minAge, maximumEventAgeMaxSeconds: maxAge } = ASYNC_LIMITS;
  const retries = intIn('maximumRetryAttempts', r, base.maximumRetryAttempts, 0, 2);
  const age = intIn('maximumEventAgeInSeconds', a, base.maximumEventAgeInSeconds, minAge, maxAge);
  const dest = (k: string): string | undefined => target(member(member(d, k), 'Destination'), k);
  const onSuccess = d === undefined ? base.onSuccess : dest('OnSuccess');
  const onFailure = d === undefined ? base.onFailure : dest('OnFailure');
  const dlq =
    input.DeadLetterConfig === undefined
      ? base.deadLetterTarget
      : target(member(input.DeadLetterConfig, 'TargetArn'), 'DeadLetterConfig.TargetArn');
  return {
    maximumRetryAttempts: retries,
    maximumEventAgeInSeconds: age,
    ...(onSuccess === undefined ? {} : { onSuccess }),
    ...(onFailure === undefined ? {} : { onFailure }),
    ...(dlq === undefined ? {} : { deadLetterTarget: dlq }),
    lastModified: nowSeconds,
  };
}

/** The FunctionEventInvokeConfig JSON of the Lambda API. */
export function toEventInvokeConfig(
  config: AsyncFunctionConfig,
  ctx: ArnContext,
  name: string,
  qualifier: string = LATEST,
): Record<string, unknown> {
  const dest = (d: string | undefined): Record<string, string> =>
    d === undefined ? {} : { Destination: d };
  return {
    FunctionArn: functionArn(ctx, name, qualifier),
    MaximumRetryAttempts: config.maximumRetryAttempts,
    MaximumEventAgeInSeconds: config.maximumEventAgeInSeconds,
    LastModified: config.lastModified,
    DestinationConfig: { OnSuccess: dest(config.onSuccess), OnFailure: dest(config.onFailure) },
  };
}

/** Tolerant: a missing or broken entry reads as the defaults. */
export function decodeAsyncConfig(text: string | null | undefined): AsyncFunctionConfig {
  if (text === null || text === undefined) return DEFAULT_ASYNC_CONFIG;
  try {
    return { ...DEFAULT_ASYNC_CONFIG, ...(JSON.parse(text) as Partial<AsyncFunctionConfig>) };
  } catch {
    return DEFAULT_ASYNC_CONFIG;
  }
}

export type RecordCondition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';

/** What a target receives: a body and string attributes (SQS-like). */
export interface TargetMessage {
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
}

const parseOr = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/** `response`: the invoke that ended it (success); else the job's last failure is used. */
export interface RecordInput {
  readonly job: AsyncJobData;
  readonly functionArn: string;
  readonly condition: RecordCondition;
  readonly approximateInvokeCount: number;
  readonly timestamp: Date;
  readonly response?: AttemptFailure;
}

/** Lambda's invocation record (reference §4), the body sent to destinations. */
export function invocationRecord(i: RecordInput): Record<string, unknown> {
  const r = i.response ?? i.job.lastFailure;
  const record: Record<string, unknown> = {
    version: '1.0',
    timestamp: i.timestamp.toISOString(),
    requestContext: {
      requestId: i.job.requestId,
      functionArn: i.functionArn,
      condition: i.condition,
      approximateInvokeCount: i.approximateInvokeCount,
    },
    requestPayload: parseOr(i.job.payload),
  };
  if (r !== undefined) {
    record['responseContext'] = {
      statusCode: r.statusCode,
      executedVersion: r.executedVersion ?? LATEST,
      ...(r.functionError === undefined ? {} : { functionError: r.functionError }),
    };
    if (r.responsePayload !== undefined) record['responsePayload'] = parseOr(r.responsePayload);
  }
  return record;
}

/** The first `max` bytes of a text, without a broken last character. */
const firstBytes = (text: string, max: number): string =>
  Buffer.from(text, 'utf8')
    .subarray(0, max)
    .toString('utf8')
    .replace(/\uFFFD$/, '');

/** A dead-letter message: the original event with RequestID, ErrorCode, ErrorMessage. */
export function deadLetterMessage(job: AsyncJobData, failure: AttemptFailure): TargetMessage {
  return {
    body: job.payload,
    attributes: {
      RequestID: job.requestId,
      ErrorCode: String(failure.statusCode),
      ErrorMessage: firstBytes(failure.errorMessage, ASYNC_LIMITS.errorMessageMaxBytes),
    },
  };
}
