import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { functionSpecSchema } from './function.js';
import { toStructuralSchema, withCel } from './structural.js';

describe('toStructuralSchema', () => {
  it('keeps types, bounds, defaults and CEL rules; drops JSON-Schema-only keys', () => {
    const s = toStructuralSchema(
      withCel(
        z.object({ n: z.int().min(1).default(2), m: z.record(z.string(), z.string()).optional() }),
        { rule: 'self.n > 0', message: 'n must be positive' },
      ),
    );
    expect(s).toEqual({
      type: 'object',
      properties: {
        n: { type: 'integer', minimum: 1, default: 2 },
        m: { type: 'object', additionalProperties: { type: 'string' } },
      },
      'x-kubernetes-validations': [{ rule: 'self.n > 0', message: 'n must be positive' }],
    });
  });

  it('refuses shapes a structural schema cannot express', () => {
    expect(() => toStructuralSchema(z.object({ u: z.union([z.string(), z.number()]) }))).toThrow(
      /union/,
    );
  });
});

describe('functionSpecSchema (the same rules the API server enforces)', () => {
  const base = { runtime: 'nodejs22.x', handler: 'index.handler', code: { path: './fn' } };

  it('accepts the local-mode manifest shape and applies Lambda defaults', () => {
    const spec = functionSpecSchema.parse({
      ...base,
      environment: { variables: { GREETING: 'hi' } },
      ephemeralStorage: { size: 1024 },
      reservedConcurrency: 5,
    });
    expect(spec).toMatchObject({ memorySize: 128, timeout: 3, ephemeralStorage: { size: 1024 } });
  });

  it.each([
    ['memory 64', { memorySize: 64 }],
    ['timeout 0', { timeout: 0 }],
    ['unknown runtime', { runtime: 'cobol85' }],
    ['a handler with spaces', { handler: 'index handler' }],
  ])('rejects %s', (_name, patch) => {
    expect(functionSpecSchema.safeParse({ ...base, ...patch }).success).toBe(false);
  });
});
