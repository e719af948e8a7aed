import { parseAllDocuments } from 'yaml';

import { InvalidParameterValueException } from './errors.js';
import type { FunctionSpecInput } from './function-spec.js';

export const API_GROUP = 'lamina.dev';
export const API_VERSION = `${API_GROUP}/v1alpha1`;

/** A `Function` resource: the same YAML in a local folder and (later) as a custom resource. */
export interface FunctionManifest {
  readonly input: FunctionSpecInput;
  /** Local mode: a folder with the code, relative to the manifest file. */
  readonly codePath?: string;
  /** A code artifact of the store, by hex SHA-256. */
  readonly codeSha256?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function fromDocument(doc: unknown, where: string): FunctionManifest | undefined {
  if (!isObject(doc)) return undefined;
  if (doc['kind'] !== 'Function') return undefined;
  if (doc['apiVersion'] !== API_VERSION) {
    throw new InvalidParameterValueException(`${where}: apiVersion must be ${API_VERSION}`);
  }
  const metadata = isObject(doc['metadata']) ? doc['metadata'] : {};
  const spec = isObject(doc['spec']) ? doc['spec'] : {};
  const env = isObject(spec['environment']) ? spec['environment']['variables'] : undefined;
  const storage = isObject(spec['ephemeralStorage']) ? spec['ephemeralStorage']['size'] : undefined;
  const code = isObject(spec['code']) ? spec['code'] : {};
  const codePath = typeof code['path'] === 'string' ? code['path'] : undefined;
  const codeSha256 = typeof code['sha256'] === 'string' ? code['sha256'] : undefined;
  if (codePath === undefined && codeSha256 === undefined) {
    throw new InvalidParameterValueException(`${where}: spec.code needs path or sha256`);
  }
  return {
    input: {
      name: metadata['name'],
      runtime: spec['runtime'],
      handler: spec['handler'],
      description: spec['description'],
      role: spec['role'],
      memorySize: spec['memorySize'],
      timeout: spec['timeout'],
      ephemeralStorage: storage,
      environment: env,
      reservedConcurrency: spec['reservedConcurrency'],
      architectures: spec['architectures'],
    },
    ...(codePath === undefined ? {} : { codePath }),
    ...(codeSha256 === undefined ? {} : { codeSha256 }),
  };
}

/** Parses every `Function` document of a YAML text; other kinds are skipped. */
export function parseFunctionManifests(text: string, where = 'manifest'): FunctionManifest[] {
  const out: FunctionManifest[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      throw new InvalidParameterValueException(`${where}: ${doc.errors[0]?.message ?? 'bad YAML'}`);
    }
    const m = fromDocument(doc.toJS(), where);
    if (m) out.push(m);
  }
  return out;
}
