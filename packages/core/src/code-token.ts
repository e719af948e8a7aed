/**
 * The per-code token of code delivery (issue #15): HMAC-SHA256(secret, hex SHA-256 of the zip),
 * hex. The operator puts a worker pod's token into the pod, the gateway's code route accepts a
 * download only with the token of exactly that hex, and GetFunction's Code.Location carries it
 * as `?token=` (a pre-signed URL, as Lambda's S3 location is). Knowing the tokens of one's own
 * code reveals nothing about another hex's token without the secret.
 *
 * Invariants: pure (node:crypto only); the comparison takes the same time wherever the first
 * difference is; a malformed token is simply not valid.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header a worker agent sends its token in. */
export const CODE_TOKEN_HEADER = 'x-lamina-code-token';
/** The query parameter of a pre-signed Code.Location. */
export const CODE_TOKEN_QUERY = 'token';
/** Path prefix of the code route: `GET <base>/lamina/v1/code/<hex>`. */
export const CODE_PATH = '/lamina/v1/code';

/** The token that allows downloading the code package `sha256Hex`. */
export function codeToken(secret: string, sha256Hex: string): string {
  return createHmac('sha256', secret).update(`lamina-code:${sha256Hex}`).digest('hex');
}

/** True when `token` is the token of `sha256Hex` under `secret`. */
export function isValidCodeToken(secret: string, sha256Hex: string, token: string): boolean {
  const expected = Buffer.from(codeToken(secret, sha256Hex), 'utf8');
  const given = Buffer.from(token, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Sealed variables (ADR 0046): a worker pod whose function's variables are sealed under a KMS key
 * fetches them from the gateway, `GET <base>/lamina/v1/environment/<Secret name>`, with the token
 * of exactly that Secret in `x-lamina-environment-token` (same secret as the code tokens, another
 * domain, so a code token is never an environment token).
 */
export const ENVIRONMENT_PATH = '/lamina/v1/environment';
export const ENVIRONMENT_TOKEN_HEADER = 'x-lamina-environment-token';

/** The token that allows fetching the sealed variables held by the Secret `secretName`. */
export function environmentToken(secret: string, secretName: string): string {
  return createHmac('sha256', secret).update(`lamina-environment:${secretName}`).digest('hex');
}

/** True when `token` is the token of `secretName` under `secret`. */
export function isValidEnvironmentToken(
  secret: string,
  secretName: string,
  token: string,
): boolean {
  const expected = Buffer.from(environmentToken(secret, secretName), 'utf8');
  const given = Buffer.from(token, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
