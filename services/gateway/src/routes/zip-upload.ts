import { LaminaError } from '@lamina/core';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The zip of a code upload: CreateFunction's `Code` or UpdateFunctionCode's body. `prefix` names
 * the fields in messages (`Code.` or nothing). S3 and image sources do not exist in local mode.
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
  if (!BASE64.test(zip)) {
    throw new LaminaError(
      'InvalidParameterValueException',
      `${prefix}ZipFile must be base64-encoded.`,
    );
  }
  return Buffer.from(zip, 'base64');
}
