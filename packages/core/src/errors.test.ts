import { describe, expect, it } from 'vitest';

import { LaminaError, ResourceNotFoundException, TooManyRequestsException } from './errors.js';

describe('LaminaError', () => {
  it("carries Lambda's name, status and body shape", () => {
    const e = new ResourceNotFoundException('Function not found: arn');
    expect(e).toMatchObject({ name: 'ResourceNotFoundException', status: 404, retriable: false });
    expect(e.toBody()).toEqual({ Type: 'User', Message: 'Function not found: arn' });
  });

  it('gives throttles a Reason and Retry-After', () => {
    const e = new TooManyRequestsException('ReservedFunctionConcurrentInvocationLimitExceeded', 2);
    expect(e.status).toBe(429);
    expect(e.headers).toEqual({ 'Retry-After': '2' });
    expect(e.toBody()).toEqual({
      Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      Type: 'User',
      message: 'Rate Exceeded.',
    });
  });

  it("says a throttled control-plane caller's text, not an invocation throttle's", () => {
    const e = new TooManyRequestsException('CallerRateLimitExceeded');
    expect(e.headers).toEqual({ 'Retry-After': '1' });
    expect(e.toBody()).toEqual({
      Reason: 'CallerRateLimitExceeded',
      Type: 'User',
      message: 'Rate exceeded',
    });
  });

  it('turns unknown throws into ServiceException', () => {
    const e = LaminaError.from(new TypeError('x'));
    expect(e).toMatchObject({ name: 'ServiceException', status: 500, type: 'Service' });
  });
});
