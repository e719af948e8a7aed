import { describe, expect, it } from 'vitest';

import { LaminaError } from './errors.js';
import {
  LEVEL_NEEDS_JSON_MESSAGE,
  loggingConfigResponse,
  loggingRuntimeEnv,
  parseLoggingConfig,
} from './logging-config.js';

const errorOf = (f: () => unknown): LaminaError => {
  try {
    f();
  } catch (e) {
    if (e instanceof LaminaError) return e;
  }
  throw new Error('no LaminaError thrown');
};

describe('LoggingConfig', () => {
  it('answers the defaults without settings', () => {
    expect(loggingConfigResponse('hello', undefined)).toEqual({
      LogFormat: 'Text',
      LogGroup: '/aws/lambda/hello',
    });
    expect(loggingRuntimeEnv(undefined)).toEqual({});
  });

  it('fills INFO for both levels when JSON is asked for, as AWS shows them', () => {
    const l = parseLoggingConfig({ LogFormat: 'JSON' }, undefined);
    expect(l).toEqual({ format: 'JSON', applicationLogLevel: 'INFO', systemLogLevel: 'INFO' });
    expect(loggingConfigResponse('f', l)).toEqual({
      LogFormat: 'JSON',
      ApplicationLogLevel: 'INFO',
      SystemLogLevel: 'INFO',
      LogGroup: '/aws/lambda/f',
    });
    expect(loggingRuntimeEnv(l)).toEqual({
      AWS_LAMBDA_LOG_FORMAT: 'JSON',
      AWS_LAMBDA_LOG_LEVEL: 'INFO',
    });
  });

  it('merges a partial update over the current settings', () => {
    const current = parseLoggingConfig(
      { LogFormat: 'JSON', ApplicationLogLevel: 'DEBUG', LogGroup: 'custom/group' },
      undefined,
    );
    expect(parseLoggingConfig({ SystemLogLevel: 'WARN' }, current)).toEqual({
      format: 'JSON',
      applicationLogLevel: 'DEBUG',
      systemLogLevel: 'WARN',
      logGroup: 'custom/group',
    });
    // Back to Text: the levels go, the group stays.
    expect(parseLoggingConfig({ LogFormat: 'Text' }, current)).toEqual({
      format: 'Text',
      logGroup: 'custom/group',
    });
    expect(parseLoggingConfig(undefined, current)).toBeUndefined();
  });

  it('refuses a level with the Text format in AWS words', () => {
    for (const body of [
      { LogFormat: 'Text', ApplicationLogLevel: 'DEBUG' },
      { SystemLogLevel: 'WARN' },
    ]) {
      const e = errorOf(() => parseLoggingConfig(body, undefined));
      expect(e.name).toBe('InvalidParameterValueException');
      expect(e.status).toBe(400);
      expect(e.message).toBe(LEVEL_NEEDS_JSON_MESSAGE);
    }
  });

  it('refuses values outside the model with a ValidationException', () => {
    expect(errorOf(() => parseLoggingConfig({ LogFormat: 'XML' }, undefined)).name).toBe(
      'ValidationException',
    );
    expect(errorOf(() => parseLoggingConfig({ LogGroup: 'a b' }, undefined)).name).toBe(
      'ValidationException',
    );
    expect(errorOf(() => parseLoggingConfig('JSON', undefined)).status).toBe(400);
  });
});
