import { randomBytes } from 'node:crypto';

/**
 * Names no other test run uses, for every resource a suite creates: Lambda function names
 * (`[a-zA-Z0-9-_]`, ≤ 64), Kafka topics and consumer groups (`[a-zA-Z0-9._-]`, ≤ 249), Kubernetes
 * namespaces and object names (RFC 1123 label: `[a-z0-9-]`, starts and ends alphanumeric, ≤ 63),
 * Redis key prefixes and queue names.
 *
 * Invariant: the result `prefix-<8 hex>` satisfies all of them at once, because the prefix must
 * be a lower-case letter followed by lower-case letters, digits and single hyphens, at most
 * 54 characters (63 minus the suffix); anything else throws instead of producing a name that
 * one of those systems rejects later with a less helpful message.
 */

const SUFFIX_LENGTH = 9; // '-' and 8 hex digits (32 random bits)
const MAX_LENGTH = 63;
const PREFIX = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/;

/** `prefix-<8 hex>`: a valid function name, topic, namespace and key prefix. */
export function uniqueName(prefix: string): string {
  if (!PREFIX.test(prefix) || prefix.length > MAX_LENGTH - SUFFIX_LENGTH) {
    throw new Error(
      `uniqueName prefix '${prefix}' must match ${PREFIX.source} and have at most ` +
        `${MAX_LENGTH - SUFFIX_LENGTH} characters (so the name is also a Kubernetes namespace)`,
    );
  }
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
