import { LaminaError, LIMITS } from '@lamina/core';

const ALPHABET = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')
  ALPHABET[c.charCodeAt(0)] = 1;

/**
 * `/^[A-Za-z0-9+/]*={0,2}$/` as a loop: on a 12 MB ZipFile the regex held the event loop about
 * three times as long (bench/hostile-zip), and every upload passes here.
 */
export function isBase64(s: string): boolean {
  let end = s.length;
  while (end > 0 && s.length - end < 2 && s.charCodeAt(end - 1) === 61) end--;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || ALPHABET[c] !== 1) return false;
  }
  return true;
}

/** Bytes the base64 text decodes to, without decoding it. */
const decodedLength = (b64: string): number =>
  Math.floor((b64.length * 3) / 4) - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0);

/**
 * The zip of a code upload: CreateFunction's `Code` or UpdateFunctionCode's body. `prefix` names
 * the fields in messages (`Code.` or nothing). S3 and image sources do not exist in local mode.
 * A zip over Lambda's zipped limit is refused (413, the limit named) before it is decoded.
 */
export function zipFromUpload(fields: Readonly<Record<string, unknown>>, prefix: string): Buffer {
  if (
    fields['S3Bucket'] !== undefined ||
    fields['S3Key'] !== undefined ||
    fields['ImageUri'] !== undefined
  ) {
    throw new LaminaError(
      'InvalidParameterValueException',
      `Code from S3 or a container image is not supported in local mode; upload ${prefix}ZipFile.`,
    );
  }
  const zip = fields['ZipFile'];
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
