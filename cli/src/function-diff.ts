/**
 * The function a deploy asks for, and what differs from the function Lamina has: a pure
 * comparison, so a redeploy of an unchanged function makes no call that changes it (no new
 * LastModified, no new version).
 *
 * Invariants: an unset desired field means Lambda's default (128 MB, 3 s, no environment, no
 * layers, no dead-letter target), as CreateFunction would apply it; code is compared by the
 * SHA-256 of the reproducible zip (`zip-folder.ts`).
 */
import { createHash } from 'node:crypto';

import type { FunctionConfiguration, Runtime } from '@aws-sdk/client-lambda';

export interface DesiredFunction {
  readonly name: string;
  readonly runtime: string;
  readonly handler: string;
  readonly zip: Buffer;
  readonly description?: string;
  readonly memorySize?: number;
  readonly timeout?: number;
  readonly environment?: Readonly<Record<string, string>>;
  readonly layers?: readonly string[];
  readonly deadLetterTargetArn?: string;
  /** Set at creation only (Lamina has no TagResource). */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface FunctionDiff {
  readonly code: boolean;
  /** Names of the configuration fields that differ, e.g. ['MemorySize', 'Environment']. */
  readonly configuration: readonly string[];
}

export function codeSha256(zip: Buffer): string {
  return createHash('sha256').update(zip).digest('base64');
}

function sameRecord(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

export function diffFunction(d: DesiredFunction, c: FunctionConfiguration): FunctionDiff {
  const changed: string[] = [];
  if (c.Runtime !== d.runtime) changed.push('Runtime');
  if (c.Handler !== d.handler) changed.push('Handler');
  if ((c.Description ?? '') !== (d.description ?? '')) changed.push('Description');
  if ((c.MemorySize ?? 128) !== (d.memorySize ?? 128)) changed.push('MemorySize');
  if ((c.Timeout ?? 3) !== (d.timeout ?? 3)) changed.push('Timeout');
  if (!sameRecord(c.Environment?.Variables ?? {}, d.environment ?? {})) changed.push('Environment');
  const layers = (c.Layers ?? []).map((l) => l.Arn ?? '');
  const want = d.layers ?? [];
  if (layers.length !== want.length || layers.some((l, i) => l !== want[i])) changed.push('Layers');
  if ((c.DeadLetterConfig?.TargetArn ?? '') !== (d.deadLetterTargetArn ?? ''))
    changed.push('DeadLetterConfig');
  return { code: c.CodeSha256 !== codeSha256(d.zip), configuration: changed };
}

export function hasChanges(diff: FunctionDiff): boolean {
  return diff.code || diff.configuration.length > 0;
}

/** The UpdateFunctionConfiguration / CreateFunction fields of a desired function. */
export function configurationOf(d: DesiredFunction): {
  Runtime: Runtime;
  Handler: string;
  Description: string;
  MemorySize: number;
  Timeout: number;
  Environment: { Variables: Record<string, string> };
  Layers: string[];
  DeadLetterConfig: { TargetArn?: string };
} {
  return {
    Runtime: d.runtime as Runtime,
    Handler: d.handler,
    Description: d.description ?? '',
    MemorySize: d.memorySize ?? 128,
    Timeout: d.timeout ?? 3,
    Environment: { Variables: { ...(d.environment ?? {}) } },
    Layers: [...(d.layers ?? [])],
    DeadLetterConfig:
      d.deadLetterTargetArn === undefined ? {} : { TargetArn: d.deadLetterTargetArn },
  };
}
