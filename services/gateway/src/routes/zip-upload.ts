import { LaminaError, LIMITS } from '@lamina/core';
import { isBase64 } from '@lamina/service-kit/unpack-zip';

export { isBase64 };

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
