import { describe, expect, it } from 'vitest';

import { evaluatePolicy, parsePolicy, wildcardMatch } from './iam-policy.js';
import { parseAddPermission, policyJson, resourcePolicyAllows } from './resource-policy.js';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:';

describe('identity policies', () => {
  const policy = parsePolicy({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: 'arn:aws:lambda:*:*:function:team-a-*',
      },
      { Effect: 'Allow', Action: ['lambda:Get*', 'lambda:List*'], Resource: '*' },
      { Effect: 'Deny', Action: 'lambda:*', Resource: `${FN}team-a-secret*` },
    ],
  });

  it('allows what a statement names, with wildcards in actions and ARNs', () => {
    expect(evaluatePolicy(policy, 'lambda:InvokeFunction', `${FN}team-a-x`)).toBe('allow');
    expect(evaluatePolicy(policy, 'lambda:invokefunction', `${FN}team-a-x`)).toBe('allow');
    expect(evaluatePolicy(policy, 'lambda:GetFunction', `${FN}team-b-y`)).toBe('allow');
  });

  it('denies implicitly what no statement allows, and an explicit Deny beats an Allow', () => {
    expect(evaluatePolicy(policy, 'lambda:DeleteFunction', `${FN}team-a-x`)).toBe('implicit-deny');
    expect(evaluatePolicy(policy, 'lambda:InvokeFunction', `${FN}team-b-y`)).toBe('implicit-deny');
    expect(evaluatePolicy(policy, 'lambda:InvokeFunction', `${FN}team-a-secret`)).toBe(
      'explicit-deny',
    );
  });

  it('a qualified ARN needs a pattern that covers the qualifier', () => {
    expect(evaluatePolicy(policy, 'lambda:InvokeFunction', `${FN}team-a-x:prod`)).toBe('allow');
    const exact = parsePolicy({ Statement: { Effect: 'Allow', Action: '*', Resource: `${FN}f` } });
    expect(evaluatePolicy(exact, 'lambda:InvokeFunction', `${FN}f:prod`)).toBe('implicit-deny');
  });

  it('supports NotAction and NotResource', () => {
    const p = parsePolicy({
      Statement: [{ Effect: 'Allow', NotAction: 'lambda:Delete*', NotResource: `${FN}x` }],
    });
    expect(evaluatePolicy(p, 'lambda:GetFunction', `${FN}y`)).toBe('allow');
    expect(evaluatePolicy(p, 'lambda:DeleteFunction', `${FN}y`)).toBe('implicit-deny');
    expect(evaluatePolicy(p, 'lambda:GetFunction', `${FN}x`)).toBe('implicit-deny');
  });

  it('refuses what it does not enforce', () => {
    expect(() =>
      parsePolicy({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Principal: '*' }] }),
    ).toThrow(/Principal is not supported/);
    expect(() =>
      parsePolicy({ Statement: [{ Effect: 'Maybe', Action: '*', Resource: '*' }] }),
    ).toThrow(/Effect/);
    expect(() => parsePolicy({ Statement: [{ Effect: 'Allow', Resource: '*' }] })).toThrow(
      /Action/,
    );
  });

  it('matches ? and escapes regex characters', () => {
    expect(wildcardMatch('a?c', 'abc')).toBe(true);
    expect(wildcardMatch('a.c', 'abc')).toBe(false);
  });
});

describe('resource policies', () => {
  it('admits the named principal or everyone, never a conditional or account statement', () => {
    const s = (body: Record<string, string>) =>
      parseAddPermission({ StatementId: 's', Action: 'lambda:InvokeFunction', ...body }).statement;
    const caller = { arn: 'arn:aws:iam::000000000000:user/b', action: 'lambda:InvokeFunction' };
    expect(resourcePolicyAllows([s({ Principal: caller.arn })], caller)).toBe(true);
    expect(resourcePolicyAllows([s({ Principal: '*' })], caller)).toBe(true);
    expect(resourcePolicyAllows([s({ Principal: '000000000000' })], caller)).toBe(false);
    expect(resourcePolicyAllows([s({ Principal: '*', SourceArn: 'arn:aws:s3:::b' })], caller)).toBe(
      false,
    );
    expect(
      resourcePolicyAllows([s({ Principal: caller.arn })], {
        ...caller,
        action: 'lambda:DeleteFunction',
      }),
    ).toBe(false);
  });

  it('writes the document as AWS does', () => {
    const { statement } = parseAddPermission({
      StatementId: 's3',
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      SourceArn: 'arn:aws:s3:::bucket',
      SourceAccount: '123456789012',
    });
    expect(JSON.parse(policyJson([statement], `${FN}f`))).toEqual({
      Version: '2012-10-17',
      Id: 'default',
      Statement: [
        {
          Sid: 's3',
          Effect: 'Allow',
          Principal: { Service: 's3.amazonaws.com' },
          Action: 'lambda:InvokeFunction',
          Resource: `${FN}f`,
          Condition: {
            StringEquals: { 'AWS:SourceAccount': '123456789012' },
            ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::bucket' },
          },
        },
      ],
    });
  });

  it('refuses a missing StatementId with the SDK-visible validation text', () => {
    expect(() => parseAddPermission({ Action: 'lambda:InvokeFunction', Principal: '*' })).toThrow(
      "Value null at 'statementId'",
    );
  });
});
