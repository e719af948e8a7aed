/**
 * The code of a container-image function (ADR 0028) from CreateFunction's `Code` or
 * UpdateFunctionCode's body: the validated `ImageUri`, no zip. The code store holds nothing for
 * it: the node (or Docker, in local mode) pulls the image when an environment starts.
 *
 * Invariants: `sha256` is the base64 of `imageIdentityHex(uri)`, so a new reference is new code
 * (environments are replaced, PublishVersion sees a change) and the same reference is the same.
 */
import {
  assertImageUri,
  type FunctionCode,
  imageIdentityHex,
  InvalidParameterValueException,
  type PackageType,
} from '@lamina/core';

/** The code of an image function; refuses a zip or S3 source next to it. */
export function imageCodeOf(fields: Readonly<Record<string, unknown>>): FunctionCode {
  if (fields['ZipFile'] !== undefined || fields['S3Bucket'] !== undefined) {
    throw new InvalidParameterValueException(
      'Please provide ImageUri when updating a function with packageType Image.',
    );
  }
  const { uri } = assertImageUri(fields['ImageUri']);
  return {
    sha256: Buffer.from(imageIdentityHex(uri), 'hex').toString('base64'),
    size: 0,
    location: uri,
    imageUri: uri,
  };
}

/** An ImageUri given for a function whose package is a zip. */
export function assertNoImageUri(
  fields: Readonly<Record<string, unknown>>,
  packageType: PackageType,
): void {
  if (packageType === 'Zip' && fields['ImageUri'] !== undefined) {
    throw new InvalidParameterValueException(
      "Please don't provide ImageUri when updating a function with packageType Zip.",
    );
  }
}
