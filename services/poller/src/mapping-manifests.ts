import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { API_VERSION, type EventSourceMapping, validateCreateMapping } from '@lamina/core';
import { parseAllDocuments } from 'yaml';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A stable UUID per manifest name, so a restart keeps the mapping (and its consumer group). */
export function manifestUuid(name: string): string {
  const h = createHash('sha256').update(`EventSourceMapping/${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The CRD spec (camelCase) as CreateEventSourceMapping input, so one validation applies. */
function toInput(spec: Record<string, unknown>): Record<string, unknown> {
  const onFailure = isObject(spec['destinationConfig'])
    ? spec['destinationConfig']['onFailure']
    : undefined;
  const access = spec['sourceAccessConfigurations'];
  const ts = spec['startingPositionTimestamp'];
  return {
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
}

/**
 * Local mode: `EventSourceMapping` documents of the YAML files in a folder (the functions
 * folder), validated like the API's input. Other kinds are skipped.
 */
export async function loadMappingManifests(
  dir: string,
  nowMs: number,
): Promise<EventSourceMapping[]> {
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const out: EventSourceMapping[] = [];
  for (const file of files) {
    const text = await readFile(join(dir, file), 'utf8');
    for (const doc of parseAllDocuments(text)) {
      const js: unknown = doc.toJS();
      if (!isObject(js) || js['kind'] !== 'EventSourceMapping') continue;
      if (js['apiVersion'] !== API_VERSION)
        throw new Error(`${file}: apiVersion must be ${API_VERSION}`);
      const name = isObject(js['metadata']) ? js['metadata']['name'] : undefined;
      if (typeof name !== 'string') throw new Error(`${file}: metadata.name is required`);
      const spec = isObject(js['spec']) ? js['spec'] : {};
      const input = Object.fromEntries(
        Object.entries(toInput(spec)).filter(([, v]) => v !== undefined),
      );
      try {
        out.push({
          ...validateCreateMapping(input, manifestUuid(name), nowMs),
          source: 'manifest',
        });
      } catch (err) {
        throw new Error(`${file}: ${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  return out;
}
