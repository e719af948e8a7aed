import { describe, expect, it } from 'vitest';

import {
  invalidMessage,
  isAlreadyExists,
  isStaleWrite,
  kubeStatusOf,
  toLambdaError,
} from './kube-errors.js';

const apiError = (code: number, reason: string, message: string) => ({
  code,
  body: JSON.stringify({ kind: 'Status', code, reason, message }),
});
const ctx = { notFound: 'Function not found: arn:x', alreadyExists: 'Function already exist: x' };

describe('Kubernetes errors → Lambda errors', () => {
  it('reads code, reason and message from a string or object body', () => {
    expect(kubeStatusOf(apiError(404, 'NotFound', 'gone'))).toEqual({
      code: 404,
      reason: 'NotFound',
      message: 'gone',
    });
    expect(kubeStatusOf({ code: 409, body: { reason: 'Conflict' } })?.reason).toBe('Conflict');
    expect(kubeStatusOf(new Error('ECONNREFUSED'))).toBeUndefined();
  });

  it('maps each reason to its Lambda error and status', () => {
    const cases: [unknown, string, number, string][] = [
      [apiError(404, 'NotFound', 'x'), 'ResourceNotFoundException', 404, ctx.notFound],
      [apiError(409, 'AlreadyExists', 'x'), 'ResourceConflictException', 409, ctx.alreadyExists],
      [
        apiError(409, 'Conflict', 'the object has been modified'),
        'PreconditionFailedException',
        412,
        'The resource was changed by another request. Get it again and retry.',
      ],
      [
        apiError(
          422,
          'Invalid',
          'Function.lamina.dev "x" is invalid: spec.memorySize: Invalid value: 64: spec.memorySize in body should be greater than or equal to 128',
        ),
        'InvalidParameterValueException',
        400,
        'spec.memorySize: Invalid value: 64: spec.memorySize in body should be greater than or equal to 128',
      ],
      [
        apiError(403, 'Forbidden', 'functions is forbidden'),
        'ServiceException',
        500,
        'The Kubernetes API server answered 403 Forbidden: functions is forbidden',
      ],
      [
        new Error('socket hang up'),
        'ServiceException',
        500,
        'The Kubernetes API server could not be reached.',
      ],
    ];
    for (const [err, name, status, message] of cases) {
      const mapped = toLambdaError(err, ctx);
      expect({ name: mapped.name, status: mapped.status, message: mapped.message }).toEqual({
        name,
        status,
        message,
      });
    }
  });

  it('tells a lost resourceVersion race from a taken name', () => {
    expect(isStaleWrite(apiError(409, 'Conflict', ''))).toBe(true);
    expect(isStaleWrite(apiError(409, 'AlreadyExists', ''))).toBe(false);
    expect(isAlreadyExists(apiError(409, 'AlreadyExists', ''))).toBe(true);
  });

  it('keeps messages without the kind/name prefix as they are', () => {
    expect(invalidMessage('spec: Required value')).toBe('spec: Required value');
  });
});
