/**
 * IAM's wildcard match, shared by policy statements (iam-policy.ts), condition operators
 * (iam-condition.ts) and resource policies: `*` any run of characters, `?` exactly one; and
 * IAM's policy variables in those patterns (`${aws:username}`), read once and resolved per
 * request.
 *
 * Policy variables (only in documents of Version 2012-10-17): `${key}` is the request's value of
 * the condition key (names case-insensitive), `${key, 'default'}` falls back to the quoted text
 * (`''` is one quote) when the request has no single value for the key; `${*}`, `${?}` and `${$}`
 * are a literal `*`, `?` and `$`. A substituted value is literal: a `*` in a user name matches
 * only a `*`. A variable that does not resolve (absent or multi-valued key, no default) or is
 * malformed makes its pattern match nothing, as in IAM.
 *
 * Invariant: pure; compiled patterns and templates are cached (bounded: cleared past 10,000).
 * Literal wildcards are carried as two private-use characters; a pattern written with them
 * matches nothing.
 */
const patterns = new Map<string, RegExp>();

/** A `*` / `?` that matches only itself (from `${*}`, `${?}` or a substituted value). */
const LITERAL_STAR = '\uE000';
const LITERAL_QUESTION = '\uE001';

function regexChar(c: string): string {
  if (c === '*') return '.*';
  if (c === '?') return '.';
  if (c === LITERAL_STAR) return '\\*';
  if (c === LITERAL_QUESTION) return '\\?';
  return c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

/** Whether `value` matches `pattern` (`*` any run, within an ARN part too; `?` one character). */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let re = patterns.get(key);
  if (re === undefined) {
    const body = pattern.split('').map(regexChar).join('');
    re = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    if (patterns.size > 10_000) patterns.clear();
    patterns.set(key, re);
  }
  return re.test(value);
}

/** A resolved pattern as plain text (for equality operators): literal wildcards are themselves. */
export const plainText = (pattern: string): string =>
  pattern.replaceAll(LITERAL_STAR, '*').replaceAll(LITERAL_QUESTION, '?');

const literal = (text: string): string =>
  text.replaceAll('*', LITERAL_STAR).replaceAll('?', LITERAL_QUESTION);

type Part =
  | { readonly text: string }
  | { readonly key: string; readonly fallback: string | undefined }
  | { readonly malformed: true };

/** A pattern of a policy, with its variables found (none: `parts` undefined). */
export interface PolicyTemplate {
  readonly text: string;
  readonly parts?: readonly Part[];
}

/** The values of the request's condition keys (lower-cased names). */
export type TemplateContext = ReadonlyMap<string, string | readonly string[]>;

const VARIABLE = /^\$\{\s*([\w:/.-]+)\s*(?:,\s*'((?:[^']|'')*)'\s*)?\}/;

/** One `${…}` at the start of `rest`: the part and how much of `rest` it took. */
function variableAt(rest: string): { part: Part; length: number } {
  for (const c of ['*', '?', '$']) {
    if (rest.startsWith(`\${${c}}`)) return { part: { text: literal(c) }, length: 4 };
  }
  const m = VARIABLE.exec(rest);
  if (m === null) {
    const end = rest.indexOf('}');
    return { part: { malformed: true }, length: end < 0 ? rest.length : end + 1 };
  }
  const fallback = m[2] === undefined ? undefined : literal(m[2].replaceAll("''", "'"));
  return { part: { key: (m[1] ?? '').toLowerCase(), fallback }, length: m[0].length };
}

/**
 * Reads a pattern of a policy. With `variables` (Version 2012-10-17) its `${…}` are variables;
 * without, the text is the pattern as it is.
 */
export function compileTemplate(text: string, variables: boolean): PolicyTemplate {
  if (text.includes(LITERAL_STAR) || text.includes(LITERAL_QUESTION))
    return { text, parts: [{ malformed: true }] };
  if (!variables || !text.includes('${')) return { text };
  const parts: Part[] = [];
  let i = 0;
  while (i < text.length) {
    const next = text.indexOf('${', i);
    if (next < 0) {
      parts.push({ text: text.slice(i) });
      break;
    }
    if (next > i) parts.push({ text: text.slice(i, next) });
    const { part, length } = variableAt(text.slice(next));
    parts.push(part);
    i = next + length;
  }
  return { text, parts };
}

/** The pattern for this request; undefined when a variable does not resolve (no match). */
export function resolveTemplate(t: PolicyTemplate, ctx: TemplateContext): string | undefined {
  if (t.parts === undefined) return t.text;
  let out = '';
  for (const p of t.parts) {
    if ('malformed' in p) return undefined;
    if ('text' in p) {
      out += p.text;
      continue;
    }
    const v = ctx.get(p.key);
    const value = typeof v === 'string' ? literal(v) : p.fallback;
    if (value === undefined) return undefined;
    out += value;
  }
  return out;
}

/** Whether `value` matches the template for this request (a wildcard match). */
export function templateMatch(
  t: PolicyTemplate,
  value: string,
  ctx: TemplateContext,
  ignoreCase = false,
): boolean {
  const pattern = resolveTemplate(t, ctx);
  return pattern !== undefined && wildcardMatch(pattern, value, ignoreCase);
}

const templates = new Map<string, PolicyTemplate>();

/** `compileTemplate`, cached by text (policies are read once, evaluated per call). */
export function templateOf(text: string, variables: boolean): PolicyTemplate {
  const key = `${variables ? 'v' : 'l'}${text}`;
  let t = templates.get(key);
  if (t === undefined) {
    t = compileTemplate(text, variables);
    if (templates.size > 10_000) templates.clear();
    templates.set(key, t);
  }
  return t;
}
