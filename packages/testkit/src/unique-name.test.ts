import { describe, expect, it } from 'vitest';

import { uniqueName } from './unique-name.js';

/** RFC 1123 label: what a Kubernetes namespace must be (the strictest of the targets). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LAMBDA_FUNCTION_NAME = /^[a-zA-Z0-9-_]{1,64}$/;
const KAFKA_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

describe('uniqueName', () => {
  it('is prefix-<8 hex> and differs every time', () => {
    const names = new Set(Array.from({ length: 1000 }, () => uniqueName('smoke')));
    expect(names.size).toBe(1000);
    for (const n of names) expect(n).toMatch(/^smoke-[0-9a-f]{8}$/);
  });

  it('is a namespace, a Lambda function name and a Kafka topic at once, even at full length', () => {
    for (const prefix of ['a', 'kafka-fn', 'x'.repeat(54)]) {
      const name = uniqueName(prefix);
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(DNS_LABEL);
      expect(name).toMatch(LAMBDA_FUNCTION_NAME);
      expect(name).toMatch(KAFKA_TOPIC);
    }
  });

  it.each([
    '',
    'Upper',
    '1st',
    'under_score',
    'dot.ted',
    'trailing-',
    'double--dash',
    'x'.repeat(55),
  ])('rejects the prefix %j', (prefix) => {
    expect(() => uniqueName(prefix)).toThrow(/uniqueName prefix/);
  });
});
