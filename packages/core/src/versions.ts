import {
  InvalidParameterValueException,
  PreconditionFailedException,
  ValidationException,
} from './errors.js';
import {
  type FunctionCode,
  type FunctionRecord,
  toFunctionConfiguration,
} from './function-record.js';
import type { FunctionSpec } from './function-spec.js';
import { layerHashes } from './layers.js';
import { type ArnContext, functionArn, LATEST } from './names.js';
import type { FunctionVersionConfig } from './worker-protocol.js';

/**
 * Published versions and aliases (reference §9): a version is an immutable snapshot of a
 * function's code and version-specific configuration, numbered 1, 2, … and never reused; an
 * alias points at one version, optionally sending a share of calls to a second one.
 */

/** A published version as a version store keeps it. Never changes once stored. */
export interface VersionRecord {
  readonly functionName: string;
  /** `1`, `2`, … */
  readonly version: string;
  /** The function spec when published (reserved concurrency is per function and left out). */
  readonly spec: FunctionSpec;
  /** The code when published; its location never changes afterwards. */
  readonly code: FunctionCode;
  readonly description: string;
  readonly lastModified: string;
  /** This version's own RevisionId. */
  readonly revisionId: string;
}

export interface AliasRecord {
  readonly functionName: string;
  readonly name: string;
  /** A version number or `$LATEST`. */
  readonly functionVersion: string;
  readonly description: string;
  /** `{ "<version>": weight }`, at most one entry; empty = no weighted routing. */
  readonly additionalVersionWeights: Readonly<Record<string, number>>;
  readonly revisionId: string;
}

const VERSION_NUMBER = /^[1-9][0-9]{0,9}$/;
const ALIAS_NAME = /^[a-zA-Z0-9_-]{1,128}$/;
const ALL_DIGITS = /^[0-9]+$/;

/** True for a published version number (`1`, `2`, …), false for `$LATEST` and aliases. */
export function isVersionNumber(qualifier: string): boolean {
  return VERSION_NUMBER.test(qualifier);
}

/** Alias names: 1–128 of `[a-zA-Z0-9-_]`, not only digits (that reads as a version). */
export function assertAliasName(name: unknown, field = 'Name'): asserts name is string {
  if (typeof name !== 'string' || !ALIAS_NAME.test(name) || ALL_DIGITS.test(name)) {
    throw new ValidationException(
      `1 validation error detected: Value '${String(name)}' at '${field.toLowerCase()}' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)`,
    );
  }
}

/** An alias's FunctionVersion: a version number or `$LATEST`. */
export function assertAliasTarget(value: unknown): asserts value is string {
  if (typeof value !== 'string' || (value !== LATEST && !VERSION_NUMBER.test(value))) {
    throw new ValidationException(
      `1 validation error detected: Value '${String(value)}' at 'functionVersion' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\$LATEST|[0-9]+)`,
    );
  }
}

/**
 * `RoutingConfig` of CreateAlias/UpdateAlias: `{ AdditionalVersionWeights: { "2": 0.3 } }`.
 * Undefined (absent) stays undefined; `{}` means no weighted routing.
 */
export function parseRoutingConfig(value: unknown): Record<string, number> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationException(
      "'RoutingConfig' value failed to satisfy constraint: Member must be a structure",
    );
  }
  const weights = (value as Record<string, unknown>)['AdditionalVersionWeights'];
  if (weights === undefined || weights === null) return {};
  if (typeof weights !== 'object' || Array.isArray(weights)) {
    throw new ValidationException(
      "'RoutingConfig.AdditionalVersionWeights' value failed to satisfy constraint: Member must be a map",
    );
  }
  const out: Record<string, number> = {};
  for (const [version, weight] of Object.entries(weights as Record<string, unknown>)) {
    if (!VERSION_NUMBER.test(version)) {
      throw new ValidationException(
        `1 validation error detected: Value '${version}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [0-9]+]`,
      );
    }
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0 || weight > 1) {
      throw new ValidationException(
        `1 validation error detected: Value '${String(weight)}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]`,
      );
    }
    out[version] = weight;
  }
  if (Object.keys(out).length > 1) {
    throw new InvalidParameterValueException(
      'Number of items in AdditionalVersionWeights cannot be greater than 1.',
    );
  }
  return out;
}

/**
 * Cross-field alias rules: weighted routing needs a published primary version different from
 * the additional one, and both must exist with the same role. `versionOf` reads the store.
 */
export function assertAliasRouting(
  alias: Pick<AliasRecord, 'functionName' | 'functionVersion' | 'additionalVersionWeights'>,
  versionOf: (version: string) => Pick<VersionRecord, 'spec'> | undefined,
  ctx: ArnContext,
): void {
  const notFound = (v: string): Error =>
    new InvalidParameterValueException(
      `Function not found: ${functionArn(ctx, alias.functionName, v)}`,
    );
  const primary = alias.functionVersion;
  const primaryRecord = primary === LATEST ? undefined : versionOf(primary);
  if (primary !== LATEST && primaryRecord === undefined) throw notFound(primary);
  const [additional] = Object.keys(alias.additionalVersionWeights);
  if (additional === undefined) return;
  if (primary === LATEST) {
    throw new InvalidParameterValueException(
      '$LATEST is not supported for an alias pointing to more than 1 version',
    );
  }
  if (additional === primary) {
    throw new InvalidParameterValueException(
      `Invalid function version ${additional}. Function version ${additional} is already included in routing configuration.`,
    );
  }
  const additionalRecord = versionOf(additional);
  if (additionalRecord === undefined) throw notFound(additional);
  if (additionalRecord.spec.role !== primaryRecord?.spec.role) {
    throw new InvalidParameterValueException(
      'The primary version and the additional version of an alias must have the same role.',
    );
  }
}

/**
 * Which version an invocation of `alias` runs: the additional version with its weight's
 * probability, otherwise the primary. `random` is one draw in [0, 1).
 */
export function pickAliasVersion(
  alias: Pick<AliasRecord, 'functionVersion' | 'additionalVersionWeights'>,
  random: number,
): string {
  for (const version in alias.additionalVersionWeights) {
    const weight = alias.additionalVersionWeights[version] ?? 0;
    return random < weight ? version : alias.functionVersion;
  }
  return alias.functionVersion;
}

/** The version-specific part of a spec: what a new version would freeze. */
function versionedSpec(spec: FunctionSpec): Omit<FunctionSpec, 'reservedConcurrency'> {
  const rest: FunctionSpec = { ...spec };
  delete (rest as { reservedConcurrency?: number }).reservedConcurrency;
  return rest;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** True when `$LATEST` (its spec and the code sha) differs from version `last`. */
export function changedSinceVersion(
  latest: { readonly spec: FunctionSpec; readonly codeSha256: string },
  last: VersionRecord | undefined,
): boolean {
  if (last === undefined) return true;
  if (latest.codeSha256 !== last.code.sha256) return true;
  return !sameJson(sortKeys(versionedSpec(latest.spec)), sortKeys(versionedSpec(last.spec)));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort())
    out[k] = sortKeys((value as Record<string, unknown>)[k]);
  return out;
}

/** The record of a new version `version` of `latest`, with its code already frozen. */
export function newVersionRecord(
  latest: FunctionRecord,
  o: {
    readonly version: string;
    readonly code: FunctionCode;
    readonly description: string | undefined;
    readonly lastModified: string;
    readonly revisionId: string;
  },
): VersionRecord {
  return {
    functionName: latest.spec.name,
    version: o.version,
    spec: versionedSpec(latest.spec),
    code: o.code,
    description: o.description ?? latest.spec.description,
    lastModified: o.lastModified,
    revisionId: o.revisionId,
  };
}

/** The FunctionConfiguration JSON of a version; `qualifier` is what the caller named (alias). */
export function toVersionConfiguration(
  v: VersionRecord,
  ctx: ArnContext,
  qualifier: string = v.version,
  options: { readonly listing?: boolean } = {},
): Record<string, unknown> {
  const asRecord: FunctionRecord = {
    spec: { ...v.spec, description: v.description },
    code: v.code,
    lastModified: v.lastModified,
    revisionId: v.revisionId,
    state: 'Active',
    lastUpdateStatus: 'Successful',
    tags: {},
    source: 'api',
  };
  return {
    ...toFunctionConfiguration(asRecord, ctx, options),
    FunctionArn: functionArn(ctx, v.functionName, qualifier),
    Version: v.version,
  };
}

/** The AliasConfiguration JSON of the Lambda API. */
export function toAliasConfiguration(a: AliasRecord, ctx: ArnContext): Record<string, unknown> {
  const weighted = Object.keys(a.additionalVersionWeights).length > 0;
  return {
    AliasArn: functionArn(ctx, a.functionName, a.name),
    Name: a.name,
    FunctionVersion: a.functionVersion,
    Description: a.description,
    ...(weighted
      ? { RoutingConfig: { AdditionalVersionWeights: { ...a.additionalVersionWeights } } }
      : {}),
    RevisionId: a.revisionId,
  };
}

/** What an execution environment of a version starts with. */
export function versionEnvironmentConfig(
  v: Pick<VersionRecord, 'functionName' | 'version' | 'spec' | 'code'>,
  ctx: ArnContext,
): FunctionVersionConfig {
  const s = v.spec;
  return Object.freeze({
    name: v.functionName,
    version: v.version,
    runtime: s.runtime,
    handler: s.handler,
    memorySize: s.memorySize,
    timeout: s.timeout,
    ephemeralStorage: s.ephemeralStorage,
    environment: s.environment,
    codeDir: v.code.location,
    codeSha256: v.code.sha256,
    ...(v.code.imageUri === undefined ? {} : { image: { ...s.imageConfig, uri: v.code.imageUri } }),
    ...(s.layers === undefined || s.layers.length === 0 ? {} : { layers: layerHashes(s.layers) }),
    ...(s.role === '' ? {} : { role: s.role }),
    functionArn: functionArn(ctx, v.functionName),
    region: ctx.region,
    ...(s.logging === undefined ? {} : { logging: s.logging }),
  });
}

/**
 * The `RevisionId` precondition: absent passes; anything else must equal `current`, or the
 * request is refused with 412 PreconditionFailedException, in Lambda's words.
 */
export function assertRevision(given: unknown, current: string, what: 'function' | 'alias'): void {
  if (given === undefined || given === null) return;
  if (typeof given !== 'string') {
    throw new ValidationException(
      "'RevisionId' value failed to satisfy constraint: Member must be a string",
    );
  }
  if (given !== current) {
    const api = what === 'alias' ? 'GetAlias' : 'GetFunction';
    throw new PreconditionFailedException(
      `The Revision Id provided does not match the latest Revision Id. Call the ${api} API to retrieve the latest Revision Id`,
    );
  }
}
