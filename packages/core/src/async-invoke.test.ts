import { describe, expect, it } from 'vitest';

import {
  asyncJobId,
  asyncKeys,
  deadLetterMessage,
  decodeAsyncConfig,
  DEFAULT_ASYNC_CONFIG,
  functionOfJobId,
  invocationRecord,
  newAsyncJob,
  parseAsyncTarget,
  toEventInvokeConfig,
  validateEventInvokeConfig,
} from './async-invoke.js';

const job = newAsyncJob({
  functionName: 'fn',
  requestId: 'req-1',
  payload: '{"a":1}',
  acceptedAt: 1000,
});

describe('async keys and job ids', () => {
  it('puts every key under one hash tag', () => {
    const k = asyncKeys();
    expect(k.bullPrefix).toBe('lamina:v1:{async}');
    expect(k.invokeConfigs).toContain('{async}');
    expect(k.namedQueue('dlq')).toBe('lamina:v1:{async}:queue:dlq');
  });
  it('makes colon-free job ids that name the function', () => {
    const id = asyncJobId('fn', 'a:b');
    expect(id).toBe('fn~a_b');
    expect(functionOfJobId(id)).toBe('fn');
    expect(functionOfJobId('42')).toBe('');
  });
});

describe('parseAsyncTarget', () => {
  it('knows every kind', () => {
    expect(parseAsyncTarget('lamina:queue:dlq')).toEqual({ kind: 'queue', name: 'dlq' });
    expect(parseAsyncTarget('arn:aws:sqs:us-east-1:000000000000:q1')).toEqual({
      kind: 'queue',
      name: 'q1',
      sqs: {
        arn: 'arn:aws:sqs:us-east-1:000000000000:q1',
        region: 'us-east-1',
        accountId: '000000000000',
        name: 'q1',
        fifo: false,
      },
    });
    expect(parseAsyncTarget('kafka://events.out')).toEqual({ kind: 'kafka', topic: 'events.out' });
    expect(parseAsyncTarget('https://example.com/hook')).toEqual({
      kind: 'webhook',
      url: 'https://example.com/hook',
    });
    expect(parseAsyncTarget('arn:aws:lambda:us-east-1:000000000000:function:next')).toMatchObject({
      kind: 'function',
      name: 'next',
    });
  });
  it('refuses the rest with InvalidParameterValueException', () => {
    for (const bad of ['', 'lamina:queue:', 'kafka://a b', 'ftp://x', 'arn:aws:s3:::bucket']) {
      expect(() => parseAsyncTarget(bad)).toThrow(
        expect.objectContaining({ name: 'InvalidParameterValueException' }),
      );
    }
  });
});

describe('validateEventInvokeConfig', () => {
  it('applies defaults and merges an update', () => {
    const put = validateEventInvokeConfig(
      {
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: 'lamina:queue:f' } },
      },
      DEFAULT_ASYNC_CONFIG,
      5,
    );
    expect(put).toEqual({
      maximumRetryAttempts: 0,
      maximumEventAgeInSeconds: 21_600,
      onFailure: 'lamina:queue:f',
      lastModified: 5,
    });
    const upd = validateEventInvokeConfig({ MaximumEventAgeInSeconds: 60 }, put, 6);
    expect(upd).toMatchObject({ maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 });
    expect(upd.onFailure).toBe('lamina:queue:f');
  });
  it("uses Lambda's messages for out-of-range values", () => {
    expect(() =>
      validateEventInvokeConfig({ MaximumRetryAttempts: 3 }, DEFAULT_ASYNC_CONFIG, 0),
    ).toThrow(
      "1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2",
    );
    expect(() =>
      validateEventInvokeConfig({ MaximumEventAgeInSeconds: 59 }, DEFAULT_ASYNC_CONFIG, 0),
    ).toThrow('Member must have value greater than or equal to 60');
  });
  it('keeps the dead-letter target and renders the API shape', () => {
    const c = validateEventInvokeConfig(
      { DeadLetterConfig: { TargetArn: 'kafka://dlq' } },
      DEFAULT_ASYNC_CONFIG,
      7,
    );
    expect(c.deadLetterTarget).toBe('kafka://dlq');
    expect(decodeAsyncConfig(JSON.stringify(c))).toEqual(c);
    expect(decodeAsyncConfig(null)).toBe(DEFAULT_ASYNC_CONFIG);
    expect(toEventInvokeConfig(c, { region: 'us-east-1', accountId: '1' }, 'fn')).toEqual({
      FunctionArn: 'arn:aws:lambda:us-east-1:1:function:fn:$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21_600,
      LastModified: 7,
      DestinationConfig: { OnSuccess: {}, OnFailure: {} },
    });
  });
});

describe('records', () => {
  it("builds Lambda's failure record", () => {
    const failed = {
      ...job,
      lastFailure: {
        statusCode: 200,
        functionError: 'Unhandled',
        executedVersion: '$LATEST',
        responsePayload: '{"errorMessage":"boom"}',
        errorMessage: 'boom',
      },
    };
    expect(
      invocationRecord({
        job: failed,
        functionArn: 'arn:fn:$LATEST',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
        timestamp: new Date(0),
      }),
    ).toEqual({
      version: '1.0',
      timestamp: '1970-01-01T00:00:00.000Z',
      requestContext: {
        requestId: 'req-1',
        functionArn: 'arn:fn:$LATEST',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: { a: 1 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorMessage: 'boom' },
    });
  });
  it('leaves out the response when nothing ran', () => {
    const r = invocationRecord({
      job,
      functionArn: 'a',
      condition: 'EventAgeExceeded',
      approximateInvokeCount: 0,
      timestamp: new Date(0),
    });
    expect(r).not.toHaveProperty('responseContext');
  });
  it('cuts the dead-letter ErrorMessage to 1 KB', () => {
    const m = deadLetterMessage(job, { statusCode: 200, errorMessage: 'é'.repeat(1000) });
    expect(m.body).toBe('{"a":1}');
    expect(m.attributes['RequestID']).toBe('req-1');
    expect(m.attributes['ErrorCode']).toBe('200');
    expect(Buffer.byteLength(m.attributes['ErrorMessage'] ?? '')).toBe(1024);
  });
});
