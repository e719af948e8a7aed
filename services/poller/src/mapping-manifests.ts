import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { API_VERSION, type EventSourceMapping, mappingFromSpec, mappingUuidOf } from '@lamina/core';
import { parseAllDocuments } from 'yaml';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A stable UUID per manifest name, so a restart keeps the mapping (and its consumer group). */
export const manifestUuid = mappingUuidOf;

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
      try {
        out.push(mappingFromSpec(name, spec, nowMs));
      } catch (err) {
        throw new Error(`${file}: ${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  return out;
}
