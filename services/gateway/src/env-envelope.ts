/**
 * The envelope of a function's variables at rest, one format for both modes (ADR 0035, 0046):
 * the variables' JSON is encrypted (AES-256-GCM) with a fresh 256-bit data key, and the data key
 * with a wrapping key — local mode's state key or a KMS key (a file in local mode, a labelled
 * Secret in a cluster). The function name is GCM's additional data of both, so an envelope copied
 * to another function does not open.
 *
 * Invariants: pure (node:crypto only); `openEnvelope` either returns a map of strings or throws
 * (`EnvelopeFormatError` for a value that is no envelope, `EnvelopeKeyError` when the key does not
 * open it: wrong key or tampered bytes).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** The sealed form of an environment. */
export interface SealedEnvironment {
  readonly v: 1;
  readonly alg: 'AES-256-GCM';
  /** Which key wrapped the data key: `local` (the state dir's key file) or `kms:<key id>`. */
  readonly keyId: string;
  /** The data key, encrypted: iv (12) ‖ tag (16) ‖ ciphertext (32), base64. */
  readonly dataKey: string;
  /** The variables' JSON, encrypted with the data key: iv ‖ tag ‖ ciphertext, base64. */
  readonly data: string;
}

export class EnvelopeFormatError extends Error {}
export class EnvelopeKeyError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function encrypt(key: Buffer, plain: Buffer, aad: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function decrypt(key: Buffer, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < 28) throw new Error('sealed value too short');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(sealed.subarray(12, 28));
  return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
}

/** Seals `environment` for `binding` (the function name) under `key`, named `keyId`. */
export function sealEnvelope(
  environment: Readonly<Record<string, string>>,
  binding: string,
  key: Buffer,
  keyId: string,
): SealedEnvironment {
  const dataKey = randomBytes(32);
  const data = encrypt(dataKey, Buffer.from(JSON.stringify(environment), 'utf8'), binding);
  return {
    v: 1,
    alg: 'AES-256-GCM',
    keyId,
    dataKey: encrypt(key, dataKey, binding).toString('base64'),
    data: data.toString('base64'),
  };
}

/** The key id an envelope names; throws EnvelopeFormatError when it is no envelope of ours. */
export function envelopeKeyId(sealed: unknown): string {
  if (!isObject(sealed) || sealed['v'] !== 1 || typeof sealed['keyId'] !== 'string')
    throw new EnvelopeFormatError('unknown sealed environment format');
  if (typeof sealed['dataKey'] !== 'string' || typeof sealed['data'] !== 'string')
    throw new EnvelopeFormatError('sealed environment lacks dataKey or data');
  return sealed['keyId'];
}

/** The variables of an envelope opened with `key` (`where` names the key in messages). */
export function openEnvelope(
  sealed: unknown,
  binding: string,
  key: Buffer,
  where: string,
): Record<string, string> {
  envelopeKeyId(sealed);
  const { dataKey, data } = sealed as SealedEnvironment;
  let plain: Buffer;
  try {
    const opened = decrypt(key, Buffer.from(dataKey, 'base64'), binding);
    plain = decrypt(opened, Buffer.from(data, 'base64'), binding);
  } catch (err) {
    throw new EnvelopeKeyError(
      `the sealed environment does not open with ${where}: ${(err as Error).message}`,
    );
  }
  const env: unknown = JSON.parse(plain.toString('utf8'));
  if (!isObject(env) || !Object.values(env).every((v) => typeof v === 'string'))
    throw new EnvelopeFormatError('sealed environment is not a map of strings');
  return env as Record<string, string>;
}
