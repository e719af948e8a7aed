/**
 * Lambda layers as a platform-neutral value: a layer version's record, its ARNs, its API shapes
 * (GetLayerVersion, ListLayerVersions, ListLayers), the `Layers` of a function, and the store
 * contract both modes implement (files in local mode, custom resources in a cluster).
 *
 * Invariants:
 * - A layer version is immutable once published; versions are numbered from 1 per layer name
 *   and a number is never given out twice, even after its version was deleted.
 * - A function's layer entry carries the content hash of the version it named, so the function
 *   keeps running that content after the layer version is deleted (the code collector treats
 *   those hashes as referenced).
 * - Pure: no I/O.
 */
import { InvalidParameterValueException, ValidationException } from './errors.js';
import type { ArnContext } from './names.js';

/** One published layer version. */
export interface LayerVersionRecord {
  readonly layerName: string;
  /** 1, 2, … per layer name; never reused. */
  readonly version: number;
  readonly description: string;
  /** Lambda's timestamp format: 2020-04-10T19:06:32.563+0000. */
  readonly createdDate: string;
  readonly compatibleRuntimes: readonly string[];
  readonly compatibleArchitectures: readonly string[];
  readonly licenseInfo?: string;
  /** base64 SHA-256 of the zip (Content.CodeSha256). */
  readonly sha256: string;
  /** Bytes of the zip (Content.CodeSize). */
  readonly size: number;
}

/** A layer of a function (FunctionConfiguration.Layers), resolved when the function was set. */
export interface FunctionLayer {
  /** The LayerVersionArn the function named. */
  readonly arn: string;
  readonly codeSize: number;
  /** base64 SHA-256 of the layer's zip: what the environment unpacks into /opt. */
  readonly sha256: string;
}

/**
 * Where layer versions live. Reads are synchronous and from memory (the code collector asks on
 * every sweep); writes raise Lambda's errors.
 */
export interface LayerStore {
  get(layerName: string, version: number): LayerVersionRecord | undefined;
  /** Every live version, of one layer or of all, ordered by name then version. */
  list(layerName?: string): readonly LayerVersionRecord[];
  /** Stores the record `make` builds with the next number of that layer (never one used before). */
  publish(
    layerName: string,
    make: (version: number) => LayerVersionRecord,
  ): Promise<LayerVersionRecord>;
  /** Removes a version; nothing happens when it does not exist (DeleteLayerVersion is idempotent). */
  delete(layerName: string, version: number): Promise<void>;
  onChange(listener: (layerName: string) => void): () => void;
  close(): Promise<void>;
}

/** At most this many layers per function. */
export const MAX_FUNCTION_LAYERS = 5;

const LAYER_NAME = /^[a-zA-Z0-9-_]{1,140}$/;
const LAYER_NAME_OR_ARN =
  /^(?:arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:([a-zA-Z0-9-_]+)|([a-zA-Z0-9-_]+))$/;
const LAYER_VERSION_ARN =
  /^arn:[a-zA-Z0-9-]+:lambda:([a-zA-Z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+):([0-9]+)$/;
const LAYER_VERSION_ARN_PATTERN =
  'arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+';

export function layerArn(ctx: ArnContext, layerName: string): string {
  return `arn:aws:lambda:${ctx.region}:${ctx.accountId}:layer:${layerName}`;
}

export function layerVersionArn(ctx: ArnContext, layerName: string, version: number): string {
  return `${layerArn(ctx, layerName)}:${String(version)}`;
}

/** The LayerName path parameter: a name or a layer ARN (without version) → the name. */
export function parseLayerName(value: string): string {
  const m = value.length <= 140 ? LAYER_NAME_OR_ARN.exec(value) : null;
  const name = m?.[1] ?? m?.[2];
  if (name === undefined || !LAYER_NAME.test(name)) {
    throw new ValidationException(
      "1 validation error detected: Value at 'layerName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+",
    );
  }
  return name;
}

export interface LayerVersionRef {
  readonly region: string;
  readonly accountId: string;
  readonly layerName: string;
  readonly version: number;
}

/** A LayerVersionArn, or undefined when it is not one. */
export function parseLayerVersionArn(arn: string): LayerVersionRef | undefined {
  const m = arn.length <= 140 ? LAYER_VERSION_ARN.exec(arn) : null;
  if (m === null) return undefined;
  const [, region = '', accountId = '', layerName = '', version = ''] = m;
  const n = Number(version);
  return Number.isSafeInteger(n) ? { region, accountId, layerName, version: n } : undefined;
}

/** GetLayerVersionByArn's Arn: ValidationException in Lambda's words when malformed. */
export function assertLayerVersionArn(arn: string, field = 'arn'): LayerVersionRef {
  const ref = parseLayerVersionArn(arn);
  if (ref === undefined) {
    throw new ValidationException(
      `1 validation error detected: Value '${arn}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${LAYER_VERSION_ARN_PATTERN}`,
    );
  }
  return ref;
}

/**
 * A function's `Layers` request member: at most five LayerVersionArns, no layer twice. Lambda's
 * errors: ValidationException for the shape, InvalidParameterValueException for the rules.
 */
export function functionLayerArns(value: unknown): readonly LayerVersionRef[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new ValidationException(
      "'Layers' value failed to satisfy constraint: Member must be a list of strings",
    );
  }
  const arns = value as string[];
  const refs = arns.map((arn) => {
    const ref = parseLayerVersionArn(arn);
    if (ref === undefined) {
      throw new ValidationException(
        `1 validation error detected: Value '[${arns.join(', ')}]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 140, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ${LAYER_VERSION_ARN_PATTERN}, Member must not be null]`,
      );
    }
    return ref;
  });
  if (refs.length > MAX_FUNCTION_LAYERS) {
    throw new InvalidParameterValueException(
      `Cannot reference more than ${String(MAX_FUNCTION_LAYERS)} layers.`,
    );
  }
  const seen = new Set<string>();
  for (const [i, ref] of refs.entries()) {
    const key = `${ref.region}:${ref.accountId}:${ref.layerName}`;
    if (seen.has(key)) {
      throw new InvalidParameterValueException(
        `Two different versions of the same layer are not allowed to be referenced in the same function. ${arns[i] ?? ''}`,
      );
    }
    seen.add(key);
  }
  return refs;
}

/** The Content.Location of a layer version's zip (the gateway's code route). */
export type LayerContentLocation = (record: LayerVersionRecord) => string;

/** GetLayerVersion / PublishLayerVersion's answer. */
export function toLayerVersionOutput(
  r: LayerVersionRecord,
  ctx: ArnContext,
  location: LayerContentLocation,
): Record<string, unknown> {
  return {
    Content: { Location: location(r), CodeSha256: r.sha256, CodeSize: r.size },
    LayerArn: layerArn(ctx, r.layerName),
    LayerVersionArn: layerVersionArn(ctx, r.layerName, r.version),
    Description: r.description,
    CreatedDate: r.createdDate,
    Version: r.version,
    CompatibleRuntimes: [...r.compatibleRuntimes],
    CompatibleArchitectures: [...r.compatibleArchitectures],
    ...(r.licenseInfo === undefined ? {} : { LicenseInfo: r.licenseInfo }),
  };
}

/** An item of ListLayerVersions (and ListLayers' LatestMatchingVersion). */
export function toLayerVersionsListItem(
  r: LayerVersionRecord,
  ctx: ArnContext,
): Record<string, unknown> {
  return {
    LayerVersionArn: layerVersionArn(ctx, r.layerName, r.version),
    Version: r.version,
    Description: r.description,
    CreatedDate: r.createdDate,
    CompatibleRuntimes: [...r.compatibleRuntimes],
    CompatibleArchitectures: [...r.compatibleArchitectures],
    ...(r.licenseInfo === undefined ? {} : { LicenseInfo: r.licenseInfo }),
  };
}

/** True when a version passes ListLayers/ListLayerVersions' CompatibleRuntime/Architecture. */
export function layerMatches(
  r: LayerVersionRecord,
  filter: { readonly runtime?: string | undefined; readonly architecture?: string | undefined },
): boolean {
  if (filter.runtime !== undefined && !r.compatibleRuntimes.includes(filter.runtime)) return false;
  return (
    filter.architecture === undefined || r.compatibleArchitectures.includes(filter.architecture)
  );
}

/** Hex SHA-256s of a function's layers, in merge order (later ones override earlier files). */
export function layerHashes(layers: readonly FunctionLayer[] | undefined): readonly string[] {
  return (layers ?? []).map((l) => Buffer.from(l.sha256, 'base64').toString('hex'));
}
