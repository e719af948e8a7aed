/**
 * The Kafka side of event source mappings (reference §5): the stored model, the function event,
 * partial batch responses and the on-failure record. Pure; re-exported by
 * event-source-mapping.ts.
 */

export type StartingPosition = 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';
export type SourceAccessType =
  | 'BASIC_AUTH'
  | 'SASL_SCRAM_256_AUTH'
  | 'SASL_SCRAM_512_AUTH'
  | 'CLIENT_CERTIFICATE_TLS_AUTH'
  | 'SERVER_ROOT_CA_CERTIFICATE';
export type MappingState = 'Creating' | 'Enabled' | 'Disabled' | 'Updating' | 'Deleting';

/** A Kafka mapping as stored; camelCase names are the CRD spec's. */
export interface KafkaEventSourceMapping {
  readonly kind?: 'kafka';
  readonly uuid: string;
  /** As given: name, name:alias or name:version. */
  readonly functionName: string;
  readonly enabled: boolean;
  readonly topics: readonly [string];
  readonly bootstrapServers: readonly string[];
  readonly consumerGroupId: string;
  readonly startingPosition: StartingPosition;
  /** Epoch milliseconds, AT_TIMESTAMP only. */
  readonly startingPositionTimestamp?: number;
  readonly batchSize: number;
  readonly maximumBatchingWindowInSeconds: number;
  readonly maximumRetryAttempts: number;
  readonly maximumRecordAgeInSeconds: number;
  readonly bisectBatchOnFunctionError: boolean;
  readonly functionResponseTypes: readonly 'ReportBatchItemFailures'[];
  readonly destinationConfig?: { readonly onFailure?: { readonly destination: string } };
  readonly sourceAccessConfigurations: readonly { type: SourceAccessType; uri: string }[];
  /** Epoch milliseconds of the last create/update. */
  readonly lastModified: number;
  readonly source: 'api' | 'manifest';
}

/** What the poller reports back. */
export interface MappingStatus {
  readonly state: MappingState;
  readonly stateTransitionReason: string;
  readonly lastProcessingResult: string;
}

type Input = Readonly<Record<string, unknown>>;
const obj = (v: unknown): Input =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Input) : {};

/** A Kafka record as the poller holds it (kafkajs' message shape). */
export interface KafkaRecordInput {
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
}

export interface KafkaBatchInput {
  readonly topic: string;
  readonly partition: number;
  readonly bootstrapServers: readonly string[];
  readonly records: readonly KafkaRecordInput[];
}

const bytes = (v: Buffer | string): number[] => [...(typeof v === 'string' ? Buffer.from(v) : v)];

/** Lambda's self-managed Kafka event for one partition's records, in offset order. */
export function kafkaEvent(b: KafkaBatchInput): Record<string, unknown> {
  return {
    eventSource: 'SelfManagedKafka',
    bootstrapServers: b.bootstrapServers.join(','),
    records: {
      [`${b.topic}-${b.partition}`]: b.records.map((r) => ({
        topic: b.topic,
        partition: b.partition,
        offset: Number(r.offset),
        timestamp: Number(r.timestamp),
        timestampType: 'CREATE_TIME',
        ...(r.key === null ? {} : { key: r.key.toString('base64') }),
        value: r.value === null ? null : r.value.toString('base64'),
        headers: Object.entries(r.headers ?? {}).flatMap(([k, v]) =>
          v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x) => ({ [k]: bytes(x) })),
        ),
      })),
    },
  };
}

/** The outcome of a successful invoke, read for ReportBatchItemFailures. */
export type ItemFailures =
  | { readonly kind: 'none' }
  | { readonly kind: 'from'; readonly offset: string }
  | { readonly kind: 'all' };

/**
 * `{"batchItemFailures":[{"itemIdentifier": …}]}` with `{partition:"topic-p", offset}` or
 * `"topic-p-offset"` identifiers. Empty/null list ⇒ none; a bad identifier ⇒ all; otherwise
 * retry restarts at the lowest failed offset.
 */
export function parseItemFailures(
  body: string,
  topic: string,
  partition: number,
  offsets: readonly string[],
): ItemFailures {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { kind: 'none' };
  }
  const list = obj(parsed)['batchItemFailures'];
  if (list === undefined || list === null || (Array.isArray(list) && list.length === 0))
    return { kind: 'none' };
  if (!Array.isArray(list)) return { kind: 'all' };
  const known = new Set(offsets);
  const tp = `${topic}-${partition}`;
  let lowest: bigint | undefined;
  for (const item of list) {
    const id = obj(item)['itemIdentifier'];
    let offset: string | undefined;
    if (typeof id === 'string' && id.startsWith(`${tp}-`)) offset = id.slice(tp.length + 1);
    else if (obj(id)['partition'] === tp) offset = String(obj(id)['offset']);
    if (offset === undefined || !known.has(offset)) return { kind: 'all' };
    if (lowest === undefined || BigInt(offset) < lowest) lowest = BigInt(offset);
  }
  return lowest === undefined ? { kind: 'all' } : { kind: 'from', offset: lowest.toString() };
}

export type KafkaFailureCondition =
  | 'RetryAttemptsExhausted'
  | 'RecordAgeExceeded'
  | 'MaximumPayloadSizeExceeded'
  | 'FunctionRejected';

export interface KafkaFailureInput {
  readonly requestId: string;
  readonly functionArn: string;
  readonly condition: KafkaFailureCondition;
  readonly approximateInvokeCount: number;
  readonly statusCode: number;
  readonly executedVersion?: string;
  readonly functionError?: string;
  readonly timestamp: Date;
  readonly mappingArn: string;
  readonly batch: KafkaBatchInput;
}

/** The record an on-failure destination receives for records given up on (reference §5). */
export function kafkaFailureRecord(i: KafkaFailureInput): Record<string, unknown> {
  const payload = kafkaEvent(i.batch);
  const first = i.batch.records[0];
  return {
    requestContext: {
      requestId: i.requestId,
      functionArn: i.functionArn,
      condition: i.condition,
      approximateInvokeCount: i.approximateInvokeCount,
    },
    responseContext: {
      statusCode: i.statusCode,
      executedVersion: i.executedVersion ?? '$LATEST',
      ...(i.functionError === undefined ? {} : { functionError: i.functionError }),
    },
    version: '1.0',
    timestamp: i.timestamp.toISOString(),
    KafkaBatchInfo: {
      batchSize: i.batch.records.length,
      eventSourceArn: i.mappingArn,
      bootstrapServers: i.batch.bootstrapServers.join(','),
      payloadSize: Buffer.byteLength(JSON.stringify(payload)),
      recordInfo: {
        offset: first?.offset ?? '',
        timestamp: first === undefined ? '' : first.timestamp,
      },
    },
    payload,
  };
}
