import { InvalidParameterValueException } from './errors.js';
import {
  boolField,
  type Input,
  intField,
  obj,
  responseTypesField,
} from './event-source-mapping-fields.js';
import { type ArnContext, functionArn, parseFunctionRef } from './names.js';
import { parseSqsArn } from './sqs-arn.js';

/**
 * SQS event source mappings (reference §5, Amazon SQS): the stored model, Lambda's validation
 * and answer shape, the `aws:sqs` event and batch item failures. Pure; shared by the gateway
 * (API) and the poller.
 *
 * Invariants: BatchSize above 10 needs a batching window (as Lambda); a FIFO queue takes at
 * most 10; the settings Kafka mappings have and SQS ones do not (StartingPosition, retries,
 * bisect, destinations) are refused rather than ignored, since the queue's own visibility
 * timeout and redrive policy do that job.
 */

export const SQS_ESM_LIMITS = {
  batchSize: { min: 1, max: 10_000, default: 10, fifoMax: 10, withoutWindowMax: 10 },
  batchingWindowSeconds: { min: 0, max: 300 },
  maximumConcurrency: { min: 2, max: 1000 },
} as const;

export interface SqsEventSourceMapping {
  readonly kind: 'sqs';
  readonly uuid: string;
  /** As given: name, name:alias or name:version. */
  readonly functionName: string;
  readonly enabled: boolean;
  /** The queue's ARN; the poller resolves it on the configured SQS endpoint. */
  readonly eventSourceArn: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowInSeconds: number;
  readonly functionResponseTypes: readonly 'ReportBatchItemFailures'[];
  /** ScalingConfig.MaximumConcurrency: concurrent invokes of this mapping; absent = no cap. */
  readonly maximumConcurrency?: number;
  /** Epoch milliseconds of the last create/update. */
  readonly lastModified: number;
  readonly source: 'api' | 'manifest';
}

/** Parameters of other sources that an SQS mapping refuses. */
const NOT_FOR_SQS = [
  'Topics',
  'Queues',
  'StartingPosition',
  'StartingPositionTimestamp',
  'SelfManagedEventSource',
  'SelfManagedKafkaEventSourceConfig',
  'AmazonManagedKafkaEventSourceConfig',
  'SourceAccessConfigurations',
  'MaximumRetryAttempts',
  'MaximumRecordAgeInSeconds',
  'BisectBatchOnFunctionError',
  'ParallelizationFactor',
  'TumblingWindowInSeconds',
  'DestinationConfig',
] as const;

/** The settings Create and Update share; absent fields keep `base`'s values. */
function sqsTunables(input: Input, base: SqsEventSourceMapping): SqsEventSourceMapping {
  for (const key of NOT_FOR_SQS)
    if (input[key] !== undefined && input[key] !== null)
      throw new InvalidParameterValueException(
        `Unsupported ${key} parameter for SQS event sources.`,
      );
  const L = SQS_ESM_LIMITS;
  const fn = input['FunctionName'];
  if (fn !== undefined && typeof fn !== 'string')
    throw new InvalidParameterValueException('FunctionName must be a string.');
  if (typeof fn === 'string') parseFunctionRef(fn);
  const scaling = input['ScalingConfig'];
  const concurrency =
    scaling === undefined || scaling === null
      ? base.maximumConcurrency
      : intField(
          obj(scaling),
          'MaximumConcurrency',
          L.maximumConcurrency.min,
          L.maximumConcurrency.max,
          'scalingConfig.maximumConcurrency',
        );
  const rest = Object.fromEntries(
    Object.entries(base).filter(([k]) => k !== 'maximumConcurrency'),
  ) as Omit<SqsEventSourceMapping, 'maximumConcurrency'>;
  const next: SqsEventSourceMapping = {
    ...rest,
    ...(typeof fn === 'string' ? { functionName: fn } : {}),
    enabled: boolField(input, 'Enabled') ?? base.enabled,
    batchSize: intField(input, 'BatchSize', L.batchSize.min, L.batchSize.max) ?? base.batchSize,
    maximumBatchingWindowInSeconds:
      intField(input, 'MaximumBatchingWindowInSeconds', 0, L.batchingWindowSeconds.max) ??
      base.maximumBatchingWindowInSeconds,
    functionResponseTypes: responseTypesField(input) ?? base.functionResponseTypes,
    ...(concurrency === undefined ? {} : { maximumConcurrency: concurrency }),
  };
  if (next.batchSize > L.batchSize.withoutWindowMax && next.maximumBatchingWindowInSeconds < 1)
    throw new InvalidParameterValueException(
      'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10',
    );
  if (parseSqsArn(next.eventSourceArn)?.fifo === true && next.batchSize > L.batchSize.fifoMax)
    throw new InvalidParameterValueException(
      `Batch size for FIFO queues must be less than or equal to ${L.batchSize.fifoMax}.`,
    );
  return next;
}

/** CreateEventSourceMapping's body with an SQS queue ARN as EventSourceArn → a mapping. */
export function validateCreateSqsMapping(
  input: Input,
  uuid: string,
  nowMs: number,
): SqsEventSourceMapping {
  if (typeof input['FunctionName'] !== 'string')
    throw new InvalidParameterValueException('FunctionName is required.');
  const arn = input['EventSourceArn'];
  if (typeof arn !== 'string' || parseSqsArn(arn) === undefined)
    throw new InvalidParameterValueException(`Invalid SQS queue ARN: ${String(arn)}.`);
  const base: SqsEventSourceMapping = {
    kind: 'sqs',
    uuid,
    functionName: input['FunctionName'],
    enabled: true,
    eventSourceArn: arn,
    batchSize: SQS_ESM_LIMITS.batchSize.default,
    maximumBatchingWindowInSeconds: 0,
    functionResponseTypes: [],
    lastModified: nowMs,
    source: 'api',
  };
  return sqsTunables(input, base);
}

/** UpdateEventSourceMapping's body applied to an SQS mapping. */
export function applySqsMappingUpdate(
  current: SqsEventSourceMapping,
  input: Input,
  nowMs: number,
): SqsEventSourceMapping {
  if (input['EventSourceArn'] !== undefined)
    throw new InvalidParameterValueException('EventSourceArn cannot be updated.');
  return { ...sqsTunables(input, current), lastModified: nowMs };
}

/** Lambda's EventSourceMappingConfiguration of an SQS mapping (without State). */
export function toSqsMappingConfiguration(
  m: SqsEventSourceMapping,
  ctx: ArnContext,
): Record<string, unknown> {
  const ref = parseFunctionRef(m.functionName);
  return {
    UUID: m.uuid,
    EventSourceMappingArn: `arn:aws:lambda:${ctx.region}:${ctx.accountId}:event-source-mapping:${m.uuid}`,
    EventSourceArn: m.eventSourceArn,
    FunctionArn: functionArn(ctx, ref.name, ref.qualifier),
    BatchSize: m.batchSize,
    MaximumBatchingWindowInSeconds: m.maximumBatchingWindowInSeconds,
    FunctionResponseTypes: [...m.functionResponseTypes],
    ...(m.maximumConcurrency === undefined
      ? {}
      : { ScalingConfig: { MaximumConcurrency: m.maximumConcurrency } }),
    LastModified: m.lastModified / 1000,
  };
}
