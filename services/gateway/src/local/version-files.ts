import type { AliasRecord, VersionRecord } from '@lamina/core';

import type { EnvSealer } from './env-sealer.js';

/**
 * The files of the local version store, all in one folder so one non-recursive watch sees
 * them: `<function>.v.<N>.json` (a version, or a tombstone that keeps its number used) and
 * `<function>.a.<alias>.json`. Names and aliases have no dots, so the names cannot collide.
 */
export type VersionFileValue =
  | { readonly kind: 'version'; readonly record: VersionRecord }
  | { readonly kind: 'deleted'; readonly functionName: string; readonly version: string }
  | { readonly kind: 'alias'; readonly record: AliasRecord };

export type VersionFileName =
  | { readonly kind: 'version'; readonly functionName: string; readonly version: string }
  | { readonly kind: 'alias'; readonly functionName: string; readonly name: string };

const VERSION_FILE = /^([a-zA-Z0-9_-]{1,64})\.v\.([1-9][0-9]{0,9})\.json$/;
const ALIAS_FILE = /^([a-zA-Z0-9_-]{1,64})\.a\.([a-zA-Z0-9_-]{1,128})\.json$/;

export const versionFileName = (functionName: string, version: string): string =>
  `${functionName}.v.${version}.json`;

export const aliasFileName = (functionName: string, name: string): string =>
  `${functionName}.a.${name}.json`;

/** What a file name stands for; undefined for temp files and anything else. */
export function parseVersionFileName(file: string): VersionFileName | undefined {
  let m = VERSION_FILE.exec(file);
  if (m?.[1] !== undefined && m[2] !== undefined) {
    return { kind: 'version', functionName: m[1], version: m[2] };
  }
  m = ALIAS_FILE.exec(file);
  if (m?.[1] !== undefined && m[2] !== undefined) {
    return { kind: 'alias', functionName: m[1], name: m[2] };
  }
  return undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses a file's text; throws with the reason when it does not fit its name. */
/** The name of a file known to be a version file (listed by parseVersionFileName). */
export function versionFileNameOf(file: string): VersionFileName {
  const name = parseVersionFileName(file);
  if (name === undefined) throw new Error(`not a version file: ${file}`);
  return name;
}

/** With a sealer, a version's environment is opened (env-sealer.ts); a plaintext one passes. */
export function parseVersionFile(
  name: VersionFileName,
  text: string,
  sealer?: EnvSealer,
): VersionFileValue {
  const value: unknown = JSON.parse(text);
  if (!isObject(value)) throw new Error('not a JSON object');
  if (name.kind === 'version') {
    if (value['deleted'] === true) {
      return { kind: 'deleted', functionName: name.functionName, version: name.version };
    }
    const record =
      sealer === undefined
        ? value['version']
        : sealer.openRecord(value['version'], name.functionName);
    if (
      !isObject(record) ||
      record['functionName'] !== name.functionName ||
      record['version'] !== name.version ||
      !isObject(record['spec']) ||
      !isObject(record['code']) ||
      typeof record['revisionId'] !== 'string'
    ) {
      throw new Error(`not version ${name.version} of ${name.functionName}`);
    }
    return { kind: 'version', record: record as unknown as VersionRecord };
  }
  if (
    value['functionName'] !== name.functionName ||
    value['name'] !== name.name ||
    typeof value['functionVersion'] !== 'string' ||
    !isObject(value['additionalVersionWeights']) ||
    typeof value['revisionId'] !== 'string'
  ) {
    throw new Error(`not alias ${name.name} of ${name.functionName}`);
  }
  return { kind: 'alias', record: value as unknown as AliasRecord };
}

/** With a sealer, a version's environment is written sealed. */
export function serializeVersionFile(value: VersionFileValue, sealer?: EnvSealer): string {
  const body =
    value.kind === 'version'
      ? {
          version:
            sealer === undefined
              ? value.record
              : sealer.sealRecord(value.record, value.record.functionName),
        }
      : value.kind === 'deleted'
        ? { deleted: true }
        : value.record;
  return `${JSON.stringify(body, null, 2)}\n`;
}
