import { describe, expect, it } from 'vitest';

import { LaminaError } from './errors.js';
import type { FunctionRecord } from './function-record.js';
import {
  type AliasRecord,
  assertAliasName,
  assertAliasRouting,
  assertAliasTarget,
  assertRevision,
  changedSinceVersion,
  isVersionNumber,
  newVersionRecord,
  parseRoutingConfig,
  pickAliasVersion,
  toAliasConfiguration,
  toVersionConfiguration,
  versionEnvironmentConfig,
  type VersionRecord,
} from './versions.js';

const ctx = { region: 'us-east-1', accountId: '000000000000' };

const latest: FunctionRecord = {
  spec: {
    name: 'fn',
    runtime: 'nodejs22.x',
    handler: 'index.handler',
    description: 'the function',
    role: 'arn:aws:iam::000000000000:role/r',
    memorySize: 128,
    timeout: 3,
    ephemeralStorage: 512,
    environment: { A: '1' },
    reservedConcurrency: 5,
    architectures: ['x86_64'],
  },
  code: { sha256: 'c2hh', size: 3, location: '/code/abc' },
  lastModified: '2026-01-01T00:00:00.000+0000',
  revisionId: 'rev-latest',
  state: 'Active',
  lastUpdateStatus: 'Successful',
  tags: {},
  source: 'api',
};

const v1: VersionRecord = newVersionRecord(latest, {
  version: '1',
  code: latest.code,
  description: undefined,
  lastModified: '2026-01-02T00:00:00.000+0000',
  revisionId: 'rev-v1',
});

const errorName = (fn: () => void): string => {
  try {
    fn();
  } catch (err) {
    return (err as LaminaError).name;
  }
  return 'none';
};

describe('qualifiers and alias names', () => {
  it('tells version numbers from $LATEST and aliases', () => {
    expect(isVersionNumber('1')).toBe(true);
    expect(isVersionNumber('42')).toBe(true);
    expect(isVersionNumber('0')).toBe(false);
    expect(isVersionNumber('$LATEST')).toBe(false);
    expect(isVersionNumber('prod')).toBe(false);
  });
  it('refuses alias names that are digits only, too long or with other characters', () => {
    expect(() => {
      assertAliasName('prod-1_a');
    }).not.toThrow();
    for (const bad of ['123', '', 'a'.repeat(129), 'a.b', '$LATEST', 7]) {
      expect(
        errorName(() => {
          assertAliasName(bad);
        }),
      ).toBe('ValidationException');
    }
  });
  it('an alias points at a number or $LATEST', () => {
    expect(() => {
      assertAliasTarget('$LATEST');
    }).not.toThrow();
    expect(
      errorName(() => {
        assertAliasTarget('prod');
      }),
    ).toBe('ValidationException');
  });
});

describe('routing config', () => {
  it('parses weights, {} clears, absent stays absent', () => {
    expect(parseRoutingConfig(undefined)).toBeUndefined();
    expect(parseRoutingConfig({})).toEqual({});
    expect(parseRoutingConfig({ AdditionalVersionWeights: {} })).toEqual({});
    expect(parseRoutingConfig({ AdditionalVersionWeights: { '2': 0.3 } })).toEqual({ '2': 0.3 });
  });
  it('refuses weights outside 0–1, bad keys and a second extra version', () => {
    expect(errorName(() => parseRoutingConfig({ AdditionalVersionWeights: { '2': 1.5 } }))).toBe(
      'ValidationException',
    );
    expect(errorName(() => parseRoutingConfig({ AdditionalVersionWeights: { x: 0.1 } }))).toBe(
      'ValidationException',
    );
    expect(
      errorName(() => parseRoutingConfig({ AdditionalVersionWeights: { '2': 0.1, '3': 0.1 } })),
    ).toBe('InvalidParameterValueException');
  });
  it('checks that both versions exist, differ, and the primary is not $LATEST', () => {
    const versions = new Map([
      ['1', v1],
      ['2', { ...v1, version: '2' }],
      ['3', { ...v1, version: '3', spec: { ...v1.spec, role: 'other' } }],
    ]);
    const check = (functionVersion: string, w: Record<string, number>): string =>
      errorName(() => {
        assertAliasRouting(
          { functionName: 'fn', functionVersion, additionalVersionWeights: w },
          (v) => versions.get(v),
          ctx,
        );
      });
    expect(check('1', { '2': 0.3 })).toBe('none');
    expect(check('$LATEST', {})).toBe('none');
    expect(check('9', {})).toBe('InvalidParameterValueException');
    expect(check('1', { '9': 0.3 })).toBe('InvalidParameterValueException');
    expect(check('1', { '1': 0.3 })).toBe('InvalidParameterValueException');
    expect(check('$LATEST', { '1': 0.3 })).toBe('InvalidParameterValueException');
    expect(check('1', { '3': 0.3 })).toBe('InvalidParameterValueException');
  });
  it('picks the additional version below its weight, the primary otherwise', () => {
    const alias = { functionVersion: '1', additionalVersionWeights: { '2': 0.3 } };
    expect(pickAliasVersion(alias, 0)).toBe('2');
    expect(pickAliasVersion(alias, 0.2999)).toBe('2');
    expect(pickAliasVersion(alias, 0.3)).toBe('1');
    expect(pickAliasVersion(alias, 0.99)).toBe('1');
    expect(pickAliasVersion({ functionVersion: '1', additionalVersionWeights: {} }, 0)).toBe('1');
  });
});

describe('publishing', () => {
  it('freezes the version-specific spec without the per-function reservation', () => {
    expect(v1.spec).not.toHaveProperty('reservedConcurrency');
    expect(v1.description).toBe('the function');
  });
  it('sees a change in code or config but not in the reservation', () => {
    const same = { spec: latest.spec, codeSha256: latest.code.sha256 };
    expect(changedSinceVersion(same, undefined)).toBe(true);
    expect(changedSinceVersion(same, v1)).toBe(false);
    expect(
      changedSinceVersion({ ...same, spec: { ...latest.spec, reservedConcurrency: 9 } }, v1),
    ).toBe(false);
    expect(changedSinceVersion({ ...same, codeSha256: 'other' }, v1)).toBe(true);
    expect(
      changedSinceVersion({ ...same, spec: { ...latest.spec, environment: { A: '2' } } }, v1),
    ).toBe(true);
  });
  it('checks RevisionId preconditions with 412', () => {
    expect(
      errorName(() => {
        assertRevision(undefined, 'r', 'function');
      }),
    ).toBe('none');
    expect(
      errorName(() => {
        assertRevision('r', 'r', 'function');
      }),
    ).toBe('none');
    expect(
      errorName(() => {
        assertRevision('old', 'r', 'alias');
      }),
    ).toBe('PreconditionFailedException');
  });
});

describe('API shapes', () => {
  it('a version configuration carries the number and a qualified ARN', () => {
    const c = toVersionConfiguration(v1, ctx);
    expect(c).toMatchObject({
      FunctionName: 'fn',
      FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn:1',
      Version: '1',
      RevisionId: 'rev-v1',
      CodeSha256: 'c2hh',
      Description: 'the function',
      State: 'Active',
    });
    expect(toVersionConfiguration(v1, ctx, 'prod')['FunctionArn']).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:fn:prod',
    );
  });
  it('an alias configuration shows routing only when weighted', () => {
    const alias: AliasRecord = {
      functionName: 'fn',
      name: 'prod',
      functionVersion: '1',
      description: '',
      additionalVersionWeights: {},
      revisionId: 'r',
    };
    expect(toAliasConfiguration(alias, ctx)).toEqual({
      AliasArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn:prod',
      Name: 'prod',
      FunctionVersion: '1',
      Description: '',
      RevisionId: 'r',
    });
    expect(
      toAliasConfiguration({ ...alias, additionalVersionWeights: { '2': 0.3 } }, ctx),
    ).toMatchObject({ RoutingConfig: { AdditionalVersionWeights: { '2': 0.3 } } });
  });
  it('an environment of a version runs that version with its frozen code', () => {
    expect(versionEnvironmentConfig(v1, ctx)).toMatchObject({
      name: 'fn',
      version: '1',
      codeDir: '/code/abc',
      codeSha256: 'c2hh',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
    });
  });
});
