import { describe, expect, it } from 'vitest';
import { formatErrorForLog, RuntimeInitError, toErrorBody, wrapCause } from './errors.js';

describe('toErrorBody', () => {
  it('shapes an Error as {errorType, errorMessage, trace}', () => {
    const err = new TypeError('bad');
    const body = toErrorBody(err);
    expect(Object.keys(body)).toEqual(['errorType', 'errorMessage', 'trace']);
    expect(body.errorType).toBe('TypeError');
    expect(body.errorMessage).toBe('bad');
    expect(body.trace[0]).toBe('TypeError: bad');
    expect(body.trace.length).toBeGreaterThan(1);
  });

  it('uses the typeof and the string of a non-error value', () => {
    expect(toErrorBody('plain')).toEqual({ errorType: 'string', errorMessage: 'plain', trace: [] });
    expect(toErrorBody(42)).toEqual({ errorType: 'number', errorMessage: '42', trace: [] });
  });

  it('treats error-like objects as errors and escapes DEL', () => {
    const like = { name: 'Custom', message: 'a\x7Fb', stack: 'Custom: a\x7Fb\n    at x' };
    expect(toErrorBody(like)).toEqual({
      errorType: 'Custom',
      errorMessage: 'a%7Fb',
      trace: ['Custom: a%7Fb', '    at x'],
    });
  });

  it('survives errors whose fields throw', () => {
    const evil = new Error('x');
    Object.defineProperty(evil, 'stack', {
      get() {
        throw new Error('no');
      },
    });
    expect(toErrorBody(evil).errorType).toBe('handled');
  });
});

describe('runtime init errors', () => {
  it('prefix the cause with its name, and keep the type as the name', () => {
    const err = wrapCause('Runtime.ImportModuleError', new Error("Cannot find module 'x'"));
    expect(err).toBeInstanceOf(RuntimeInitError);
    expect(err.name).toBe('Runtime.ImportModuleError');
    expect(err.message).toBe("Error: Cannot find module 'x'");
    expect(toErrorBody(err).trace[0]).toBe(
      "Runtime.ImportModuleError: Error: Cannot find module 'x'",
    );
  });

  it('log with `stack` instead of `trace`', () => {
    expect(formatErrorForLog({ errorType: 'E', errorMessage: 'm', trace: ['E: m'] })).toBe(
      '{"errorType":"E","errorMessage":"m","stack":["E: m"]}',
    );
  });
});
