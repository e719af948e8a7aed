import { InvalidParameterValueException } from './errors.js';
import { type ArnContext, functionArn, parseFunctionRef } from './names.js';
import { parseAsyncTarget } from './async-invoke.js';
import {
  boolField,
  type Input,
  intField,
  obj,
  responseTypesField,
} from './event-source-mapping-fields.js';
import {
  applySqsMappingUpdate,
  type SqsEventSourceMapping,
  toSqsMappingConfiguration,
  validateCreateSqsMapping,
} from './event-source-mapping-sqs.js';
import { parseSqsArn } from './sqs-arn.js';

import type {
  KafkaEventSourceMapping,
  MappingState,
  MappingStatus,
  SourceAccessType,
  StartingPosition,
} from './event-source-mapping-kafka.js';

export * from './event-source-mapping-kafka.js';
export * from './event-source-mapping-sqs.js';

/**
 * Event source mappings (reference §5): the stored model (field names of the
 * EventSourceMapping CRD spec), Lambda's validation and answer shape. Two sources: self-managed
 * Kafka (here, with its event in event-source-mapping-kafka.ts) and SQS queues
 * (event-source-mapping-sqs.ts). A mapping's `kind` says which; mappings stored before SQS
 * existed have none and are Kafka. Shared by the gateway (API) and the poller.
 */
export const ESM_LAYOUT_VERSION = 1;

export const ESM_LIMITS = {
  batchSize: { min: 1, max: 10_000, default: 100 },
  batchingWindowSeconds: { min: 0, max: 300 },
  retryAttempts: { min: -1, max: 10_000 },
  recordAgeSeconds: { min: 60, max: 604_800 },
  consumerGroupIdMax: 200,
  /** With infinite retries and an on-failure destination Lambda retries 10 times. */
  retriesWithDestination: 10,
} as const;

/** Redis keys: mappings (uuid → JSON) and their processing status (uuid → JSON). */
export function esmKeys(prefix = 'lamina') {
  const base = `${prefix}:v${ESM_LAYOUT_VERSION}:{esm}`;
  return { mappings: `${base}:mappings`, status: `${base}:status` } as const;
}
export type EsmKeys = ReturnType<typeof esmKeys>;

/** A mapping as stored: Kafka (no `kind`, or `kafka`) or SQS. */
export type EventSourceMapping = KafkaEventSourceMapping | SqsEventSourceMapping;

/** True for an SQS mapping. */
export const isSqsMapping = (m: EventSourceMapping): m is SqsEventSourceMapping => m.kind === 'sqs';

const ACCESS_TYPES: readonly SourceAccessType[] = [
  'BASIC_AUTH',
  'SASL_SCRAM_256_AUTH',
  'SASL_SCRAM_512_AUTH',
  'CLIENT_CERTIFICATE_TLS_AUTH',
  'SERVER_ROOT_CA_CERTIFICATE',
];
const POSITIONS: readonly StartingPosition[] = ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'];
const CREATE_ONLY = [
  'Topics',
  'SelfManagedEventSource',
  'StartingPosition',
  'StartingPositionTimestamp',
  'SelfManagedKafkaEventSourceConfig',
  'EventSourceArn',
] as const;

/** The settings Create and Update share; absent fields keep `base`'s values. */
function tunables(input: Input, base: KafkaEventSourceMapping): KafkaEventSourceMapping {
  const b = ESM_LIMITS;
  const age = intField(input, 'MaximumRecordAgeInSeconds', -1, b.recordAgeSeconds.max);
  if (age !== undefined && age !== -1 && age < b.recordAgeSeconds.min)
    throw new InvalidParameterValueException(
      `MaximumRecordAgeInSeconds must be -1 or between ${b.recordAgeSeconds.min} and ${b.recordAgeSeconds.max}.`,
    );
  const types = responseTypesField(input);
  const onFailure = obj(obj(input['DestinationConfig'])['OnFailure'])['Destination'];
  if (onFailure !== undefined && onFailure !== null && onFailure !== '') {
    if (typeof onFailure !== 'string') throw new InvalidParameterValueException('Invalid ARN.');
    parseAsyncTarget(onFailure);
  }
  const access = input['SourceAccessConfigurations'];
  if (access !== undefined && !Array.isArray(access))
    throw new InvalidParameterValueException('SourceAccessConfigurations must be a list.');
  const fn = input['FunctionName'];
  if (fn !== undefined && typeof fn !== 'string')
    throw new InvalidParameterValueException('FunctionName must be a string.');
  if (typeof fn === 'string') parseFunctionRef(fn);
  const destination =
    onFailure === undefined
      ? base.destinationConfig
      : typeof onFailure === 'string' && onFailure !== ''
        ? { onFailure: { destination: onFailure } }
        : undefined;
  return {
    ...base,
    ...(typeof fn === 'string' ? { functionName: fn } : {}),
    enabled: boolField(input, 'Enabled') ?? base.enabled,
    batchSize: intField(input, 'BatchSize', b.batchSize.min, b.batchSize.max) ?? base.batchSize,
    maximumBatchingWindowInSeconds:
      intField(input, 'MaximumBatchingWindowInSeconds', 0, b.batchingWindowSeconds.max) ??
      base.maximumBatchingWindowInSeconds,
    maximumRetryAttempts:
      intField(input, 'MaximumRetryAttempts', -1, b.retryAttempts.max) ?? base.maximumRetryAttempts,
    maximumRecordAgeInSeconds: age ?? base.maximumRecordAgeInSeconds,
    bisectBatchOnFunctionError:
      boolField(input, 'BisectBatchOnFunctionError') ?? base.bisectBatchOnFunctionError,
    functionResponseTypes: types ?? base.functionResponseTypes,
    ...(destination === undefined ? {} : { destinationConfig: destination }),
    sourceAccessConfigurations:
      access === undefined
        ? base.sourceAccessConfigurations
        : (access as unknown[]).map((a) => {
            const type = obj(a)['Type'];
            const uri = obj(a)['URI'];
            if (!ACCESS_TYPES.includes(type as SourceAccessType) || typeof uri !== 'string')
              throw new InvalidParameterValueException(
                `Unsupported SourceAccessConfiguration: ${JSON.stringify(a)}.`,
              );
            return { type: type as SourceAccessType, uri };
          }),
  };
}

/** CreateEventSourceMapping's body → a mapping: an SQS queue ARN, else self-managed Kafka. */
export function validateCreateMapping(
  input: Input,
  uuid: string,
  nowMs: number,
): EventSourceMapping {
  const arn = input['EventSourceArn'];
  if (typeof arn === 'string' && parseSqsArn(arn) !== undefined)
    return validateCreateSqsMapping(input, uuid, nowMs);
  if (arn !== undefined)
    throw new InvalidParameterValueException(
      `Unsupported EventSourceArn ${JSON.stringify(arn)}: SQS queue ARNs and self-managed Kafka only.`,
    );
  return validateCreateKafkaMapping(input, uuid, nowMs);
}

function validateCreateKafkaMapping(
  input: Input,
  uuid: string,
  nowMs: number,
): KafkaEventSourceMapping {
  if (typeof input['FunctionName'] !== 'string')
    throw new InvalidParameterValueException('FunctionName is required.');
  const topics = input['Topics'];
  if (!Array.isArray(topics) || topics.length !== 1 || typeof topics[0] !== 'string')
    throw new InvalidParameterValueException('Topics must contain exactly one topic.');
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(topics[0]))
    throw new InvalidParameterValueException(`Invalid topic name ${topics[0]}.`);
  const servers = obj(obj(input['SelfManagedEventSource'])['Endpoints'])['KAFKA_BOOTSTRAP_SERVERS'];
  if (
    !Array.isArray(servers) ||
    servers.length === 0 ||
    servers.some((s) => typeof s !== 'string' || !/^[^\s:]+:\d{1,5}$/.test(s))
  )
    throw new InvalidParameterValueException(
      'SelfManagedEventSource.Endpoints.KAFKA_BOOTSTRAP_SERVERS must list host:port servers (Amazon MSK ARNs are not supported).',
    );
  const position = input['StartingPosition'];
  if (!POSITIONS.includes(position as StartingPosition))
    throw new InvalidParameterValueException(
      'StartingPosition must be TRIM_HORIZON, LATEST or AT_TIMESTAMP.',
    );
  const ts = input['StartingPositionTimestamp'];
  if (position === 'AT_TIMESTAMP' && (typeof ts !== 'number' || ts * 1000 > nowMs))
    throw new InvalidParameterValueException(
      'StartingPositionTimestamp is required for AT_TIMESTAMP and cannot be in the future.',
    );
  const group = obj(input['SelfManagedKafkaEventSourceConfig'])['ConsumerGroupId'] ?? uuid;
  if (
    typeof group !== 'string' ||
    group.length === 0 ||
    group.length > ESM_LIMITS.consumerGroupIdMax
  )
    throw new InvalidParameterValueException(
      `ConsumerGroupId must be 1-${ESM_LIMITS.consumerGroupIdMax} characters.`,
    );
  const base: KafkaEventSourceMapping = {
    uuid,
    functionName: input['FunctionName'],
    enabled: true,
    topics: [topics[0]],
    bootstrapServers: servers as string[],
    consumerGroupId: group,
    startingPosition: position as StartingPosition,
    ...(position === 'AT_TIMESTAMP' ? { startingPositionTimestamp: (ts as number) * 1000 } : {}),
    batchSize: ESM_LIMITS.batchSize.default,
    maximumBatchingWindowInSeconds: 0,
    maximumRetryAttempts: -1,
    maximumRecordAgeInSeconds: -1,
    bisectBatchOnFunctionError: false,
    functionResponseTypes: [],
    sourceAccessConfigurations: [],
    lastModified: nowMs,
    source: 'api',
  };
  return tunables(input, base);
}

/** UpdateEventSourceMapping's body applied to a mapping; create-only fields are refused. */
export function applyMappingUpdate(
  current: EventSourceMapping,
  input: Input,
  nowMs: number,
): EventSourceMapping {
  if (current.kind === 'sqs') return applySqsMappingUpdate(current, input, nowMs);
  for (const key of CREATE_ONLY)
    if (input[key] !== undefined)
      throw new InvalidParameterValueException(`${key} cannot be updated.`);
  return { ...tunables(input, current), lastModified: nowMs };
}

/** Retries the poller allows: -1 means until the records expire (10 with a destination). */
export function effectiveRetryAttempts(m: KafkaEventSourceMapping): number {
  if (m.maximumRetryAttempts !== -1) return m.maximumRetryAttempts;
  return m.destinationConfig?.onFailure === undefined ? -1 : ESM_LIMITS.retriesWithDestination;
}

/** Lambda's State: the poller's report, or Disabling while it has not stopped yet. */
export function displayedState(
  m: EventSourceMapping,
  status: MappingStatus | undefined,
): MappingState | 'Disabling' {
  const state: MappingState = status?.state ?? 'Creating';
  return m.enabled || state !== 'Enabled' ? state : 'Disabling';
}

/** Lambda's EventSourceMappingConfiguration. */
export function toMappingConfiguration(
  m: EventSourceMapping,
  status: MappingStatus | undefined,
  ctx: ArnContext,
): Record<string, unknown> {
  if (m.kind === 'sqs')
    return {
      ...toSqsMappingConfiguration(m, ctx),
      State: displayedState(m, status),
      StateTransitionReason: status?.stateTransitionReason ?? 'USER_INITIATED',
    };
  const ref = parseFunctionRef(m.functionName);
  return {
    UUID: m.uuid,
    EventSourceMappingArn: `arn:aws:lambda:${ctx.region}:${ctx.accountId}:event-source-mapping:${m.uuid}`,
    FunctionArn: functionArn(ctx, ref.name, ref.qualifier),
    StartingPosition: m.startingPosition,
    ...(m.startingPositionTimestamp === undefined
      ? {}
      : { StartingPositionTimestamp: m.startingPositionTimestamp / 1000 }),
    BatchSize: m.batchSize,
    MaximumBatchingWindowInSeconds: m.maximumBatchingWindowInSeconds,
    MaximumRetryAttempts: m.maximumRetryAttempts,
    MaximumRecordAgeInSeconds: m.maximumRecordAgeInSeconds,
    BisectBatchOnFunctionError: m.bisectBatchOnFunctionError,
    FunctionResponseTypes: [...m.functionResponseTypes],
    Topics: [...m.topics],
    SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: [...m.bootstrapServers] } },
    SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: m.consumerGroupId },
    SourceAccessConfigurations: m.sourceAccessConfigurations.map((a) => ({
      Type: a.type,
      URI: a.uri,
    })),
    DestinationConfig:
      m.destinationConfig?.onFailure === undefined
        ? {}
        : { OnFailure: { Destination: m.destinationConfig.onFailure.destination } },
    LastModified: m.lastModified / 1000,
    LastProcessingResult: status?.lastProcessingResult ?? 'No records processed',
    State: displayedState(m, status),
    StateTransitionReason: status?.stateTransitionReason ?? 'USER_INITIATED',
  };
}
