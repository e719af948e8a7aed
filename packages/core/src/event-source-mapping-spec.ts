import { createHash } from 'node:crypto';

import { type EventSourceMapping, validateCreateMapping } from './event-source-mapping.js';

/**
 * The `EventSourceMapping` resource's spec (camelCase, as kubectl writes it) ⇄ the stored
 * mapping, and the UUID of a named mapping. One conversion wherever a mapping crosses between
 * the two shapes: local mode's manifests (poller), cluster mode's resources (the gateway's store
 * writes them, the operator mirrors them into the Redis store the pollers read).
 *
 * Kafka specs name `topics` and `bootstrapServers`; SQS specs name `eventSourceArn` (a queue
 * ARN) and optionally `scalingConfig.maximumConcurrency`.
 *
 * Invariants: a resource's UUID is a function of its name alone, so re-applying a manifest keeps
 * the mapping and its consumer group; a name that already is a UUID is its own UUID (mappings
 * created through the API are named by theirs); a spec is validated like a
 * CreateEventSourceMapping body, so both ways in accept the same mappings;
 * `mappingFromSpec(name, specOfMapping(m))` gives `m` back (but `lastModified` and `source`).
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A stable UUID per resource or manifest name: the name itself when it is a UUID. */
export function mappingUuidOf(name: string): string {
  if (UUID.test(name)) return name;
  const h = createHash('sha256').update(`EventSourceMapping/${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** An SQS spec as CreateEventSourceMapping input. */
function sqsInput(spec: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const scaling = spec['scalingConfig'];
  return {
    FunctionName: spec['functionName'],
    Enabled: spec['enabled'],
    EventSourceArn: spec['eventSourceArn'],
    BatchSize: spec['batchSize'],
    MaximumBatchingWindowInSeconds: spec['maximumBatchingWindowInSeconds'],
    FunctionResponseTypes: spec['functionResponseTypes'],
    ScalingConfig: isObject(scaling)
      ? { MaximumConcurrency: scaling['maximumConcurrency'] }
      : undefined,
  };
}

/** The spec as CreateEventSourceMapping input, so one validation applies. */
function toInput(spec: Readonly<Record<string, unknown>>): Record<string, unknown> {
  if (spec['eventSourceArn'] !== undefined)
    return Object.fromEntries(Object.entries(sqsInput(spec)).filter(([, v]) => v !== undefined));
  const onFailure = isObject(spec['destinationConfig'])
    ? spec['destinationConfig']['onFailure']
    : undefined;
  const access = spec['sourceAccessConfigurations'];
  const ts = spec['startingPositionTimestamp'];
  const input: Record<string, unknown> = {
    FunctionName: spec['functionName'],
    Enabled: spec['enabled'],
    Topics: spec['topics'],
    SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: spec['bootstrapServers'] } },
    SelfManagedKafkaEventSourceConfig:
      spec['consumerGroupId'] === undefined
        ? undefined
        : { ConsumerGroupId: spec['consumerGroupId'] },
    StartingPosition: spec['startingPosition'],
    StartingPositionTimestamp: typeof ts === 'string' ? Date.parse(ts) / 1000 : ts,
    BatchSize: spec['batchSize'],
    MaximumBatchingWindowInSeconds: spec['maximumBatchingWindowInSeconds'],
    MaximumRetryAttempts: spec['maximumRetryAttempts'],
    MaximumRecordAgeInSeconds: spec['maximumRecordAgeInSeconds'],
    BisectBatchOnFunctionError: spec['bisectBatchOnFunctionError'],
    FunctionResponseTypes: spec['functionResponseTypes'],
    DestinationConfig: isObject(onFailure)
      ? { OnFailure: { Destination: onFailure['destination'] } }
      : undefined,
    SourceAccessConfigurations: Array.isArray(access)
      ? access.map((a: unknown) => (isObject(a) ? { Type: a['type'], URI: a['uri'] } : a))
      : undefined,
  };
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}

/** A named spec → the stored mapping; throws Lambda's validation errors. */
export function mappingFromSpec(
  name: string,
  spec: Readonly<Record<string, unknown>>,
  nowMs: number,
): EventSourceMapping {
  return {
    ...validateCreateMapping(toInput(spec), mappingUuidOf(name), nowMs),
    source: 'manifest',
  };
}

/** The mapping as a resource spec; every field explicit, absent optional ones left out. */
export function specOfMapping(m: EventSourceMapping): Record<string, unknown> {
  if (m.kind === 'sqs')
    return {
      functionName: m.functionName,
      enabled: m.enabled,
      eventSourceArn: m.eventSourceArn,
      batchSize: m.batchSize,
      maximumBatchingWindowInSeconds: m.maximumBatchingWindowInSeconds,
      ...(m.functionResponseTypes.length === 0
        ? {}
        : { functionResponseTypes: [...m.functionResponseTypes] }),
      ...(m.maximumConcurrency === undefined
        ? {}
        : { scalingConfig: { maximumConcurrency: m.maximumConcurrency } }),
    };
  const onFailure = m.destinationConfig?.onFailure;
  return {
    functionName: m.functionName,
    enabled: m.enabled,
    topics: [...m.topics],
    bootstrapServers: [...m.bootstrapServers],
    consumerGroupId: m.consumerGroupId,
    startingPosition: m.startingPosition,
    ...(m.startingPositionTimestamp === undefined
      ? {}
      : { startingPositionTimestamp: new Date(m.startingPositionTimestamp).toISOString() }),
    batchSize: m.batchSize,
    maximumBatchingWindowInSeconds: m.maximumBatchingWindowInSeconds,
    maximumRetryAttempts: m.maximumRetryAttempts,
    maximumRecordAgeInSeconds: m.maximumRecordAgeInSeconds,
    bisectBatchOnFunctionError: m.bisectBatchOnFunctionError,
    ...(m.functionResponseTypes.length === 0
      ? {}
      : { functionResponseTypes: [...m.functionResponseTypes] }),
    ...(onFailure === undefined
      ? {}
      : { destinationConfig: { onFailure: { destination: onFailure.destination } } }),
    ...(m.sourceAccessConfigurations.length === 0
      ? {}
      : {
          sourceAccessConfigurations: m.sourceAccessConfigurations.map((a) => ({
            type: a.type,
            uri: a.uri,
          })),
        }),
  };
}

/** Equal as the poller sees them: every field but `lastModified` and `source`. */
export function sameMappingSettings(a: EventSourceMapping, b: EventSourceMapping): boolean {
  const strip = (m: EventSourceMapping): string =>
    JSON.stringify(canonical({ ...m, lastModified: 0, source: 'api' }));
  return strip(a) === strip(b);
}

/** Objects with their keys sorted, so key order (JSON from Redis) does not matter. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (!isObject(v)) return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .filter((k) => v[k] !== undefined)
      .map((k) => [k, canonical(v[k])]),
  );
}
