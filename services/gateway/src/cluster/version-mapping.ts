/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment, @typescript-eslint/no-misused-spread --
   client-node models are plain JSON on the wire; object literals are what the API server gets. */
import { type AliasRecord, InvalidParameterValueException, type VersionRecord } from '@lamina/core';
import {
  type AliasResource,
  API_VERSION,
  type FunctionResource,
  type FunctionVersionResource,
  LABELS,
} from '@lamina/kube';
import type { V1OwnerReference } from '@kubernetes/client-node';

import {
  ANNOTATIONS,
  type CodeLocator,
  derivedRevisionId,
  specAnnotations,
  toCoreCode,
  toCoreSpec,
  toResourceSpec,
  type VariablesOf,
  withAnnotations,
} from './function-mapping.js';

/** The Function that owns versions and aliases (garbage-collected with it). */
export interface Owner {
  readonly name: string;
  readonly uid: string;
}

export const ownerOf = (fn: FunctionResource): Owner => ({
  name: fn.metadata.name ?? '',
  uid: fn.metadata.uid ?? '',
});

const DNS_LABELISH = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `<function>-v<N>`, the name the operator's worker Deployment follows. */
export const versionResourceName = (fn: string, version: string): string => `${fn}-v${version}`;

/**
 * `<function>.<alias>`: a dot cannot appear in a Lambda function name, so no two pairs collide.
 * Kubernetes names are lowercase, which Lambda alias names need not be: refuse the others here
 * with a reason rather than the API server's RFC 1123 message.
 */
export function aliasResourceName(fn: string, alias: string): string {
  if (!DNS_LABELISH.test(alias)) {
    throw new InvalidParameterValueException(
      `Alias name '${alias}' cannot be stored as a Kubernetes resource: in cluster mode alias names use lowercase letters, digits and '-', and start and end with a letter or digit.`,
    );
  }
  return `${fn}.${alias}`;
}

const ownerReference = (owner: Owner): V1OwnerReference => ({
  apiVersion: API_VERSION,
  kind: 'Function',
  name: owner.name,
  uid: owner.uid,
});

function timestampOf(meta: { creationTimestamp?: Date | string | undefined }): string {
  const t = meta.creationTimestamp;
  return t === undefined
    ? '1970-01-01T00:00:00.000+0000'
    : new Date(t).toISOString().replace('Z', '+0000');
}

/** `envSecret`: the Secret holding the version's variables (ADR 0039); without, inline. */
export function toVersionResource(
  v: VersionRecord,
  namespace: string,
  owner: Owner,
  envSecret?: string,
): FunctionVersionResource {
  return {
    apiVersion: API_VERSION,
    kind: 'FunctionVersion',
    metadata: {
      name: versionResourceName(v.functionName, v.version),
      namespace,
      labels: {
        [LABELS.partOf]: 'lamina',
        [LABELS.function]: v.functionName,
        [LABELS.version]: v.version,
      },
      annotations: withAnnotations(
        {
          [ANNOTATIONS.revisionId]: v.revisionId,
          [ANNOTATIONS.lastModified]: v.lastModified,
          [ANNOTATIONS.codeSize]: String(v.code.size),
        },
        specAnnotations(v.spec, envSecret),
      ),
      ownerReferences: [ownerReference(owner)],
    },
    spec: {
      functionName: v.functionName,
      version: v.version,
      ...(v.description === '' ? {} : { description: v.description }),
      codeSha256: v.code.sha256,
      function: toResourceSpec({ ...v.spec, name: v.functionName }, v.code, envSecret),
    },
  };
}

export function toVersionRecord(
  r: FunctionVersionResource,
  locate: CodeLocator,
  lookup?: VariablesOf,
): VersionRecord {
  const a = r.metadata.annotations ?? {};
  const spec = toCoreSpec(r.spec.functionName, r.spec.function, a, lookup);
  delete (spec as { reservedConcurrency?: number }).reservedConcurrency;
  return {
    functionName: r.spec.functionName,
    version: r.spec.version,
    spec,
    code: toCoreCode(r.spec.function, a[ANNOTATIONS.codeSize], locate),
    description: r.spec.description ?? '',
    lastModified: a[ANNOTATIONS.lastModified] ?? timestampOf(r.metadata),
    revisionId:
      a[ANNOTATIONS.revisionId] ??
      derivedRevisionId(r.metadata.uid ?? '', r.metadata.generation ?? 1),
  };
}

export function toAliasResource(
  alias: AliasRecord,
  namespace: string,
  owner: Owner,
  base?: AliasResource,
): AliasResource {
  const weights = alias.additionalVersionWeights;
  const meta = base?.metadata ?? {};
  return {
    apiVersion: API_VERSION,
    kind: 'Alias',
    metadata: {
      ...meta,
      name: aliasResourceName(alias.functionName, alias.name),
      namespace,
      labels: { ...meta.labels, [LABELS.partOf]: 'lamina', [LABELS.function]: alias.functionName },
      annotations: { ...meta.annotations, [ANNOTATIONS.revisionId]: alias.revisionId },
      ownerReferences: meta.ownerReferences ?? [ownerReference(owner)],
    },
    spec: {
      functionName: alias.functionName,
      name: alias.name,
      functionVersion: alias.functionVersion,
      ...(alias.description === '' ? {} : { description: alias.description }),
      ...(Object.keys(weights).length === 0
        ? {}
        : { routingConfig: { additionalVersionWeights: { ...weights } } }),
    },
  };
}

export function toAliasRecord(r: AliasResource): AliasRecord {
  const a = r.metadata.annotations ?? {};
  return {
    functionName: r.spec.functionName,
    name: r.spec.name,
    functionVersion: r.spec.functionVersion,
    description: r.spec.description ?? '',
    additionalVersionWeights: { ...(r.spec.routingConfig?.additionalVersionWeights ?? {}) },
    revisionId:
      a[ANNOTATIONS.revisionId] ??
      derivedRevisionId(r.metadata.uid ?? '', r.metadata.generation ?? 1),
  };
}
