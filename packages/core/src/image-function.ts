/**
 * Container-image functions (PackageType Image, ADR 0028): the `ImageUri` reference, the
 * `ImageConfig` overrides of the image's ENTRYPOINT/CMD/WORKDIR, and the identity that stands in
 * for a zip's hash.
 *
 * Invariants: pure (node:crypto only). An accepted `ImageUri` always names a tag or a digest
 * (never an implied `latest`). Lamina talks to no registry, so a tag is never resolved to a
 * digest here: `imageIdentityHex` is the digest when the reference carries one, else the SHA-256
 * of the reference text — the same reference always gives the same identity, a new tag a new one.
 */
import { createHash } from 'node:crypto';

import { InvalidParameterValueException, ValidationException } from './errors.js';

/** ImageConfig of CreateFunction/UpdateFunctionConfiguration; absent fields keep the image's. */
export interface ImageConfig {
  /** Replaces the image's ENTRYPOINT. */
  readonly entryPoint?: readonly string[];
  /** Replaces the image's CMD (for AWS's base images: the handler). */
  readonly command?: readonly string[];
  /** Replaces the image's WORKDIR. */
  readonly workingDirectory?: string;
}

export type PackageType = 'Zip' | 'Image';

/** Lambda's limits on ImageConfig (API reference: 1,500 items, 1,000 characters). */
const MAX_ITEMS = 1500;
const MAX_WORKING_DIRECTORY = 1000;
/** Lambda's ImageUri is a string; the CRD keeps at most this many characters. */
export const IMAGE_URI_MAX_LENGTH = 1024;

// The distribution reference grammar (docker/distribution reference.go), anchored: optional
// registry host[:port], a lowercase path, then `:tag`, `@sha256:<hex>` or both.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN =
  '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?)';
const REFERENCE = new RegExp(
  `^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::([\\w][\\w.-]{0,127}))?(?:@sha256:([a-f0-9]{64}))?$`,
);

/** The parts of a valid reference that matter here. */
export interface ImageReference {
  readonly uri: string;
  readonly tag?: string;
  /** Hex, without `sha256:`. */
  readonly digest?: string;
}

/** Parses an ImageUri; undefined when it is no reference with a tag or a digest. */
export function parseImageUri(uri: string): ImageReference | undefined {
  if (uri.length > IMAGE_URI_MAX_LENGTH) return undefined;
  const m = REFERENCE.exec(uri);
  if (m === null) return undefined;
  const [, tag, digest] = m;
  // The first path part of `host:5000/app` is a registry, not `host` with tag `5000/app`: the
  // grammar above already keeps `/` out of a tag, so a tag here is the reference's own.
  if (tag === undefined && digest === undefined) return undefined;
  return {
    uri,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
}

/** Code.ImageUri as CreateFunction/UpdateFunctionCode take it, or InvalidParameterValue. */
export function assertImageUri(value: unknown): ImageReference {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidParameterValueException('Please provide a source for function code.');
  }
  const ref = parseImageUri(value);
  if (ref === undefined) {
    throw new InvalidParameterValueException(
      `Source image ${value} is not valid. Provide a valid source image: a reference with a tag or a digest (name:tag or name@sha256:<digest>).`,
    );
  }
  return ref;
}

/** Hex identity of an image reference: its digest, else the SHA-256 of the reference text. */
export function imageIdentityHex(uri: string): string {
  const digest = parseImageUri(uri)?.digest;
  return digest ?? createHash('sha256').update(uri).digest('hex');
}

function stringList(field: string, value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new ValidationException(
      `'ImageConfig.${field}' value failed to satisfy constraint: Member must be a list of strings`,
    );
  }
  if (value.length > MAX_ITEMS) {
    throw new ValidationException(
      `'ImageConfig.${field}' value failed to satisfy constraint: Member must have length less than or equal to ${MAX_ITEMS}`,
    );
  }
  return value as string[];
}

/**
 * ImageConfig of a request: undefined when absent; `{}` (every field absent) clears the
 * overrides, as UpdateFunctionConfiguration does with an empty ImageConfig.
 */
export function parseImageConfig(value: unknown): ImageConfig | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationException(
      "'ImageConfig' value failed to satisfy constraint: Member must be a structure",
    );
  }
  const v = value as Record<string, unknown>;
  const entryPoint = stringList('EntryPoint', v['EntryPoint']);
  const command = stringList('Command', v['Command']);
  const wd = v['WorkingDirectory'];
  if (wd !== undefined && wd !== null) {
    if (typeof wd !== 'string' || wd.length > MAX_WORKING_DIRECTORY) {
      throw new ValidationException(
        `'ImageConfig.WorkingDirectory' value failed to satisfy constraint: Member must have length less than or equal to ${MAX_WORKING_DIRECTORY}`,
      );
    }
  }
  return {
    ...(entryPoint === undefined ? {} : { entryPoint }),
    ...(command === undefined ? {} : { command }),
    ...(typeof wd === 'string' && wd !== '' ? { workingDirectory: wd } : {}),
  };
}

/** True when the config overrides nothing (stored as absent). */
export function isEmptyImageConfig(c: ImageConfig | undefined): boolean {
  return (
    c === undefined ||
    (c.entryPoint === undefined && c.command === undefined && c.workingDirectory === undefined)
  );
}

/** The PackageType of a request; `Zip` when absent. */
export function parsePackageType(value: unknown): PackageType {
  if (value === undefined || value === null || value === 'Zip') return 'Zip';
  if (value === 'Image') return 'Image';
  throw new ValidationException(
    "'PackageType' value failed to satisfy constraint: Member must satisfy enum value set: [Zip, Image]",
  );
}

/** Lambda's answer to Runtime, Handler or Layers given with PackageType Image. */
export function imageFieldsError(): InvalidParameterValueException {
  return new InvalidParameterValueException(
    "Please don't provide Handler or Runtime or Layer when the intended function PackageType is Image.",
  );
}

/** ImageConfigResponse of FunctionConfiguration. */
export function imageConfigResponse(c: ImageConfig): Record<string, unknown> {
  return {
    ImageConfig: {
      ...(c.entryPoint === undefined ? {} : { EntryPoint: [...c.entryPoint] }),
      ...(c.command === undefined ? {} : { Command: [...c.command] }),
      ...(c.workingDirectory === undefined ? {} : { WorkingDirectory: c.workingDirectory }),
    },
  };
}
