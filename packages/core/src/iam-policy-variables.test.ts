import { describe, expect, it } from 'vitest';

import { conditionContextOf } from './iam-condition.js';
import { evaluatePolicy, parsePolicy } from './iam-policy.js';
import { compileTemplate, resolveTemplate } from './iam-policy-match.js';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:';
const ctxOf = (user?: string) =>
  conditionContextOf({
    accountId: '000000000000',
    region: 'us-east-1',
    now: Date.UTC(2026, 11, 7),
    secureTransport: false,
    ...(user === undefined ? {} : { principalArn: `arn:aws:iam::000000000000:user/${user}` }),
  });
const allow = (statement: object, version = '2012-10-17') =>
  parsePolicy({
    Version: version,
    Statement: { Effect: 'Allow', Action: 'lambda:*', ...statement },
  });

describe('policy variables (IAM, Version 2012-10-17)', () => {
  it('resolves ${aws:username} in a resource for the caller, and only for the caller', () => {
    const p = allow({ Resource: `${FN}\${aws:username}-*` });
    expect(evaluatePolicy(p, 'lambda:InvokeFunction', `${FN}alice-x`, ctxOf('alice'))).toBe(
      'allow',
    );
    expect(evaluatePolicy(p, 'lambda:InvokeFunction', `${FN}bob-x`, ctxOf('alice'))).toBe(
      'implicit-deny',
    );
    // Key names are case-insensitive.
    const upper = allow({ Resource: `${FN}\${AWS:UserName}-*` });
    expect(evaluatePolicy(upper, 'lambda:GetFunction', `${FN}bob-1`, ctxOf('bob'))).toBe('allow');
  });

  it('an unknown or absent key matches nothing, unless a default is given', () => {
    const unknown = allow({ Resource: `${FN}\${aws:nosuchkey}*` });
    expect(evaluatePolicy(unknown, 'lambda:GetFunction', `${FN}x`, ctxOf('alice'))).toBe(
      'implicit-deny',
    );
    const anonymous = allow({ Resource: `${FN}\${aws:username}` });
    expect(evaluatePolicy(anonymous, 'lambda:GetFunction', `${FN}alice`, ctxOf())).toBe(
      'implicit-deny',
    );
    const fallback = allow({ Resource: `${FN}\${aws:username, 'shared'}-*` });
    expect(evaluatePolicy(fallback, 'lambda:GetFunction', `${FN}shared-1`, ctxOf())).toBe('allow');
    expect(evaluatePolicy(fallback, 'lambda:GetFunction', `${FN}carol-1`, ctxOf('carol'))).toBe(
      'allow',
    );
  });

  it('${*}, ${?} and ${$} are literal characters; a substituted value is literal too', () => {
    const star = allow({ Resource: `${FN}a\${*}b` });
    expect(evaluatePolicy(star, 'lambda:GetFunction', `${FN}a*b`, ctxOf())).toBe('allow');
    expect(evaluatePolicy(star, 'lambda:GetFunction', `${FN}axxb`, ctxOf())).toBe('implicit-deny');
    expect(resolveTemplate(compileTemplate('x${?}${$}', true), new Map())).toBe('x\uE001$');
    // A user named `*` does not become a wildcard.
    const mine = allow({ Resource: `${FN}\${aws:username}` });
    expect(evaluatePolicy(mine, 'lambda:GetFunction', `${FN}*`, ctxOf('*'))).toBe('allow');
    expect(evaluatePolicy(mine, 'lambda:GetFunction', `${FN}other`, ctxOf('*'))).toBe(
      'implicit-deny',
    );
  });

  it('resolves variables in String and Arn condition values; a Deny with one holds', () => {
    const p = parsePolicy({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'lambda:*', Resource: '*' },
        {
          Effect: 'Deny',
          Action: 'lambda:DeleteFunction',
          Resource: '*',
          Condition: {
            StringNotEquals: {
              'aws:PrincipalArn': 'arn:aws:iam::${aws:PrincipalAccount}:user/admin',
            },
          },
        },
      ],
    });
    expect(evaluatePolicy(p, 'lambda:DeleteFunction', `${FN}x`, ctxOf('admin'))).toBe('allow');
    expect(evaluatePolicy(p, 'lambda:DeleteFunction', `${FN}x`, ctxOf('eve'))).toBe(
      'explicit-deny',
    );
    const like = allow({
      Resource: '*',
      Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/${aws:username}' } },
    });
    expect(evaluatePolicy(like, 'lambda:GetFunction', `${FN}x`, ctxOf('dave'))).toBe('allow');
  });

  it('before 2012-10-17 (or without a Version) ${…} is literal text', () => {
    const old = allow({ Resource: `${FN}\${aws:username}` }, '2008-10-17');
    expect(evaluatePolicy(old, 'lambda:GetFunction', `${FN}alice`, ctxOf('alice'))).toBe(
      'implicit-deny',
    );
    expect(evaluatePolicy(old, 'lambda:GetFunction', `${FN}\${aws:username}`, ctxOf('alice'))).toBe(
      'allow',
    );
  });

  it('a malformed variable matches nothing', () => {
    for (const bad of ['${aws:username', "${aws:username, 'x}", '${}', '${a b}']) {
      expect(resolveTemplate(compileTemplate(bad, true), new Map([['aws:username', 'u']]))).toBe(
        undefined,
      );
    }
  });
});
