/**
 * Identity policies (issue #18): the part of IAM's JSON grammar Lamina enforces, and its
 * evaluation. Supported: `Version`, `Statement` (one or a list), `Sid`, `Effect` Allow/Deny,
 * `Action`/`NotAction` and `Resource`/`NotResource` as a string or a list, with `*` and `?`
 * wildcards, and `Condition` (iam-condition.ts: IAM's operators, refused when unknown); in a
 * 2012-10-17 document, policy variables in resources and condition values (iam-policy-match.ts).
 * Anything else in a statement (`Principal`) is refused when the policy is read, so a key is
 * never granted more than its author wrote.
 *
 * Invariants: pure; an explicit Deny wins over any Allow, and no matching Allow is an implicit
 * deny; actions match case-insensitively (IAM's rule), resources case-sensitively.
 */
import { ValidationException } from './errors.js';
import {
  type ConditionBlock,
  type ConditionContext,
  conditionHolds,
  EMPTY_CONDITION_CONTEXT,
  parseCondition,
} from './iam-condition.js';
import { templateMatch, templateOf, wildcardMatch } from './iam-policy-match.js';

export { wildcardMatch } from './iam-policy-match.js';

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
  /** The statement applies only when this holds for the request (iam-condition.ts). */
  readonly condition?: ConditionBlock;
  /** Version 2012-10-17: `${…}` in resources and condition values are policy variables. */
  readonly variables?: boolean;
}

export interface PolicyDocument {
  readonly statements: readonly PolicyStatement[];
}

/** The outcome of evaluating policies for one action on one resource. */
export type PolicyDecision = 'allow' | 'explicit-deny' | 'implicit-deny';

const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);

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

function parseStatement(raw: unknown, variables: boolean): PolicyStatement {
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
    ...(s['Condition'] === undefined
      ? {}
      : { condition: parseCondition(s['Condition'], variables) }),
    ...(variables ? { variables } : {}),
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
  // Policy variables came with 2012-10-17; before it (or without a Version) `${…}` is literal.
  const variables = d['Version'] === '2012-10-17';
  return { statements: raw.map((r) => parseStatement(r, variables)) };
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

/** Resource / NotResource, with the statement's policy variables resolved for the request. */
function resourceMatches(s: PolicyStatement, resource: string, ctx: ConditionContext): boolean {
  const one = (p: string): boolean =>
    templateMatch(templateOf(p, s.variables === true), resource, ctx);
  if (s.resource !== undefined) return s.resource.some(one);
  return !(s.notResource ?? []).some(one);
}

/** Whether one statement applies to `action` on `resource` for a request with `ctx`. */
export function statementApplies(
  s: PolicyStatement,
  action: string,
  resource: string,
  ctx: ConditionContext = EMPTY_CONDITION_CONTEXT,
): boolean {
  return (
    matches(s.action, s.notAction, action, true) &&
    resourceMatches(s, resource, ctx) &&
    conditionHolds(s.condition, ctx)
  );
}

/**
 * IAM's evaluation for one action on one resource: explicit Deny, then Allow, else implicit deny.
 * `ctx` holds the request's condition keys (conditionContextOf); without it a statement with a
 * Condition is judged as if the request carried no key.
 */
export function evaluatePolicy(
  policy: PolicyDocument,
  action: string,
  resource: string,
  ctx: ConditionContext = EMPTY_CONDITION_CONTEXT,
): PolicyDecision {
  let allowed = false;
  for (const s of policy.statements) {
    if (!statementApplies(s, action, resource, ctx)) continue;
    if (s.effect === 'Deny') return 'explicit-deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'implicit-deny';
}

/** A policy that allows everything (the platform's own services, local mode's open access). */
export const ALLOW_ALL: PolicyDocument = {
  statements: [{ effect: 'Allow', action: ['*'], resource: ['*'] }],
};
