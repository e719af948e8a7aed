import { describe, expect, it } from 'vitest';

import { ASYNC_INVOKE_RULES, invokeKindOf, KAFKA_INVOKE_RULES } from './invoke-kind.js';

describe('invokeKindOf', () => {
  it('agrees for both callers on everything but 404 and 413', () => {
    for (const rules of [ASYNC_INVOKE_RULES, KAFKA_INVOKE_RULES]) {
      expect(invokeKindOf(200, undefined, rules)).toBe('success');
      expect(invokeKindOf(200, 'Unhandled', rules)).toBe('function-error');
      expect(invokeKindOf(429, undefined, rules)).toBe('throttle');
      for (const s of [0, 409, 500, 502, 503])
        expect(invokeKindOf(s, undefined, rules)).toBe('system-error');
      for (const s of [400, 403, 415]) expect(invokeKindOf(s, undefined, rules)).toBe('rejected');
    }
  });

  it('async: a missing function and a too-large event are final', () => {
    expect(invokeKindOf(404, undefined, ASYNC_INVOKE_RULES)).toBe('rejected');
    expect(invokeKindOf(413, undefined, ASYNC_INVOKE_RULES)).toBe('rejected');
  });

  it('Kafka: a missing function is waited out and a too-large batch is split', () => {
    expect(invokeKindOf(404, undefined, KAFKA_INVOKE_RULES)).toBe('system-error');
    expect(invokeKindOf(413, undefined, KAFKA_INVOKE_RULES)).toBe('too-large');
  });
});
