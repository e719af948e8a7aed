/**
 * IAM `Condition` blocks (issue #18): parsed once when a policy is read, evaluated against the
 * request's context keys for every call. Operators: String(Not)Equals(IgnoreCase),
 * String(Not)Like, Numeric…, Date…, Bool, BinaryEquals, (Not)IpAddress, Arn(Not)Equals,
 * Arn(Not)Like, Null; each (but Null) with `…IfExists`, and with the set qualifiers
 * `ForAnyValue:` / `ForAllValues:` for multi-valued keys.
 *
 * IAM's semantics: the operators of a block, and the keys under one operator, must all hold
 * (AND); a key's list of values is matched if any value matches (OR), and a negated operator
 * (StringNotEquals, NotIpAddress, …) holds when none matches. A key the request does not carry
 * makes a positive operator false and a negated one true; `…IfExists` makes it true; `Null`
 * tests presence itself. `ForAnyValue` needs at least one of the request's values to match
 * (absent: false); `ForAllValues` needs every one to (absent or empty: true). Key names are
 * case-insensitive, values case-sensitive unless the operator says otherwise.
 *
 * Invariants: pure; an unknown operator, a value its operator cannot read (a date, a number, a
 * CIDR, true/false) or a malformed block is refused when the policy is read (ValidationException
 * "The policy is not valid: …"), never ignored, so a statement never grants more than its author
 * wrote. Policy variables (`${aws:username}`, a 2012-10-17 document's) are resolved in the
 * values of String and Arn operators (iam-policy-match.ts); one that does not resolve matches
 * nothing.
 */
import { BlockList, isIP } from 'node:net';

import { ValidationException } from './errors.js';
import {
  plainText,
  type PolicyTemplate,
  resolveTemplate,
  templateOf,
  wildcardMatch,
} from './iam-policy-match.js';

type Family = 'string' | 'numeric' | 'date' | 'bool' | 'binary' | 'ip' | 'arn' | 'null';

interface OperatorSpec {
  readonly family: Family;
  /** Holds when no value matches. */
  readonly negated: boolean;
  /** Which comparison within the family. */
  readonly test: 'equals' | 'ignore-case' | 'like' | 'lt' | 'lte' | 'gt' | 'gte';
}

const op = (family: Family, test: OperatorSpec['test'], negated = false): OperatorSpec => ({
  family,
  test,
  negated,
});

const OPERATORS: ReadonlyMap<string, OperatorSpec> = new Map([
  ['StringEquals', op('string', 'equals')],
  ['StringNotEquals', op('string', 'equals', true)],
  ['StringEqualsIgnoreCase', op('string', 'ignore-case')],
  ['StringNotEqualsIgnoreCase', op('string', 'ignore-case', true)],
  ['StringLike', op('string', 'like')],
  ['StringNotLike', op('string', 'like', true)],
  ['NumericEquals', op('numeric', 'equals')],
  ['NumericNotEquals', op('numeric', 'equals', true)],
  ['NumericLessThan', op('numeric', 'lt')],
  ['NumericLessThanEquals', op('numeric', 'lte')],
  ['NumericGreaterThan', op('numeric', 'gt')],
  ['NumericGreaterThanEquals', op('numeric', 'gte')],
  ['DateEquals', op('date', 'equals')],
  ['DateNotEquals', op('date', 'equals', true)],
  ['DateLessThan', op('date', 'lt')],
  ['DateLessThanEquals', op('date', 'lte')],
  ['DateGreaterThan', op('date', 'gt')],
  ['DateGreaterThanEquals', op('date', 'gte')],
  ['Bool', op('bool', 'equals')],
  ['BinaryEquals', op('binary', 'equals')],
  ['IpAddress', op('ip', 'equals')],
  ['NotIpAddress', op('ip', 'equals', true)],
  ['ArnEquals', op('arn', 'like')],
  ['ArnLike', op('arn', 'like')],
  ['ArnNotEquals', op('arn', 'like', true)],
  ['ArnNotLike', op('arn', 'like', true)],
  ['Null', op('null', 'equals')],
]);

/** One key under one operator. */
export interface ConditionClause {
  /** As written, e.g. `ForAnyValue:StringLikeIfExists`. */
  readonly operator: string;
  /** The key, lower-cased (IAM's keys are case-insensitive). */
  readonly key: string;
  readonly values: readonly string[];
  readonly spec: OperatorSpec;
  readonly ifExists: boolean;
  readonly set: 'any' | 'all' | undefined;
  /** IpAddress: the CIDRs as a BlockList. */
  readonly cidrs?: BlockList;
  /** String and Arn operators of a 2012-10-17 document: the values with their variables. */
  readonly templates?: readonly PolicyTemplate[];
}

/** A statement's `Condition`: every clause must hold. */
export type ConditionBlock = readonly ConditionClause[];

/** The request's condition keys (lower-cased names); a list for a multi-valued key. */
export type ConditionContext = ReadonlyMap<string, string | readonly string[]>;

export const EMPTY_CONDITION_CONTEXT: ConditionContext = new Map();

function invalid(detail: string): ValidationException {
  return new ValidationException(`The policy is not valid: ${detail}`);
}

/** Epoch ms of an IAM date value (ISO 8601, or epoch seconds); NaN when neither. */
export function conditionTime(value: string): number {
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  return /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
}

function cidrList(values: readonly string[], operator: string): BlockList {
  const list = new BlockList();
  for (const v of values) {
    const [address = '', prefix, extra] = v.split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
    const max = family === 6 ? 128 : 32;
    if (
      family === 0 ||
      extra !== undefined ||
      !Number.isInteger(bits) ||
      bits < 0 ||
      bits > max ||
      (prefix !== undefined && !/^\d+$/.test(prefix))
    ) {
      throw invalid(`${operator} needs IP addresses or CIDR blocks, not ${JSON.stringify(v)}`);
    }
    list.addSubnet(address, bits, family === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

function checkValues(spec: OperatorSpec, values: readonly string[], operator: string): void {
  for (const v of values) {
    const ok =
      spec.family === 'numeric'
        ? v.trim() !== '' && Number.isFinite(Number(v))
        : spec.family === 'date'
          ? !Number.isNaN(conditionTime(v))
          : spec.family === 'bool' || spec.family === 'null'
            ? /^(true|false)$/i.test(v)
            : true;
    if (!ok) throw invalid(`${operator} cannot compare with ${JSON.stringify(v)}`);
  }
}

function valueList(raw: unknown, operator: string, key: string): readonly string[] {
  const list = Array.isArray(raw) ? (raw as unknown[]) : [raw];
  if (list.length === 0) throw invalid(`${operator} ${key} has no value`);
  return list.map((v) => {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw invalid(`${operator} ${key}: values must be strings, numbers or booleans`);
  });
}

/**
 * Reads a statement's `Condition` object; throws ValidationException when it is malformed.
 * `variables`: the document is 2012-10-17, so `${…}` in String and Arn values are variables.
 */
export function parseCondition(raw: unknown, variables = false): ConditionBlock {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid('Condition must be an object of operators');
  }
  const clauses: ConditionClause[] = [];
  for (const [operator, keys] of Object.entries(raw as Record<string, unknown>)) {
    const m = /^(?:(ForAnyValue|ForAllValues):)?(.+?)(IfExists)?$/.exec(operator);
    const spec = m?.[2] === undefined ? undefined : OPERATORS.get(m[2]);
    if (m === null || spec === undefined) {
      throw invalid(`the condition operator ${operator} is not supported`);
    }
    const ifExists = m[3] !== undefined;
    if (spec.family === 'null' && (ifExists || m[1] !== undefined)) {
      throw invalid(`the condition operator ${operator} is not supported`);
    }
    if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) {
      throw invalid(`${operator} must map condition keys to values`);
    }
    const entries = Object.entries(keys as Record<string, unknown>);
    if (entries.length === 0) throw invalid(`${operator} names no condition key`);
    for (const [key, rawValues] of entries) {
      if (!/^[\w.:/-]+$/.test(key)) throw invalid(`${JSON.stringify(key)} is not a condition key`);
      const values = valueList(rawValues, operator, key);
      checkValues(spec, values, operator);
      clauses.push({
        operator,
        key: key.toLowerCase(),
        values,
        spec,
        ifExists,
        set: m[1] === 'ForAnyValue' ? 'any' : m[1] === 'ForAllValues' ? 'all' : undefined,
        ...(spec.family === 'ip' ? { cidrs: cidrList(values, operator) } : {}),
        ...(variables &&
        (spec.family === 'string' || spec.family === 'arn') &&
        values.some((v) => v.includes('${'))
          ? { templates: values.map((v) => templateOf(v, true)) }
          : {}),
      });
    }
  }
  return clauses;
}

/** `a op b` for the ordered families. */
function ordered(test: OperatorSpec['test'], a: number, b: number): boolean {
  switch (test) {
    case 'lt':
      return a < b;
    case 'lte':
      return a <= b;
    case 'gt':
      return a > b;
    case 'gte':
      return a >= b;
    case 'equals':
    case 'ignore-case':
    case 'like':
      return a === b;
  }
}

/** ARNs compared part by part (six colon-separated parts, the last keeps its colons). */
function arnLike(pattern: string, value: string): boolean {
  const split = (arn: string): string[] => {
    const parts = arn.split(':');
    return parts.length <= 6 ? parts : [...parts.slice(0, 5), parts.slice(5).join(':')];
  };
  const p = split(pattern);
  const v = split(value);
  return p.length === 6 && v.length === 6 && p.every((part, i) => wildcardMatch(part, v[i] ?? ''));
}

function ipOf(value: string): [string, 'ipv4' | 'ipv6'] | undefined {
  const plain = value.startsWith('::ffff:') && isIP(value.slice(7)) === 4 ? value.slice(7) : value;
  const family = isIP(plain);
  return family === 0 ? undefined : [plain, family === 6 ? 'ipv6' : 'ipv4'];
}

/** The clause's values for this request: variables resolved, unresolved ones left out. */
function valuesFor(c: ConditionClause, ctx: ConditionContext): readonly string[] {
  if (c.templates === undefined) return c.values;
  return c.templates.flatMap((t) => {
    const v = resolveTemplate(t, ctx);
    return v === undefined ? [] : [v];
  });
}

/** Whether one request value matches one of the clause's values (before negation). */
function matchesAny(c: ConditionClause, value: string, ctx: ConditionContext): boolean {
  const { family, test } = c.spec;
  switch (family) {
    case 'ip': {
      const ip = ipOf(value);
      return ip !== undefined && (c.cidrs?.check(ip[0], ip[1]) ?? false);
    }
    case 'numeric': {
      const n = Number(value);
      return value.trim() !== '' && c.values.some((v) => ordered(test, n, Number(v)));
    }
    case 'date': {
      const t = conditionTime(value);
      return !Number.isNaN(t) && c.values.some((v) => ordered(test, t, conditionTime(v)));
    }
    case 'bool':
      return c.values.some((v) => v.toLowerCase() === value.toLowerCase());
    case 'arn':
      return valuesFor(c, ctx).some((v) => arnLike(v, value));
    case 'string':
      return valuesFor(c, ctx).some((v) =>
        test === 'like'
          ? wildcardMatch(v, value)
          : test === 'ignore-case'
            ? plainText(v).toLowerCase() === value.toLowerCase()
            : plainText(v) === value,
      );
    case 'binary':
    case 'null':
      return c.values.includes(value);
  }
}

/** Whether one clause holds for the request. */
export function clauseHolds(c: ConditionClause, ctx: ConditionContext): boolean {
  const raw = ctx.get(c.key);
  const values = raw === undefined ? [] : typeof raw === 'string' ? [raw] : raw;
  const present = raw !== undefined;
  if (c.spec.family === 'null') {
    return c.values.some((v) => (v.toLowerCase() === 'true') !== present);
  }
  const one = (v: string): boolean => matchesAny(c, v, ctx) !== c.spec.negated;
  if (c.set === 'all') return values.every(one);
  if (!present) return c.ifExists || (c.set === undefined && c.spec.negated);
  if (c.set === 'any') return values.some(one);
  return c.spec.negated ? values.every(one) : values.some(one);
}

/** Whether every clause of a block holds (an absent block holds). */
export function conditionHolds(block: ConditionBlock | undefined, ctx: ConditionContext): boolean {
  return block === undefined || block.every((c) => clauseHolds(c, ctx));
}

/** What the gateway knows about a request, as IAM's global and Lambda's condition keys. */
export interface RequestFacts {
  /** The caller's IAM ARN (`arn:aws:iam::<account>:user/<name>`). */
  readonly principalArn?: string;
  readonly accountId: string;
  readonly region: string;
  /** The peer address (an IPv4-mapped IPv6 address counts as its IPv4 address). */
  readonly sourceIp?: string;
  /** Epoch milliseconds. */
  readonly now: number;
  /** The request came over TLS. */
  readonly secureTransport: boolean;
  /** Set for a temporary key: when its session token was issued (epoch ms), if known. */
  readonly tokenIssueTime?: number;
  /** InvokeFunctionUrl: the URL's auth type. */
  readonly functionUrlAuthType?: string;
  /** For a call made for an event source (a platform service), its ARN and account. */
  readonly sourceArn?: string;
  readonly sourceAccount?: string;
}

/** The condition context of a request. */
export function conditionContextOf(f: RequestFacts): ConditionContext {
  const ctx = new Map<string, string | readonly string[]>();
  const set = (key: string, value: string | undefined): void => {
    if (value !== undefined) ctx.set(key.toLowerCase(), value);
  };
  set('aws:CurrentTime', new Date(f.now).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  set('aws:EpochTime', String(Math.floor(f.now / 1000)));
  set('aws:SecureTransport', String(f.secureTransport));
  set('aws:RequestedRegion', f.region);
  if (f.sourceIp !== undefined && f.sourceIp !== '') set('aws:SourceIp', ipOf(f.sourceIp)?.[0]);
  if (f.principalArn !== undefined) {
    set('aws:PrincipalArn', f.principalArn);
    set('aws:PrincipalAccount', f.principalArn.split(':')[4] ?? f.accountId);
    const user = /:user\/(?:.*\/)?([^/]+)$/.exec(f.principalArn)?.[1];
    set('aws:PrincipalType', 'User');
    set('aws:username', user);
    set('aws:userid', user);
  }
  if (f.tokenIssueTime !== undefined) {
    set('aws:TokenIssueTime', new Date(f.tokenIssueTime).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  }
  set('aws:ViaAWSService', 'false');
  set('lambda:FunctionUrlAuthType', f.functionUrlAuthType);
  set('aws:SourceArn', f.sourceArn);
  set('aws:SourceAccount', f.sourceAccount);
  return ctx;
}
