/**
 * IAM's wildcard match, shared by policy statements (iam-policy.ts), condition operators
 * (iam-condition.ts) and resource policies: `*` any run of characters, `?` exactly one.
 *
 * Invariant: pure; compiled patterns are cached (bounded: the cache is cleared past 10,000).
 */
const patterns = new Map<string, RegExp>();

/** Whether `value` matches `pattern` (`*` any run, within an ARN part too; `?` one character). */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let re = patterns.get(key);
  if (re === undefined) {
    const body = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    if (patterns.size > 10_000) patterns.clear();
    patterns.set(key, re);
  }
  return re.test(value);
}
