/**
 * The zip of a code upload or of an S3 object: CreateFunction's `Code`, UpdateFunctionCode's
 * body, PublishLayerVersion's `Content`.
 *
 * Invariants: a ZipFile over Lambda's zipped limit is refused (413, the limit named) before it
 * is decoded; an S3 source is read only through the configured S3CodeSource, at most Lambda's
 * unzipped limit of bytes (an S3 zip may be that big, an uploaded one not); a request naming both
 * sources, or half an S3 location, is refused before anything is read.
 */
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';

import { LaminaError, LIMITS, type ZipSource } from '@lamina/core';

import { isBase64 } from '@lamina/service-kit/unpack-zip';

import type { S3CodeSource, S3Location } from '../code/s3-code-source.js';

export { isBase64 };

/** Bytes the base64 text decodes to, without decoding it. */
const decodedLength = (b64: string): number =>
  Math.floor((b64.length * 3) / 4) - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0);

type Fields = Readonly<Record<string, unknown>>;

const S3_FIELDS = ['S3Bucket', 'S3Key', 'S3ObjectVersion'] as const;

/** The S3 location the fields name, or undefined when they name none. */
export function s3LocationOf(fields: Fields, prefix: string): S3Location | undefined {
  if (S3_FIELDS.every((f) => fields[f] === undefined || fields[f] === null)) return undefined;
  if (fields['ZipFile'] !== undefined && fields['ZipFile'] !== null) {
    throw new LaminaError(
      'InvalidParameterValueException',
      `Please provide either ${prefix}ZipFile or ${prefix}S3Bucket and ${prefix}S3Key, not both.`,
    );
  }
  const [bucket, key, version] = S3_FIELDS.map((f) => fields[f]);
  if (typeof bucket !== 'string' || bucket === '' || typeof key !== 'string' || key === '') {
    throw new LaminaError(
      'InvalidParameterValueException',
      `Code from S3 needs both ${prefix}S3Bucket and ${prefix}S3Key.`,
    );
  }
  if (version !== undefined && version !== null && (typeof version !== 'string' || !version)) {
    throw new LaminaError(
      'InvalidParameterValueException',
      `${prefix}S3ObjectVersion must be a non-empty string.`,
    );
  }
  return { bucket, key, ...(typeof version === 'string' ? { version } : {}) };
}

/**
 * The zip the fields give: ZipFile's bytes, or the S3 object they name read through `s3`
 * (absent: no S3 endpoint is configured, a clear 400), spooled to a file the code store's
 * putZip consumes. `prefix` names the fields in messages.
 */
export async function zipOfCode(
  fields: Fields,
  prefix: string,
  s3: S3CodeSource | undefined,
): Promise<ZipSource> {
  const location = s3LocationOf(fields, prefix);
  if (location === undefined) return zipFromUpload(fields, prefix);
  if (fields['ImageUri'] !== undefined) {
    throw new LaminaError(
      'InvalidParameterValueException',
      `Please don't provide ${prefix}ImageUri with ${prefix}S3Bucket and ${prefix}S3Key.`,
    );
  }
  if (s3 === undefined) {
    throw new LaminaError(
      'InvalidParameterValueException',
      `Code from S3 (${prefix}S3Bucket, ${prefix}S3Key) needs an S3 endpoint, and this gateway ` +
        `has none: set LAMINA_S3_ENDPOINT (the chart's s3.endpoint), or upload ${prefix}ZipFile.`,
    );
  }
  return s3.getZip(location, LIMITS.unzippedMaxBytes);
}

/** CodeSha256 (base64) and CodeSize of a zip, without storing it (DryRun). */
export function zipDigest(zip: ZipSource): { sha256: string; size: number } {
  if (Buffer.isBuffer(zip)) {
    return { sha256: createHash('sha256').update(zip).digest('base64'), size: zip.length };
  }
  return { sha256: Buffer.from(zip.sha256Hex, 'hex').toString('base64'), size: zip.size };
}

/** Drops a zip that will not be stored (its spooled file, if any). */
export async function discardZip(zip: ZipSource | undefined): Promise<void> {
  if (zip !== undefined && !Buffer.isBuffer(zip)) await rm(zip.path, { force: true });
}

/**
 * The zip of a code upload (`ZipFile`). `prefix` names the fields in messages (`Code.` or
 * nothing). A zip over Lambda's zipped limit is refused (413, the limit named) before it is
 * decoded.
 */
export function zipFromUpload(fields: Fields, prefix: string): Buffer {
  if (fields['ImageUri'] !== undefined) {
    throw new LaminaError(
      'InvalidParameterValueException',
      `A container image is not code for a zip function; upload ${prefix}ZipFile.`,
    );
  }
  const zip = fields['ZipFile'];
  // A big body's zip, decoded already off the event loop (http/body.ts, upload-decode.ts).
  if (Buffer.isBuffer(zip) && zip.length > 0) {
    if (zip.length > LIMITS.zipMaxBytes) {
      throw new LaminaError(
        'RequestEntityTooLargeException',
        `Zipped size must be smaller than ${LIMITS.zipMaxBytes} bytes`,
      );
    }
    return zip;
  }
  if (typeof zip !== 'string' || zip.length === 0) {
    throw new LaminaError(
      'InvalidParameterValueException',
      `${prefix}ZipFile is required: the base64 of a .zip deployment package.`,
    );
  }
  if (!isBase64(zip)) {
    throw new LaminaError(
      'InvalidParameterValueException',
      `${prefix}ZipFile must be base64-encoded.`,
    );
  }
  if (decodedLength(zip) > LIMITS.zipMaxBytes) {
    throw new LaminaError(
      'RequestEntityTooLargeException',
      `Zipped size must be smaller than ${LIMITS.zipMaxBytes} bytes`,
    );
  }
  return Buffer.from(zip, 'base64');
}
