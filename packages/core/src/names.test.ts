import { describe, expect, it } from 'vitest';

import { functionArn, parseFunctionRef, functionRefIn } from './names.js';

describe('parseFunctionRef', () => {
  it('accepts every form Lambda accepts', () => {
    expect(parseFunctionRef('my-fn')).toEqual({ name: 'my-fn', qualifier: undefined });
    expect(parseFunctionRef('my-fn:PROD')).toEqual({ name: 'my-fn', qualifier: 'PROD' });
    expect(parseFunctionRef('123456789012:function:my-fn:7')).toEqual({
      name: 'my-fn',
      qualifier: '7',
      accountId: '123456789012',
    });
    expect(
      parseFunctionRef('arn:aws:lambda:us-east-1:123456789012:function:my-fn:$LATEST'),
    ).toEqual({
      name: 'my-fn',
      qualifier: '$LATEST',
      region: 'us-east-1',
      accountId: '123456789012',
    });
  });

  it('merges the Qualifier parameter and rejects a conflict', () => {
    expect(parseFunctionRef('my-fn', '3').qualifier).toBe('3');
    expect(parseFunctionRef('my-fn:3', '3').qualifier).toBe('3');
    expect(() => parseFunctionRef('my-fn:3', '4')).toThrow(/does not match/);
  });

  it('rejects malformed names with ValidationException', () => {
    for (const bad of ['', 'a b', 'arn:aws:s3:::bucket', 'fn:bad qualifier']) {
      expect(() => parseFunctionRef(bad)).toThrow(
        expect.objectContaining({ name: 'ValidationException', status: 400 }),
      );
    }
    // AWS's CreateFunction answers a 65-character name with InvalidParameterValueException.
    expect(() => parseFunctionRef('x'.repeat(65))).toThrow(
      expect.objectContaining({
        name: 'InvalidParameterValueException',
        message: `1 validation error detected: Value '${'x'.repeat(65)}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64`,
      }),
    );
  });

  it('resolves a reference in this region and account as AWS does', () => {
    const ctx = { region: 'us-east-1', accountId: '123456789012' };
    expect(functionRefIn(ctx, 'arn:aws:lambda:us-east-1:123456789012:function:f:1')).toEqual({
      name: 'f',
      qualifier: '1',
      region: 'us-east-1',
      accountId: '123456789012',
    });
    expect(() => functionRefIn(ctx, 'arn:aws:lambda:eu-central-1:123456789012:function:f')).toThrow(
      expect.objectContaining({
        name: 'ResourceNotFoundException',
        message: "Functions from 'eu-central-1' are not reachable in this region ('us-east-1')",
      }),
    );
    expect(() => functionRefIn(ctx, '999999999999:function:f')).toThrow(
      expect.objectContaining({
        name: 'ResourceNotFoundException',
        message: 'Function not found: arn:aws:lambda:us-east-1:999999999999:function:f',
      }),
    );
    expect(() => functionRefIn(ctx, 'x'.repeat(65))).toThrow(
      expect.objectContaining({
        name: 'ResourceNotFoundException',
        message: `Function not found: arn:aws:lambda:us-east-1:123456789012:function:${'x'.repeat(65)}`,
      }),
    );
  });

  it('builds ARNs', () => {
    const ctx = { region: 'eu-west-1', accountId: '000000000000' };
    expect(functionArn(ctx, 'f')).toBe('arn:aws:lambda:eu-west-1:000000000000:function:f');
    expect(functionArn(ctx, 'f', '$LATEST')).toBe(
      'arn:aws:lambda:eu-west-1:000000000000:function:f:$LATEST',
    );
  });
});
