import { describe, expect, it } from 'vitest';

import { LaminaError } from './errors.js';
import { validateFunctionSpec } from './function-spec.js';
import { toFunctionConfiguration } from './function-record.js';
import { kmsKeyIdOf, parseVpcConfig, vpcConfigJson, vpcConfigOfJson } from './vpc-kms-config.js';

const ctx = { region: 'us-east-1', accountId: '000000000000' };

describe('VpcConfig (egress groups)', () => {
  it('parses the API shape, deduplicating, and answers as AWS shapes it', () => {
    const c = parseVpcConfig({
      SubnetIds: ['subnet-1'],
      SecurityGroupIds: ['sg-redis', 'sg-redis'],
    });
    expect(c).toEqual({
      subnetIds: ['subnet-1'],
      securityGroupIds: ['sg-redis'],
      ipv6AllowedForDualStack: false,
    });
    expect(vpcConfigJson(c!)).toEqual({
      SubnetIds: ['subnet-1'],
      SecurityGroupIds: ['sg-redis'],
      VpcId: 'vpc-lamina',
      Ipv6AllowedForDualStack: false,
    });
    expect(vpcConfigOfJson(JSON.stringify(vpcConfigJson(c!)))).toEqual(c);
    expect(parseVpcConfig(undefined)).toBeUndefined();
    expect(vpcConfigOfJson('{nope')).toBeUndefined();
  });

  it('refuses a group that cannot be a label name', () => {
    expect(() => parseVpcConfig({ SecurityGroupIds: ['sg-ok', 'sg-a/b'] })).toThrow(
      /Invalid security group ID\(s\): sg-a\/b/,
    );
    expect(() => parseVpcConfig({ SecurityGroupIds: 'x' })).toThrow(LaminaError);
  });

  it('is kept on the spec, removed by empty lists, and returned', () => {
    const base = { name: 'f', runtime: 'nodejs22.x', handler: 'i.h' };
    const vpcConfig = parseVpcConfig({ SecurityGroupIds: ['sg-redis'] });
    const spec = validateFunctionSpec({ ...base, vpcConfig }, ['nodejs22.x']);
    expect(spec.vpcConfig?.securityGroupIds).toEqual(['sg-redis']);
    const cleared = validateFunctionSpec(
      { ...base, vpcConfig: parseVpcConfig({ SubnetIds: [], SecurityGroupIds: [] }) },
      ['nodejs22.x'],
    );
    expect(cleared.vpcConfig).toBeUndefined();
  });
});

describe('KMSKeyArn', () => {
  it('takes a key ARN, refuses an alias as Lambda does, and is returned', () => {
    const arn = 'arn:aws:kms:us-east-1:000000000000:key/team-a';
    expect(kmsKeyIdOf(arn)).toBe('team-a');
    expect(() => kmsKeyIdOf('arn:aws:kms:us-east-1:000000000000:alias/x')).toThrow(
      /Key Aliases are not supported/,
    );
    const base = { name: 'f', runtime: 'nodejs22.x', handler: 'i.h' };
    const spec = validateFunctionSpec({ ...base, kmsKeyArn: arn }, ['nodejs22.x']);
    expect(spec.kmsKeyArn).toBe(arn);
    const record = {
      spec,
      code: { sha256: '', size: 0, location: '' },
      lastModified: '',
      revisionId: 'r',
      state: 'Active' as const,
      lastUpdateStatus: 'Successful' as const,
      tags: {},
      source: 'api' as const,
    };
    expect(toFunctionConfiguration(record, ctx)['KMSKeyArn']).toBe(arn);
    expect(
      validateFunctionSpec({ ...base, kmsKeyArn: '' }, ['nodejs22.x']).kmsKeyArn,
    ).toBeUndefined();
    expect(() => validateFunctionSpec({ ...base, kmsKeyArn: 'nope' }, ['nodejs22.x'])).toThrow(
      /KMS key is invalid/,
    );
  });
});
