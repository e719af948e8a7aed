import { createHash } from 'node:crypto';

import { versionSlug, type VersionLabel } from '@lamina/kube';

/** Name of the worker Deployment of one function version, e.g. `hello-latest`, `hello-v3`. */
export function workerDeploymentName(functionName: string, version: VersionLabel): string {
  return fitName(`${functionName}-${versionSlug(version)}`);
}

/** Name of the Secret with a function's environment variables. */
export function environmentSecretName(functionName: string): string {
  return fitName(`${functionName}-env`);
}

/** Keeps a generated name within 63 characters (label value/DNS label), adding a short hash. */
export function fitName(name: string): string {
  if (name.length <= 63) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, 54)}-${hash}`;
}

/** Label-safe form of a name (≤ 63, same rule as fitName). */
export const labelValue = fitName;

/** Stable hash of a JSON-able value: objects hashed with sorted keys. */
export function stableHash(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex').slice(0, 16);
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
