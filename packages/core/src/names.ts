import { InvalidParameterValueException, ValidationException } from './errors.js';
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

function constraint(field: string, rule: string): ValidationException {
  return new ValidationException(`'${field}' value failed to satisfy constraint: ${rule}`);
}

/** Checks a bare function name (CreateFunction): 1–64 of `[a-zA-Z0-9-_]`. */
export function assertFunctionName(name: string, field = 'FunctionName'): void {
  if (!FUNCTION_NAME.test(name)) {
    throw constraint(
      field,
      `Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+ and have length between 1 and ${LIMITS.functionNameMaxLength}`,
    );
  }
}

export function assertQualifier(qualifier: string): void {
  if (!QUALIFIER.test(qualifier)) {
    throw constraint(
      'Qualifier',
      'Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+) and have length less than or equal to 128',
    );
  }
}

/**
 * Parses the FunctionName path parameter in every form Lambda accepts (name, name:qualifier,
 * partial ARN, full ARN) and reconciles it with an explicit Qualifier parameter.
 */
export function parseFunctionRef(value: string, qualifierParam?: string): FunctionRef {
  if (value.length === 0 || value.length > LIMITS.functionNameArnMaxLength) {
    throw constraint('FunctionName', 'Member must have length between 1 and 256');
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
  if (name === undefined) {
    throw constraint(
      'FunctionName',
      'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?',
    );
  }
  assertFunctionName(name);
  if (qualifier !== undefined) assertQualifier(qualifier);
  if (qualifierParam !== undefined && qualifierParam !== '') {
    assertQualifier(qualifierParam);
    if (qualifier !== undefined && qualifier !== qualifierParam) {
      throw new InvalidParameterValueException(
        'The derived qualifier from the function name does not match the specified qualifier.',
      );
    }
    qualifier = qualifierParam;
  }
  return {
    name,
    qualifier,
    ...(region === undefined ? {} : { region }),
    ...(accountId === undefined ? {} : { accountId }),
  };
}

export function functionArn(ctx: ArnContext, name: string, qualifier?: string): string {
  const base = `arn:aws:lambda:${ctx.region}:${ctx.accountId}:function:${name}`;
  return qualifier === undefined ? base : `${base}:${qualifier}`;
}
