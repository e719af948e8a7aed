/**
 * Identity policies (issue #18): the part of IAM's JSON grammar Lamina enforces, and its
 * evaluation. Supported: `Version`, `Statement` (one or a list), `Sid`, `Effect` Allow/Deny,
 * `Action`/`NotAction` and `Resource`/`NotResource` as a string or a list, with `*` and `?`
 * wildcards. Anything else in a statement (`Condition`, `Principal`) is refused when the policy
 * is read, so a key is never granted more than its author wrote.
 *
 * Invariants: pure; an explicit Deny wins over any Allow, and no matching Allow is an implicit
 * deny; actions match case-insensitively (IAM's rule), resources case-sensitively.
 */
import { ValidationException } from './errors.js';

export type Effect = 'Allow' | 'Deny';

export interface PolicyStatement {
  readonly sid?: string;
  readonly effect: Effect;
  /** Exactly one of action / notAction. */
  readonly action?: readonly string[];
  readonly notAction?: readonly string[];
  /** Exactly one of resource / notResource. */
  readonly resource?: readonly string[];
  readonly notResource?: readonly string[];
}

export interface PolicyDocument {
  readonly statements: readonly PolicyStatement[];
}

/** The outcome of evaluating policies for one action on one resource. */
export type PolicyDecision = 'allow' | 'explicit-deny' | 'implicit-deny';

const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource']);

function invalid(detail: string): ValidationException {
  return new ValidationException(`The policy is not valid: ${detail}`);
}

function stringList(value: unknown, field: string): readonly string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === 'string')) {
    throw invalid(`${field} must be a string or a non-empty list of strings`);
  }
  return list;
}

function pair(
  s: Record<string, unknown>,
  positive: string,
  negative: string,
): { readonly list: readonly string[]; readonly negated: boolean } {
  const has = s[positive] !== undefined;
  if (has === (s[negative] !== undefined)) {
    throw invalid(`a statement needs exactly one of ${positive} and ${negative}`);
  }
  return has
    ? { list: stringList(s[positive], positive), negated: false }
    : { list: stringList(s[negative], negative), negated: true };
}

function parseStatement(raw: unknown): PolicyStatement {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid('each statement must be an object');
  }
  const s = raw as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (!STATEMENT_KEYS.has(key)) throw invalid(`${key} is not supported in a statement`);
  }
  if (s['Effect'] !== 'Allow' && s['Effect'] !== 'Deny')
    throw invalid('Effect must be Allow or Deny');
  const action = pair(s, 'Action', 'NotAction');
  const resource = pair(s, 'Resource', 'NotResource');
  return {
    ...(typeof s['Sid'] === 'string' ? { sid: s['Sid'] } : {}),
    effect: s['Effect'],
    ...(action.negated ? { notAction: action.list } : { action: action.list }),
    ...(resource.negated ? { notResource: resource.list } : { resource: resource.list }),
  };
}

/** Reads an IAM policy document (object or JSON text); throws ValidationException if malformed. */
export function parsePolicy(document: unknown): PolicyDocument {
  let doc = document;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc) as unknown;
    } catch {
      throw invalid('not JSON');
    }
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw invalid('the document must be an object');
  }
  const d = doc as Record<string, unknown>;
  if (
    d['Version'] !== undefined &&
    d['Version'] !== '2012-10-17' &&
    d['Version'] !== '2008-10-17'
  ) {
    throw invalid(`Version ${JSON.stringify(d['Version'])} is not supported`);
  }
  const raw = Array.isArray(d['Statement']) ? (d['Statement'] as unknown[]) : [d['Statement']];
  if (d['Statement'] === undefined) throw invalid('Statement is missing');
  return { statements: raw.map(parseStatement) };
}

const patterns = new Map<string, RegExp>();

/** IAM's wildcard match: `*` any run (within an ARN part too), `?` one character. */
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

function matches(
  list: readonly string[] | undefined,
  notList: readonly string[] | undefined,
  value: string,
  ignoreCase: boolean,
): boolean {
  if (list !== undefined) return list.some((p) => wildcardMatch(p, value, ignoreCase));
  return !(notList ?? []).some((p) => wildcardMatch(p, value, ignoreCase));
}

/** Whether one statement applies to `action` on `resource`. */
export function statementApplies(s: PolicyStatement, action: string, resource: string): boolean {
  return (
    matches(s.action, s.notAction, action, true) &&
    matches(s.resource, s.notResource, resource, false)
  );
}

/** IAM's evaluation for one action on one resource: explicit Deny, then Allow, else implicit deny. */
export function evaluatePolicy(
  policy: PolicyDocument,
  action: string,
  resource: string,
): PolicyDecision {
  let allowed = false;
  for (const s of policy.statements) {
    if (!statementApplies(s, action, resource)) continue;
    if (s.effect === 'Deny') return 'explicit-deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'implicit-deny';
}

/** A policy that allows everything (the platform's own services, local mode's open access). */
export const ALLOW_ALL: PolicyDocument = {
  statements: [{ effect: 'Allow', action: ['*'], resource: ['*'] }],
};
