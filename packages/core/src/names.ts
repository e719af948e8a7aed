import {
  InvalidParameterValueException,
  ResourceNotFoundException,
  ValidationException,
} from './errors.js';
import { LIMITS } from './limits.js';

/** Region and account that ARNs are built with (from configuration). */
export interface ArnContext {
  readonly region: string;
  readonly accountId: string;
}

export const LATEST = '$LATEST';

const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const QUALIFIER = /^(\$LATEST|[a-zA-Z0-9_-]{1,128})$/;
// [arn:aws[-partition]:lambda:region:]account:function:name[:qualifier] | name[:qualifier]
const FULL_ARN =
  /^arn:aws[a-zA-Z-]*:lambda:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):function:([^:]+)(?::([^:]+))?$/;
const PARTIAL_ARN = /^(\d{12}):function:([^:]+)(?::([^:]+))?$/;
const NAME_ONLY = /^([^:]+)(?::([^:]+))?$/;

export interface FunctionRef {
  readonly name: string;
  /** Undefined when neither the name nor the Qualifier parameter gave one. */
  readonly qualifier: string | undefined;
  readonly region?: string;
  readonly accountId?: string;
}

/** AWS's one-failure validation text (model-validation.ts words the model's own checks). */
function oneFailure(value: string, member: string, rule: string): string {
  return `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${rule}`;
}

const NAME_PATTERN = 'Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+';

/**
 * Checks a bare function name (CreateFunction, manifests): `[a-zA-Z0-9-_]`, 1–64 long. A longer
 * name is InvalidParameterValueException, as AWS's CreateFunction answers a 65-character name.
 */
export function assertFunctionName(name: string, field = 'functionName'): void {
  if (name.length > LIMITS.functionNameMaxLength) {
    throw new InvalidParameterValueException(
      oneFailure(
        name,
        field,
        `Member must have length less than or equal to ${String(LIMITS.functionNameMaxLength)}`,
      ),
    );
  }
  if (!FUNCTION_NAME.test(name))
    throw new ValidationException(oneFailure(name, field, NAME_PATTERN));
}

export function assertQualifier(qualifier: string): void {
  if (!QUALIFIER.test(qualifier)) {
    throw new ValidationException(
      oneFailure(
        qualifier,
        'qualifier',
        'Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)',
      ),
    );
  }
}

const ARN_PATTERN =
  'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?';

/** The parts of a FunctionName in any form; the name itself is not checked yet. */
function splitFunctionRef(value: string): FunctionRef {
  if (value.length === 0 || value.length > LIMITS.functionNameArnMaxLength) {
    throw new ValidationException(
      oneFailure(value, 'functionName', 'Member must have length less than or equal to 256'),
    );
  }
  let name: string | undefined;
  let qualifier: string | undefined;
  let region: string | undefined;
  let accountId: string | undefined;
  let m = FULL_ARN.exec(value);
  if (m) {
    [, region, accountId, name, qualifier] = m;
  } else if ((m = PARTIAL_ARN.exec(value))) {
    [, accountId, name, qualifier] = m;
  } else if (!value.startsWith('arn:') && (m = NAME_ONLY.exec(value))) {
    [, name, qualifier] = m;
  }
  if (name === undefined)
    throw new ValidationException(oneFailure(value, 'functionName', ARN_PATTERN));
  // Built per form, without spreading empty objects: this runs on every invoke.
  if (accountId === undefined) return { name, qualifier };
  return region === undefined
    ? { name, qualifier, accountId }
    : { name, qualifier, region, accountId };
}

function withQualifier(ref: FunctionRef, qualifierParam: string | undefined): FunctionRef {
  if (ref.qualifier !== undefined) assertQualifier(ref.qualifier);
  if (qualifierParam === undefined || qualifierParam === '') return ref;
  assertQualifier(qualifierParam);
  if (ref.qualifier !== undefined && ref.qualifier !== qualifierParam) {
    throw new InvalidParameterValueException(
      'The derived qualifier from the function name does not match the specified qualifier.',
    );
  }
  return { ...ref, qualifier: qualifierParam };
}

/**
 * Parses the FunctionName path parameter in every form Lambda accepts (name, name:qualifier,
 * partial ARN, full ARN) and reconciles it with an explicit Qualifier parameter.
 */
export function parseFunctionRef(value: string, qualifierParam?: string): FunctionRef {
  const ref = splitFunctionRef(value);
  assertFunctionName(ref.name);
  return withQualifier(ref, qualifierParam);
}

/**
 * A FunctionName of an API call on an existing function, as AWS resolves it in this region and
 * account: an ARN of another region is ResourceNotFoundException "Functions from 'eu-central-1'
 * are not reachable in this region ('us-east-1')"; one of another account, or a name no function
 * can have (longer than 64), is "Function not found" with that ARN, never a validation error.
 */
export function functionRefIn(
  ctx: ArnContext,
  value: string,
  qualifierParam?: string,
): FunctionRef {
  const ref = withQualifier(splitFunctionRef(value), qualifierParam);
  if (ref.region !== undefined && ref.region !== ctx.region) {
    throw new ResourceNotFoundException(
      `Functions from '${ref.region}' are not reachable in this region ('${ctx.region}')`,
    );
  }
  const account = ref.accountId ?? ctx.accountId;
  if (account !== ctx.accountId || !FUNCTION_NAME.test(ref.name)) {
    const arn = functionArn({ region: ctx.region, accountId: account }, ref.name, ref.qualifier);
    throw new ResourceNotFoundException(`Function not found: ${arn}`);
  }
  return ref;
}

export function functionArn(ctx: ArnContext, name: string, qualifier?: string): string {
  const base = `arn:aws:lambda:${ctx.region}:${ctx.accountId}:function:${name}`;
  return qualifier === undefined ? base : `${base}:${qualifier}`;
}
