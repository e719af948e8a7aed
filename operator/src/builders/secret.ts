/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models (V1Deployment, ...) are classes with public data fields only; its API takes
   plain object literals, as its own examples do. */
import type { V1OwnerReference, V1Secret } from '@kubernetes/client-node';
import { LABELS, MANAGED_BY, type FunctionResourceSpec } from '@lamina/kube';

import { labelValue, stableHash } from './names.js';

export interface EnvironmentSecretInput {
  readonly name: string;
  readonly namespace: string;
  readonly functionName: string;
  readonly environment: FunctionResourceSpec['environment'];
  readonly owner: V1OwnerReference;
}

export interface EnvironmentSecret {
  readonly secret: V1Secret;
  /** Hash of the values and references; goes into the pod template so changes roll the pods. */
  readonly hash: string;
}

export const ENVIRONMENT_HASH_ANNOTATION = 'lamina.dev/environment-hash';

/**
 * The Secret holding a function's plain environment variables, one key per variable (the worker
 * reads them as files). Owned by the Function (or FunctionVersion), so it goes with its owner.
 */
export function buildEnvironmentSecret(input: EnvironmentSecretInput): EnvironmentSecret {
  const variables = input.environment?.variables ?? {};
  const data = Object.fromEntries(
    Object.keys(variables)
      .sort()
      .map((k) => [k, Buffer.from(variables[k] ?? '', 'utf8').toString('base64')]),
  );
  const hash = stableHash({ data, refs: input.environment?.valueFrom ?? {} });
  return {
    hash,
    secret: {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name: input.name,
        namespace: input.namespace,
        labels: {
          [LABELS.partOf]: 'lamina',
          [LABELS.managedBy]: MANAGED_BY,
          [LABELS.function]: labelValue(input.functionName),
        },
        annotations: { [ENVIRONMENT_HASH_ANNOTATION]: hash },
        ownerReferences: [input.owner],
      },
      data,
    },
  };
}
