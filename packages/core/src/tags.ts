/**
 * Lambda's tag rules (TagResource, UntagResource, ListTags, CreateFunction's Tags): at most 50
 * tags per function, no key with the reserved `aws:` prefix. Lengths (key 1–128, value 0–256) and
 * characters are the service model's and are checked before this (ADR 0031).
 *
 * Invariant: pure; the texts are AWS's tagging texts where known (docs/compatibility.md marks the
 * unconfirmed one).
 */
import { InvalidParameterValueException } from './errors.js';

export const MAX_TAGS = 50;

/** The Tags member as a string map; anything else is a model error already, so only `{}` here. */
export function tagMap(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).filter(
      (e): e is [string, string] => typeof e[1] === 'string',
    ),
  );
}

/** The tags of a function after adding `added` to `current`, refused past Lambda's rules. */
export function mergeTags(
  current: Readonly<Record<string, string>>,
  added: Readonly<Record<string, string>>,
): Record<string, string> {
  for (const key of Object.keys(added)) {
    if (key.toLowerCase().startsWith('aws:')) {
      throw new InvalidParameterValueException(
        `Tag keys beginning with 'aws:' are reserved for AWS use: ${key}`,
      );
    }
  }
  const next = { ...current, ...added };
  if (Object.keys(next).length > MAX_TAGS) {
    throw new InvalidParameterValueException('Number of tags exceeds resource tag limit.');
  }
  return next;
}

/** `current` without `keys` (keys it does not have are ignored, as on AWS). */
export function withoutTags(
  current: Readonly<Record<string, string>>,
  keys: readonly string[],
): Record<string, string> {
  const drop = new Set(keys);
  return Object.fromEntries(Object.entries(current).filter(([k]) => !drop.has(k)));
}
