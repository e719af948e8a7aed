import { describe, expect, it } from 'vitest';

import { codeSha256, diffFunction } from './function-diff.js';

const zip = Buffer.from('zip bytes');
const desired = {
  name: 'f',
  runtime: 'nodejs22.x',
  handler: 'index.handler',
  zip,
  environment: { A: '1' },
};
const current = {
  Runtime: 'nodejs22.x' as const,
  Handler: 'index.handler',
  MemorySize: 128,
  Timeout: 3,
  Environment: { Variables: { A: '1' } },
  CodeSha256: codeSha256(zip),
};

describe('diffFunction', () => {
  it('finds nothing when only defaults are implicit', () => {
    expect(diffFunction(desired, current)).toEqual({ code: false, configuration: [] });
  });

  it('names each field that differs, and code by its hash', () => {
    const d = { ...desired, zip: Buffer.from('other'), memorySize: 256, environment: { A: '2' } };
    expect(diffFunction(d, current)).toEqual({
      code: true,
      configuration: ['MemorySize', 'Environment'],
    });
  });
});
