import { describe, expect, it } from 'vitest';

import { validateFunctionSpec } from './function-spec.js';

const runtimes = ['nodejs22.x'];
const base = { name: 'hello', runtime: 'nodejs22.x', handler: 'index.handler' };

describe('validateFunctionSpec', () => {
  it('applies Lambda defaults', () => {
    expect(validateFunctionSpec(base, runtimes)).toMatchObject({
      memorySize: 128,
      timeout: 3,
      ephemeralStorage: 512,
      environment: {},
      architectures: ['x86_64'],
    });
  });

  it("reports range violations with Lambda's message", () => {
    expect(() => validateFunctionSpec({ ...base, memorySize: 64 }, runtimes)).toThrow(
      "'MemorySize' value failed to satisfy constraint: Member must have value greater than or equal to 128",
    );
    expect(() => validateFunctionSpec({ ...base, timeout: 901 }, runtimes)).toThrow(
      "'Timeout' value failed to satisfy constraint: Member must have value less than or equal to 900",
    );
    expect(() => validateFunctionSpec({ ...base, memorySize: 1, timeout: 0 }, runtimes)).toThrow(
      /^2 validation errors detected: 'MemorySize' .*; 'Timeout'/,
    );
  });

  it('rejects unsupported runtimes, reserved and oversized environments', () => {
    expect(() => validateFunctionSpec({ ...base, runtime: 'java17' }, runtimes)).toThrow(
      expect.objectContaining({ name: 'InvalidParameterValueException' }),
    );
    expect(() => validateFunctionSpec({ ...base, runtime: 'cobol' }, runtimes)).toThrow(
      expect.objectContaining({ name: 'ValidationException' }),
    );
    expect(() =>
      validateFunctionSpec({ ...base, environment: { AWS_REGION: 'x' } }, runtimes),
    ).toThrow(/reserved keys/);
    expect(() =>
      validateFunctionSpec({ ...base, environment: { BIG: 'x'.repeat(5000) } }, runtimes),
    ).toThrow(/4KB limit/);
    expect(() => validateFunctionSpec({ ...base, environment: { '1X': 'y' } }, runtimes)).toThrow(
      /Environment.Variables/,
    );
  });

  it('names what a runtime needs, and why python3.12 is refused everywhere', () => {
    expect(() => validateFunctionSpec({ ...base, runtime: 'java21' }, runtimes)).toThrow(
      /^The runtime parameter of java21 is not supported by this Lamina installation\. It needs a JDK 21 \(LAMINA_JAVA21_HOME.*Supported runtimes: nodejs22\.x\.$/,
    );
    expect(() =>
      validateFunctionSpec({ ...base, runtime: 'python3.12' }, [...runtimes, 'python3.12']),
    ).toThrow(/^The runtime parameter of python3\.12 is not supported by Lamina: no CPython 3\.12/);
  });

  it('checks the dead-letter target and shows it as DeadLetterConfig', () => {
    const spec = validateFunctionSpec(
      { ...base, deadLetterTargetArn: 'lamina:queue:dlq' },
      runtimes,
    );
    expect(spec.deadLetterTargetArn).toBe('lamina:queue:dlq');
    expect(validateFunctionSpec({ ...base, deadLetterTargetArn: '' }, runtimes)).not.toHaveProperty(
      'deadLetterTargetArn',
    );
    expect(() =>
      validateFunctionSpec({ ...base, deadLetterTargetArn: 'ftp://nowhere' }, runtimes),
    ).toThrow(expect.objectContaining({ name: 'InvalidParameterValueException' }));
  });

  it('keeps reserved concurrency, including 0', () => {
    expect(
      validateFunctionSpec({ ...base, reservedConcurrency: 0 }, runtimes).reservedConcurrency,
    ).toBe(0);
    expect(validateFunctionSpec(base, runtimes)).not.toHaveProperty('reservedConcurrency');
  });
});
