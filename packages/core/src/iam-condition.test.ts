import { describe, expect, it } from 'vitest';

import {
  type ConditionContext,
  conditionContextOf,
  conditionHolds,
  parseCondition,
} from './iam-condition.js';
import { evaluatePolicy, parsePolicy } from './iam-policy.js';
import { resourcePolicyAllows } from './resource-policy.js';

const ctx = (entries: Record<string, string | string[]>): ConditionContext =>
  new Map(Object.entries(entries).map(([k, v]) => [k.toLowerCase(), v]));

const holds = (condition: unknown, context: ConditionContext): boolean =>
  conditionHolds(parseCondition(condition), context);

describe('condition operators', () => {
  it('ANDs operators and keys, ORs a key’s values', () => {
    const c = {
      StringEquals: { 'aws:username': ['ann', 'bob'], 'aws:RequestedRegion': 'us-east-1' },
      Bool: { 'aws:SecureTransport': 'true' },
    };
    const base = { 'aws:username': 'bob', 'aws:RequestedRegion': 'us-east-1' };
    expect(holds(c, ctx({ ...base, 'aws:SecureTransport': 'true' }))).toBe(true);
    expect(holds(c, ctx({ ...base, 'aws:SecureTransport': 'false' }))).toBe(false);
    expect(holds(c, ctx({ ...base, 'aws:username': 'eve', 'aws:SecureTransport': 'true' }))).toBe(
      false,
    );
  });

  it('matches key names case-insensitively and values case-sensitively', () => {
    expect(holds({ StringEquals: { 'AWS:UserName': 'Ann' } }, ctx({ 'aws:username': 'Ann' }))).toBe(
      true,
    );
    expect(holds({ StringEquals: { 'aws:username': 'ann' } }, ctx({ 'aws:username': 'Ann' }))).toBe(
      false,
    );
    expect(
      holds({ StringEqualsIgnoreCase: { 'aws:username': 'ann' } }, ctx({ 'aws:username': 'Ann' })),
    ).toBe(true);
  });

  it('negated operators hold when no value matches, and when the key is absent', () => {
    const c = { StringNotEquals: { 'aws:username': ['ann', 'bob'] } };
    expect(holds(c, ctx({ 'aws:username': 'eve' }))).toBe(true);
    expect(holds(c, ctx({ 'aws:username': 'bob' }))).toBe(false);
    expect(holds(c, ctx({}))).toBe(true);
    expect(holds({ StringNotLike: { 'aws:SourceArn': 'arn:*' } }, ctx({}))).toBe(true);
  });

  it('a positive operator on an absent key is false, unless …IfExists', () => {
    expect(holds({ StringLike: { 'aws:SourceArn': '*' } }, ctx({}))).toBe(false);
    expect(holds({ StringLikeIfExists: { 'aws:SourceArn': 'arn:x' } }, ctx({}))).toBe(true);
    expect(
      holds({ StringLikeIfExists: { 'aws:SourceArn': 'arn:x' } }, ctx({ 'aws:SourceArn': 'y' })),
    ).toBe(false);
  });

  it('StringLike uses * and ?', () => {
    const c = { StringLike: { 'aws:username': ['team-a-*', 'x?z'] } };
    expect(holds(c, ctx({ 'aws:username': 'team-a-ci' }))).toBe(true);
    expect(holds(c, ctx({ 'aws:username': 'xyz' }))).toBe(true);
    expect(holds(c, ctx({ 'aws:username': 'team-b' }))).toBe(false);
  });

  it('ArnLike and ArnEquals compare the six parts, each with wildcards', () => {
    const c = { ArnLike: { 'aws:SourceArn': 'arn:aws:sqs:*:123456789012:orders-*' } };
    expect(holds(c, ctx({ 'aws:SourceArn': 'arn:aws:sqs:eu-west-1:123456789012:orders-eu' }))).toBe(
      true,
    );
    expect(holds(c, ctx({ 'aws:SourceArn': 'arn:aws:sqs:eu-west-1:999999999999:orders' }))).toBe(
      false,
    );
    expect(
      holds(
        { ArnEquals: { 'aws:SourceArn': 'arn:aws:lambda:*:*:function:f:*' } },
        ctx({ 'aws:SourceArn': 'arn:aws:lambda:us-east-1:1:function:f:prod' }),
      ),
    ).toBe(true);
    expect(holds(c, ctx({ 'aws:SourceArn': 'not-an-arn' }))).toBe(false);
    expect(holds({ ArnNotLike: c.ArnLike }, ctx({ 'aws:SourceArn': 'not-an-arn' }))).toBe(true);
  });

  it('IpAddress and NotIpAddress take CIDRs of both families, and IPv4-mapped peers', () => {
    const c = { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '2001:db8::/32', '192.168.1.7'] } };
    expect(holds(c, ctx({ 'aws:SourceIp': '10.1.2.3' }))).toBe(true);
    expect(holds(c, ctx({ 'aws:SourceIp': '192.168.1.7' }))).toBe(true);
    expect(holds(c, ctx({ 'aws:SourceIp': '192.168.1.8' }))).toBe(false);
    expect(holds(c, ctx({ 'aws:SourceIp': '2001:db8::1' }))).toBe(true);
    expect(holds(c, ctx({ 'aws:SourceIp': 'nonsense' }))).toBe(false);
    const peer = conditionContextOf({
      accountId: '1',
      region: 'r',
      now: 0,
      secureTransport: false,
      sourceIp: '::ffff:10.9.9.9',
    });
    expect(holds(c, peer)).toBe(true);
    expect(holds({ NotIpAddress: { 'aws:SourceIp': '127.0.0.0/8' } }, peer)).toBe(true);
    expect(holds({ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, peer)).toBe(false);
  });

  it('dates (ISO 8601 or epoch seconds), numbers and Bool', () => {
    const at = ctx({ 'aws:CurrentTime': '2026-12-07T10:00:00Z', 'aws:EpochTime': '1796637600' });
    expect(holds({ DateLessThan: { 'aws:CurrentTime': '2026-12-08T00:00:00Z' } }, at)).toBe(true);
    expect(holds({ DateGreaterThan: { 'aws:CurrentTime': '2026-12-08T00:00:00Z' } }, at)).toBe(
      false,
    );
    expect(holds({ DateGreaterThanEquals: { 'aws:CurrentTime': '1796637600' } }, at)).toBe(true);
    expect(holds({ NumericLessThan: { 'aws:EpochTime': 1796637601 } }, at)).toBe(true);
    expect(holds({ NumericNotEquals: { 'aws:EpochTime': '1796637600' } }, at)).toBe(false);
    expect(
      holds({ Bool: { 'aws:SecureTransport': false } }, ctx({ 'aws:SecureTransport': 'false' })),
    ).toBe(true);
  });

  it('Null tests presence', () => {
    expect(holds({ Null: { 'aws:SourceArn': 'true' } }, ctx({}))).toBe(true);
    expect(holds({ Null: { 'aws:SourceArn': 'false' } }, ctx({}))).toBe(false);
    expect(holds({ Null: { 'aws:SourceArn': 'false' } }, ctx({ 'aws:SourceArn': 'a' }))).toBe(true);
  });

  it('ForAnyValue and ForAllValues over multi-valued keys', () => {
    const any = { 'ForAnyValue:StringEquals': { 'x:tags': ['a', 'b'] } };
    const all = { 'ForAllValues:StringEquals': { 'x:tags': ['a', 'b'] } };
    expect(holds(any, ctx({ 'x:tags': ['c', 'b'] }))).toBe(true);
    expect(holds(any, ctx({ 'x:tags': ['c'] }))).toBe(false);
    expect(holds(any, ctx({}))).toBe(false);
    expect(holds(all, ctx({ 'x:tags': ['a', 'b'] }))).toBe(true);
    expect(holds(all, ctx({ 'x:tags': ['a', 'c'] }))).toBe(false);
    expect(holds(all, ctx({}))).toBe(true);
  });

  it('refuses an unknown operator or a value the operator cannot read, at load', () => {
    expect(() => parseCondition({ StringSorta: { 'aws:username': 'a' } })).toThrow(
      'The policy is not valid: the condition operator StringSorta is not supported',
    );
    expect(() => parseCondition({ NullIfExists: { 'aws:username': 'true' } })).toThrow(
      /NullIfExists is not supported/,
    );
    expect(() => parseCondition({ DateLessThan: { 'aws:CurrentTime': 'soon' } })).toThrow(
      /DateLessThan cannot compare with "soon"/,
    );
    expect(() => parseCondition({ IpAddress: { 'aws:SourceIp': '10.0.0.0/33' } })).toThrow(
      /IpAddress needs IP addresses or CIDR blocks/,
    );
    expect(() => parseCondition({ Bool: { 'aws:SecureTransport': 'yes' } })).toThrow(/Bool/);
    expect(() => parseCondition({ StringEquals: {} })).toThrow(/names no condition key/);
    expect(() => parseCondition({ StringEquals: { k: { nested: 1 } } })).toThrow(/values must be/);
    expect(() => parseCondition('StringEquals')).toThrow(/Condition must be an object/);
  });
});

describe('conditions in policies', () => {
  const FN = 'arn:aws:lambda:us-east-1:000000000000:function:team-a-x';
  const request = (sourceIp: string, secure: boolean, now = Date.parse('2026-12-07T10:00:00Z')) =>
    conditionContextOf({
      principalArn: 'arn:aws:iam::000000000000:user/ci',
      accountId: '000000000000',
      region: 'us-east-1',
      sourceIp,
      now,
      secureTransport: secure,
    });

  it('an Allow with a condition allows only requests it holds for; a conditioned Deny wins', () => {
    const policy = parsePolicy({
      Statement: [
        {
          Effect: 'Allow',
          Action: 'lambda:*',
          Resource: '*',
          Condition: {
            IpAddress: { 'aws:SourceIp': '127.0.0.0/8' },
            DateLessThan: { 'aws:CurrentTime': '2027-01-01T00:00:00Z' },
            StringEquals: { 'aws:PrincipalAccount': '000000000000', 'aws:username': 'ci' },
          },
        },
        {
          Effect: 'Deny',
          Action: 'lambda:DeleteFunction',
          Resource: '*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    });
    expect(evaluatePolicy(policy, 'lambda:InvokeFunction', FN, request('127.0.0.1', false))).toBe(
      'allow',
    );
    expect(evaluatePolicy(policy, 'lambda:InvokeFunction', FN, request('10.0.0.1', false))).toBe(
      'implicit-deny',
    );
    expect(
      evaluatePolicy(
        policy,
        'lambda:InvokeFunction',
        FN,
        request('127.0.0.1', true, Date.parse('2027-02-01T00:00:00Z')),
      ),
    ).toBe('implicit-deny');
    expect(evaluatePolicy(policy, 'lambda:DeleteFunction', FN, request('127.0.0.1', false))).toBe(
      'explicit-deny',
    );
    expect(evaluatePolicy(policy, 'lambda:DeleteFunction', FN, request('127.0.0.1', true))).toBe(
      'allow',
    );
  });

  it('a resource policy statement’s conditions are evaluated with the same semantics', () => {
    const statements = [
      {
        sid: 'url',
        action: 'lambda:InvokeFunctionUrl',
        principal: '*',
        functionUrlAuthType: 'AWS_IAM' as const,
      },
      {
        sid: 'sqs',
        action: 'lambda:InvokeFunction',
        principal: '*',
        sourceArn: 'arn:aws:sqs:*:*:q',
      },
    ];
    const arn = 'arn:aws:iam::000000000000:user/ci';
    const context = request('127.0.0.1', false);
    expect(
      resourcePolicyAllows(statements, {
        arn,
        action: 'lambda:InvokeFunctionUrl',
        functionUrlAuthType: 'AWS_IAM',
        context,
      }),
    ).toBe(true);
    expect(
      resourcePolicyAllows(statements, { arn, action: 'lambda:InvokeFunctionUrl', context }),
    ).toBe(false);
    expect(
      resourcePolicyAllows(statements, { arn, action: 'lambda:InvokeFunction', context }),
    ).toBe(false);
    const fromQueue = new Map([...context, ['aws:sourcearn', 'arn:aws:sqs:us-east-1:1:q']]);
    expect(
      resourcePolicyAllows(statements, {
        arn,
        action: 'lambda:InvokeFunction',
        context: fromQueue,
      }),
    ).toBe(true);
  });
});
