/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment, @typescript-eslint/no-misused-spread --
   client-node models are plain JSON on the wire; object literals are what the API server gets. */
import { createHash } from 'node:crypto';

import {
  type FunctionCode,
  type FunctionRecord,
  type FunctionSpec,
  type EnvironmentError,
  type ImageConfig,
  imageIdentityHex,
  LIMITS,
  type LastUpdateStatus,
  parseFunctionSettings,
  egressGroupsOfVpc,
  isEmptyVpcConfig,
  vpcConfigJson,
  vpcConfigOfJson,
} from '@lamina/core';
import { parseTags, policyOf } from './annotation-values.js';
import { stateKey, stateReasons, updateReasons } from './state-reasons.js';
import {
  API_VERSION,
  EGRESS_ANNOTATION,
  type FunctionResource,
  type FunctionResourceSpec,
  LABELS,
  loggingOfResource,
  resourceLoggingConfig,
  SEALED_ENVIRONMENT_ANNOTATION,
} from '@lamina/kube';

/** Annotations the gateway keeps on a Function for what Lambda has and the spec does not. */
export const ANNOTATIONS = {
  revisionId: 'lamina.dev/revision-id',
  lastModified: 'lamina.dev/last-modified',
  codeSize: 'lamina.dev/code-size',
  tags: 'lamina.dev/tags',
  /** The resource-based policy (AddPermission), JSON: statements per qualifier. */
  policy: 'lamina.dev/policy',
  /** Runtime management and recursion settings, JSON (core's function-settings.ts). */
  settings: 'lamina.dev/settings',
  /** Highest version number ever published (never reused after a version is deleted). */
  versionCounter: 'lamina.dev/version-counter',
  /** The Secret holding the variables the API set (environment-secrets.ts, ADR 0039). */
  environmentSecret: 'lamina.dev/environment-secret',
  /** KMSKeyArn, as given. */
  kmsKeyArn: 'lamina.dev/kms-key-arn',
  /** VpcConfig, JSON of the API shape; its security groups are the egress groups. */
  vpcConfig: 'lamina.dev/vpc-config',
} as const;

/**
 * What a gateway-written Secret holds (environment-secrets.ts): its variables, or why a sealed
 * one cannot be opened now; undefined: unknown.
 */
export type VariablesOf = (
  secretName: string,
) =>
  | { readonly variables: Readonly<Record<string, string>>; readonly error?: EnvironmentError }
  | undefined;

type EnvironmentRefs = NonNullable<NonNullable<FunctionResourceSpec['environment']>['valueFrom']>;

/** References to every variable of `env` in the Secret `secret` (one key per variable). */
function refsTo(secret: string, env: Readonly<Record<string, string>>): EnvironmentRefs {
  return Object.fromEntries(
    Object.keys(env)
      .sort()
      .map((k) => [k, { secretKeyRef: { name: secret, key: k } }]),
  );
}

/** The references that are not to the gateway's own Secret (set with kubectl: kept as they are). */
export function foreignRefs(
  s: FunctionResourceSpec,
  envSecret: string | undefined,
): EnvironmentRefs | undefined {
  const refs = Object.entries(s.environment?.valueFrom ?? {}).filter(
    ([, r]) => envSecret === undefined || r.secretKeyRef.name !== envSecret,
  );
  return refs.length === 0 ? undefined : Object.fromEntries(refs);
}

/**
 * The variables of a resource: inline ones (written before ADR 0039) and the gateway Secret's —
 * the referenced keys, or all of a sealed one (ADR 0046) with the error when it does not open.
 */
function variablesOf(
  s: FunctionResourceSpec,
  a: Readonly<Record<string, string>>,
  lookup: VariablesOf | undefined,
): Pick<FunctionSpec, 'environment' | 'environmentError'> {
  const inline = { ...(s.environment?.variables ?? {}) };
  const envSecret = a[ANNOTATIONS.environmentSecret];
  if (envSecret === undefined || lookup === undefined) return { environment: inline };
  const held = lookup(envSecret);
  if (a[SEALED_ENVIRONMENT_ANNOTATION] === envSecret) {
    return {
      environment: { ...inline, ...held?.variables },
      ...(held?.error === undefined ? {} : { environmentError: held.error }),
    };
  }
  for (const [k, r] of Object.entries(s.environment?.valueFrom ?? {})) {
    const v = held?.variables[r.secretKeyRef.key];
    if (r.secretKeyRef.name === envSecret && v !== undefined) inline[k] = v;
  }
  return { environment: inline };
}

/**
 * The KMS key `spec`'s variables are sealed under (ADR 0046): its KMSKeyArn, except for an image
 * function, whose variables are its own container's environment (projected from a plain Secret).
 */
export const sealingKey = (spec: FunctionSpec): string | undefined =>
  spec.packageType === 'Image' ? undefined : spec.kmsKeyArn;

/** True when `spec`'s variables are written sealed in `envSecret`. */
export const isSealed = (spec: FunctionSpec, envSecret: string | undefined): boolean =>
  envSecret !== undefined && sealingKey(spec) !== undefined;

/** The spec fields Lamina keeps in annotations (the CRD has no field for them). */
function annotatedSpec(
  a: Readonly<Record<string, string>>,
): Pick<FunctionSpec, 'kmsKeyArn' | 'vpcConfig'> {
  const kmsKeyArn = a[ANNOTATIONS.kmsKeyArn];
  const vpcConfig = vpcConfigOfJson(a[ANNOTATIONS.vpcConfig]);
  return {
    ...(kmsKeyArn === undefined || kmsKeyArn === '' ? {} : { kmsKeyArn }),
    ...(vpcConfig === undefined || isEmptyVpcConfig(vpcConfig) ? {} : { vpcConfig }),
  };
}

/** Those annotations of a spec, and the environment Secret's (absent ones are removed). */
export function specAnnotations(
  spec: FunctionSpec,
  envSecret: string | undefined,
): Record<string, string | undefined> {
  return {
    [ANNOTATIONS.kmsKeyArn]: spec.kmsKeyArn,
    [ANNOTATIONS.vpcConfig]:
      spec.vpcConfig === undefined ? undefined : JSON.stringify(vpcConfigJson(spec.vpcConfig)),
    [ANNOTATIONS.environmentSecret]: envSecret,
    [SEALED_ENVIRONMENT_ANNOTATION]: isSealed(spec, envSecret) ? envSecret : undefined,
  };
}

/** `base` with `changes` applied: a value sets, undefined removes. */
export function withAnnotations(
  base: Readonly<Record<string, string>>,
  changes: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const removed = new Set(
    Object.entries(changes)
      .filter(([, v]) => v === undefined)
      .map(([k]) => k),
  );
  const set = Object.entries(changes).filter((e): e is [string, string] => e[1] !== undefined);
  return Object.fromEntries([...Object.entries(base).filter(([k]) => !removed.has(k)), ...set]);
}

/**
 * The egress annotation a Function gets from its VpcConfig (ADR 0039): the security groups, when
 * the API set a VpcConfig; none once the API removed it; kubectl's own value when the API never
 * set one (no VpcConfig annotation before or now).
 */
export function egressAnnotation(
  spec: FunctionSpec,
  base: Readonly<Record<string, string>>,
): Record<string, string | undefined> {
  if (spec.vpcConfig !== undefined)
    return { [EGRESS_ANNOTATION]: egressGroupsOfVpc(spec.vpcConfig).join(',') || undefined };
  return base[ANNOTATIONS.vpcConfig] === undefined ? {} : { [EGRESS_ANNOTATION]: undefined };
}

export const GATEWAY_MANAGER = 'lamina-gateway';

/** Where the unpacked code of an artifact lives, by hex SHA-256 (the code store's layout). */
export type CodeLocator = (sha256Hex: string) => string;

export const hexToBase64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');
export const base64ToHex = (b64: string): string => Buffer.from(b64, 'base64').toString('hex');

/**
 * The resource spec of a core FunctionSpec with its code. With `envSecret` the variables are
 * references to that Secret (ADR 0039); without, inline (tests, and what came before).
 */
export function toResourceSpec(
  spec: FunctionSpec,
  code: FunctionCode,
  envSecret?: string,
): FunctionResourceSpec {
  const env = Object.keys(spec.environment).length > 0;
  const image = code.imageUri;
  return {
    // An image function has neither (ADR 0028); `code.image` says what it runs.
    ...(image === undefined ? { runtime: spec.runtime, handler: spec.handler } : {}),
    ...(spec.description === '' ? {} : { description: spec.description }),
    ...(spec.role === '' ? {} : { role: spec.role }),
    memorySize: spec.memorySize,
    timeout: spec.timeout,
    ephemeralStorage: { size: spec.ephemeralStorage },
    ...(!env || isSealed(spec, envSecret)
      ? {}
      : envSecret === undefined
        ? { environment: { variables: { ...spec.environment } } }
        : { environment: { valueFrom: refsTo(envSecret, spec.environment) } }),
    code: image === undefined ? { sha256: base64ToHex(code.sha256) } : { image },
    ...(spec.imageConfig === undefined ? {} : { imageConfig: imageConfigOf(spec) }),
    architectures: [...spec.architectures] as FunctionResourceSpec['architectures'],
    ...(spec.reservedConcurrency === undefined
      ? {}
      : { reservedConcurrency: spec.reservedConcurrency }),
    ...(spec.layers === undefined || spec.layers.length === 0
      ? {}
      : {
          layers: spec.layers.map((l) => ({
            arn: l.arn,
            sha256: base64ToHex(l.sha256),
            codeSize: l.codeSize,
          })),
        }),
    ...(spec.logging === undefined ? {} : { loggingConfig: resourceLoggingConfig(spec.logging) }),
  };
}

/** The resource's imageConfig: the same three fields, copied (the spec keeps readonly arrays). */
function imageConfigOf(spec: FunctionSpec): FunctionResourceSpec['imageConfig'] {
  const c = spec.imageConfig;
  return {
    ...(c?.entryPoint === undefined ? {} : { entryPoint: [...c.entryPoint] }),
    ...(c?.command === undefined ? {} : { command: [...c.command] }),
    ...(c?.workingDirectory === undefined ? {} : { workingDirectory: c.workingDirectory }),
  };
}

function coreImageConfig(c: NonNullable<FunctionResourceSpec['imageConfig']>): ImageConfig {
  return {
    ...(c.entryPoint === undefined ? {} : { entryPoint: c.entryPoint }),
    ...(c.command === undefined ? {} : { command: c.command }),
    ...(c.workingDirectory === undefined ? {} : { workingDirectory: c.workingDirectory }),
  };
}

/**
 * The core FunctionSpec of a resource spec (as the API server stored it, defaults applied), with
 * the fields its annotations keep and the variables of its environment Secret.
 */
export function toCoreSpec(
  name: string,
  s: FunctionResourceSpec,
  a: Readonly<Record<string, string>> = {},
  lookup?: VariablesOf,
): FunctionSpec {
  return {
    name,
    runtime: s.runtime ?? '',
    handler: s.handler ?? '',
    description: s.description ?? '',
    role: s.role ?? '',
    memorySize: s.memorySize,
    timeout: s.timeout,
    ephemeralStorage: s.ephemeralStorage?.size ?? LIMITS.ephemeralStorageMinMb,
    ...variablesOf(s, a, lookup),
    ...(s.reservedConcurrency === undefined ? {} : { reservedConcurrency: s.reservedConcurrency }),
    architectures: [...(s.architectures ?? ['x86_64'])],
    ...(s.code.image === undefined ? {} : { packageType: 'Image' as const }),
    ...(s.code.image === undefined || s.imageConfig === undefined
      ? {}
      : { imageConfig: coreImageConfig(s.imageConfig) }),
    ...(s.layers === undefined || s.layers.length === 0
      ? {}
      : {
          layers: s.layers.map((l) => ({
            arn: l.arn,
            sha256: hexToBase64(l.sha256),
            codeSize: l.codeSize,
          })),
        }),
    ...(loggingOfResource(s.loggingConfig) ?? {}),
    ...annotatedSpec(a),
  };
}

/** The code of a resource spec: an artifact of the store (image and path code have no zip). */
export function toCoreCode(
  s: FunctionResourceSpec,
  size: string | undefined,
  locate: CodeLocator,
): FunctionCode {
  const hex = s.code.sha256;
  const image = s.code.image;
  if (image !== undefined)
    return {
      sha256: hexToBase64(imageIdentityHex(image)),
      size: 0,
      location: image,
      imageUri: image,
    };
  if (hex === undefined) return { sha256: '', size: 0, location: s.code.path ?? '' };
  const bytes = Number(size ?? '0');
  return {
    sha256: hexToBase64(hex),
    size: Number.isFinite(bytes) ? bytes : 0,
    location: locate(hex),
  };
}

/** A stable RevisionId for a resource the gateway never wrote (kubectl apply). */
export function derivedRevisionId(uid: string, generation: number): string {
  const h = createHash('sha256').update(`${uid}/${generation}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * The FunctionRecord of a Function resource. State and LastUpdateStatus come from the status the
 * operator writes: no status yet is Pending; a status older than the spec (observedGeneration
 * behind) is an update InProgress. Reasons are AWS's (ADR 0033): "The function is being
 * created." while Pending or InProgress, none once Active; a failure keeps the operator's.
 * RevisionId changes with every transition, as on AWS: the gateway's annotation while the change
 * is in progress, a digest of it and the reached state after.
 */
export function toFunctionRecord(
  fn: FunctionResource,
  locate: CodeLocator,
  lookup?: VariablesOf,
): FunctionRecord {
  const meta = fn.metadata;
  const a = meta.annotations ?? {};
  const generation = meta.generation ?? 1;
  const status = fn.status;
  const observed = status?.observedGeneration;
  const current = observed !== undefined && observed >= generation;
  const lastModified =
    a[ANNOTATIONS.lastModified] ??
    status?.lastModified ??
    (meta.creationTimestamp === undefined
      ? '1970-01-01T00:00:00.000+0000'
      : new Date(meta.creationTimestamp).toISOString().replace('Z', '+0000'));
  const state = status?.state ?? 'Pending';
  const update: LastUpdateStatus = current
    ? (status?.lastUpdateStatus ?? 'InProgress')
    : 'InProgress';
  const written = a[ANNOTATIONS.revisionId] ?? derivedRevisionId(meta.uid ?? '', generation);
  const settled = state !== 'Pending' && update !== 'InProgress';
  return {
    spec: toCoreSpec(meta.name ?? '', fn.spec, a, lookup),
    code: toCoreCode(fn.spec, a[ANNOTATIONS.codeSize], locate),
    lastModified,
    revisionId: settled ? derivedRevisionId(written, stateKey(state, update)) : written,
    state,
    ...stateReasons(state, status),
    lastUpdateStatus: update,
    ...updateReasons(update, status),
    tags: parseTags(a[ANNOTATIONS.tags]),
    source: 'api',
    ...policyOf(a[ANNOTATIONS.policy]),
    ...settingsOf(a[ANNOTATIONS.settings]),
  };
}

function settingsOf(json: string | undefined): Pick<FunctionRecord, 'settings'> {
  const settings = parseFunctionSettings(json);
  return settings === undefined ? {} : { settings };
}

/**
 * The Function resource (metadata + spec) that stores `record`; `base` keeps other fields.
 * `envSecret` holds the variables (ADR 0039); without it they are written inline.
 */
export function toFunctionResource(
  record: FunctionRecord,
  namespace: string,
  base?: FunctionResource,
  envSecret?: string,
): FunctionResource {
  const meta = base?.metadata ?? {};
  const baseAnnotations = meta.annotations ?? {};
  const annotations = Object.entries(meta.annotations ?? {}).filter(
    ([k]) => k !== ANNOTATIONS.policy && k !== ANNOTATIONS.settings,
  );
  if (record.policy !== undefined) {
    annotations.push([ANNOTATIONS.policy, JSON.stringify(record.policy)]);
  }
  if (record.settings !== undefined) {
    annotations.push([ANNOTATIONS.settings, JSON.stringify(record.settings)]);
  }
  return {
    apiVersion: API_VERSION,
    kind: 'Function',
    metadata: {
      ...meta,
      name: record.spec.name,
      namespace,
      labels: { ...meta.labels, [LABELS.partOf]: 'lamina' },
      annotations: {
        ...withAnnotations(Object.fromEntries(annotations), {
          ...specAnnotations(record.spec, envSecret),
          ...egressAnnotation(record.spec, baseAnnotations),
        }),
        [ANNOTATIONS.revisionId]: record.revisionId,
        [ANNOTATIONS.lastModified]: record.lastModified,
        [ANNOTATIONS.codeSize]: String(record.code.size),
        [ANNOTATIONS.tags]: JSON.stringify(record.tags),
      },
    },
    spec: mergeSpec(
      base?.spec,
      toResourceSpec(record.spec, record.code, envSecret),
      baseAnnotations[ANNOTATIONS.environmentSecret],
    ),
  };
}

/** Fields of the spec the Lambda API owns; the rest (asyncInvokeConfig, valueFrom …) stays. */
const MANAGED_KEYS = new Set([
  'runtime',
  'handler',
  'description',
  'role',
  'memorySize',
  'timeout',
  'ephemeralStorage',
  'environment',
  'code',
  'architectures',
  'reservedConcurrency',
  'layers',
  'imageConfig',
  'loggingConfig',
]);

/** `next` with what `base` has beyond the API's fields; references to `baseEnvSecret` are replaced. */
function mergeSpec(
  base: FunctionResourceSpec | undefined,
  next: FunctionResourceSpec,
  baseEnvSecret: string | undefined,
): FunctionResourceSpec {
  if (base === undefined) return next;
  const kept = Object.fromEntries(Object.entries(base).filter(([k]) => !MANAGED_KEYS.has(k)));
  const foreign = foreignRefs(base, baseEnvSecret);
  const environment =
    foreign === undefined
      ? next.environment
      : { ...next.environment, valueFrom: { ...foreign, ...next.environment?.valueFrom } };
  return {
    ...kept,
    ...next,
    ...(environment === undefined ? {} : { environment }),
  };
}
