/**
 * Functions' resource policies (issue #18): AddPermission's input, the statements a function
 * keeps per qualifier, GetPolicy's JSON, and the one rule that decides whether a statement lets a
 * caller in. Kept on the function's record (`FunctionRecord.policy`), so it lives and dies with
 * the function in both modes, and every change gives the function a new RevisionId, as on AWS.
 *
 * Invariants: pure; a statement's conditions are evaluated with IAM's semantics
 * (iam-condition.ts), so one with a SourceArn/SourceAccount/PrincipalOrgID/EventSourceToken
 * condition never admits a direct caller (a condition on a key the request does not carry is
 * false); a principal naming an account (`123456789012`, `arn:aws:iam::123456789012:root`) only
 * delegates to that account's identity policies, so it admits nobody by itself; `*` and a
 * caller's own ARN admit that caller.
 */
import {
  PreconditionFailedException,
  ResourceConflictException,
  ResourceNotFoundException,
  ValidationException,
} from './errors.js';
import {
  type ConditionBlock,
  type ConditionContext,
  conditionHolds,
  EMPTY_CONDITION_CONTEXT,
  parseCondition,
} from './iam-condition.js';
import { wildcardMatch } from './iam-policy-match.js';

export interface PermissionStatement {
  readonly sid: string;
  /** e.g. `lambda:InvokeFunction` */
  readonly action: string;
  /** As given: `*`, an account id, an IAM ARN or a service principal (`s3.amazonaws.com`). */
  readonly principal: string;
  readonly sourceArn?: string;
  readonly sourceAccount?: string;
  readonly eventSourceToken?: string;
  readonly principalOrgId?: string;
  readonly functionUrlAuthType?: 'NONE' | 'AWS_IAM';
}

/** Statements per qualifier; `''` is the unqualified function. */
export type FunctionPolicy = Readonly<Record<string, readonly PermissionStatement[]>>;

const SID = /^([a-zA-Z0-9-_.]+)$/;
const ACTION = /^(lambda:[*]|lambda:[a-zA-Z]+|[*])$/;
const PRINCIPAL = /^[^\s]+$/;
/** A service principal of a statement (`events.amazonaws.com`). */
const SERVICE_PRINCIPAL = /^[a-z0-9.-]+\.amazonaws\.com$/;

function required(body: Record<string, unknown>, key: string, field: string): string {
  const v = body[key];
  if (v === undefined || v === null) {
    throw new ValidationException(
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  if (typeof v !== 'string') throw new ValidationException(`${key} must be a string`);
  return v;
}

function optional(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ValidationException(`${key} must be a string`);
  return v;
}

function constraint(field: string, value: string, rule: string): ValidationException {
  return new ValidationException(
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${rule}`,
  );
}

/** AddPermission's body as a statement (the RevisionId it names is returned beside it). */
export function parseAddPermission(body: unknown): {
  statement: PermissionStatement;
  revisionId: string | undefined;
} {
  const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const sid = required(b, 'StatementId', 'statementId');
  const action = required(b, 'Action', 'action');
  const principal = required(b, 'Principal', 'principal');
  if (!SID.test(sid) || sid.length > 100) {
    throw constraint(
      'statementId',
      sid,
      'Member must satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)',
    );
  }
  if (!ACTION.test(action)) {
    throw constraint(
      'action',
      action,
      'Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])',
    );
  }
  if (!PRINCIPAL.test(principal)) {
    throw constraint(
      'principal',
      principal,
      'Member must satisfy regular expression pattern: [^\\s]+',
    );
  }
  const urlAuth = optional(b, 'FunctionUrlAuthType');
  if (urlAuth !== undefined && urlAuth !== 'NONE' && urlAuth !== 'AWS_IAM') {
    throw constraint(
      'functionUrlAuthType',
      urlAuth,
      'Member must satisfy enum value set: [NONE, AWS_IAM]',
    );
  }
  const fields = {
    sourceArn: optional(b, 'SourceArn'),
    sourceAccount: optional(b, 'SourceAccount'),
    eventSourceToken: optional(b, 'EventSourceToken'),
    principalOrgId: optional(b, 'PrincipalOrgID'),
    functionUrlAuthType: urlAuth,
  };
  const statement = { sid, action, principal } as Record<string, unknown>;
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) statement[k] = v;
  return {
    statement: statement as unknown as PermissionStatement,
    revisionId: optional(b, 'RevisionId'),
  };
}

/** `Principal` as AWS writes it in a policy document. */
function principalJson(principal: string): unknown {
  if (principal === '*') return '*';
  if (/^\d{12}$/.test(principal)) return { AWS: `arn:aws:iam::${principal}:root` };
  if (principal.startsWith('arn:')) return { AWS: principal };
  return { Service: principal };
}

/** A statement's conditions as IAM writes them (GetPolicy's `Condition`). */
function conditionJson(s: PermissionStatement): Record<string, Record<string, string>> {
  const condition: Record<string, Record<string, string>> = {};
  const add = (op: string, key: string, value: string | undefined): void => {
    if (value !== undefined) condition[op] = { ...condition[op], [key]: value };
  };
  add('StringEquals', 'AWS:SourceAccount', s.sourceAccount);
  add('StringEquals', 'lambda:EventSourceToken', s.eventSourceToken);
  add('StringEquals', 'aws:PrincipalOrgID', s.principalOrgId);
  add('StringEquals', 'lambda:FunctionUrlAuthType', s.functionUrlAuthType);
  add('ArnLike', 'AWS:SourceArn', s.sourceArn);
  return condition;
}

const parsedConditions = new WeakMap<PermissionStatement, ConditionBlock>();

/** The same conditions, parsed once per statement for evaluation. */
function conditionOf(s: PermissionStatement): ConditionBlock {
  let block = parsedConditions.get(s);
  if (block === undefined) {
    block = parseCondition(conditionJson(s), true);
    parsedConditions.set(s, block);
  }
  return block;
}

/** One statement as GetPolicy (and AddPermission's answer) shows it. */
export function statementJson(
  s: PermissionStatement,
  resourceArn: string,
): Record<string, unknown> {
  const condition = conditionJson(s);
  return {
    Sid: s.sid,
    Effect: 'Allow',
    Principal: principalJson(s.principal),
    Action: s.action,
    Resource: resourceArn,
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  };
}

/** GetPolicy's `Policy`: the document as JSON text. */
export function policyJson(
  statements: readonly PermissionStatement[],
  resourceArn: string,
): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'default',
    Statement: statements.map((s) => statementJson(s, resourceArn)),
  });
}

export const noPolicy = (): Error =>
  new ResourceNotFoundException('The resource you requested does not exist.');

export const duplicateStatement = (): Error =>
  new ResourceConflictException(
    'The statement id (sid) provided already exists. Please provide a new statement id, or remove the existing statement.',
  );

export const statementNotFound = (sid: string): Error =>
  new ResourceNotFoundException(`Statement ${sid} is not found in resource policy.`);

export const policyRevisionMismatch = (): Error =>
  new PreconditionFailedException(
    'The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id',
  );

/** Who is calling, and how, as the resource policy sees it. */
export interface PolicyCaller {
  /** The caller's IAM ARN (`arn:aws:iam::<account>:user/<name>`). */
  readonly arn: string;
  readonly action: string;
  /** Set for InvokeFunctionUrl: the URL's auth type (lambda:FunctionUrlAuthType). */
  readonly functionUrlAuthType?: 'NONE' | 'AWS_IAM';
  /** The request's condition keys (conditionContextOf); the auth type above is added to them. */
  readonly context?: ConditionContext;
  /**
   * A platform service calling for an event source (its aws:SourceArn is in `context`): a
   * service principal (`events.amazonaws.com`, `sqs.amazonaws.com`, …) admits it, as on AWS.
   */
  readonly service?: boolean;
}

/**
 * Whether one of `statements` lets `caller` perform its action: the principal admits the caller
 * and the statement's conditions hold for the request, with IAM's semantics (iam-condition.ts) —
 * a direct caller carries no aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID or
 * lambda:EventSourceToken, so a statement conditioned on one admits it not.
 */
export function resourcePolicyAllows(
  statements: readonly PermissionStatement[],
  caller: PolicyCaller,
): boolean {
  let ctx = caller.context ?? EMPTY_CONDITION_CONTEXT;
  if (caller.functionUrlAuthType !== undefined) {
    ctx = new Map([...ctx, ['lambda:functionurlauthtype', caller.functionUrlAuthType]]);
  }
  return statements.some(
    (s) =>
      wildcardMatch(s.action, caller.action, true) &&
      (s.principal === '*' ||
        s.principal === caller.arn ||
        (caller.service === true && SERVICE_PRINCIPAL.test(s.principal))) &&
      conditionHolds(conditionOf(s), ctx),
  );
}
