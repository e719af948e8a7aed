import { describe, expect, it } from 'vitest';

import {
  applyMappingUpdate,
  effectiveRetryAttempts,
  type KafkaEventSourceMapping,
  kafkaEvent,
  kafkaFailureRecord,
  parseItemFailures,
  toMappingConfiguration,
  validateCreateMapping,
} from './event-source-mapping.js';

const ctx = { region: 'us-east-1', accountId: '000000000000' };
const create = {
  FunctionName: 'fn',
  Topics: ['orders'],
  SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: ['127.0.0.1:19092'] } },
  StartingPosition: 'TRIM_HORIZON',
};

describe('validateCreateMapping', () => {
  it('fills Lambda defaults; the group id defaults to the UUID', () => {
    const m = validateCreateMapping(create, 'u-1', 5000);
    expect(m).toMatchObject({
      uuid: 'u-1',
      consumerGroupId: 'u-1',
      batchSize: 100,
      maximumRetryAttempts: -1,
      maximumRecordAgeInSeconds: -1,
      enabled: true,
      topics: ['orders'],
      lastModified: 5000,
    });
    const c = toMappingConfiguration(m, undefined, ctx);
    expect(c['State']).toBe('Creating');
    expect(c['FunctionArn']).toBe('arn:aws:lambda:us-east-1:000000000000:function:fn');
    expect(c['LastModified']).toBe(5);
  });

  it('refuses out-of-range values with Lambda messages', () => {
    expect(() => validateCreateMapping({ ...create, BatchSize: 10_001 }, 'u', 0)).toThrow(
      "Value '10001' at 'batchSize' failed to satisfy constraint: Member must have value less than or equal to 10000",
    );
    expect(() => validateCreateMapping({ ...create, Topics: ['a', 'b'] }, 'u', 0)).toThrow(
      'exactly one topic',
    );
    expect(() =>
      validateCreateMapping({ ...create, MaximumRecordAgeInSeconds: 30 }, 'u', 0),
    ).toThrow('MaximumRecordAgeInSeconds must be -1 or between 60 and 604800');
    expect(() =>
      validateCreateMapping(
        { ...create, DestinationConfig: { OnFailure: { Destination: 'nope' } } },
        'u',
        0,
      ),
    ).toThrow('The destination ARN nope is invalid.');
    expect(() =>
      validateCreateMapping({ ...create, StartingPosition: 'AT_TIMESTAMP' }, 'u', 0),
    ).toThrow('StartingPositionTimestamp');
  });

  it('updates tunables, refuses create-only fields, caps infinite retries with a destination', () => {
    const m = validateCreateMapping(create, 'u', 0) as KafkaEventSourceMapping;
    const u = applyMappingUpdate(
      m,
      {
        BatchSize: 500,
        Enabled: false,
        DestinationConfig: { OnFailure: { Destination: 'kafka://dlq' } },
      },
      9000,
    ) as KafkaEventSourceMapping;
    expect(u).toMatchObject({ batchSize: 500, enabled: false, lastModified: 9000 });
    expect(effectiveRetryAttempts(m)).toBe(-1);
    expect(effectiveRetryAttempts(u)).toBe(10);
    expect(() => applyMappingUpdate(m, { Topics: ['x'] }, 0)).toThrow('Topics cannot be updated.');
  });
});

describe('kafka event', () => {
  const batch = {
    topic: 't',
    partition: 2,
    bootstrapServers: ['b1:9092', 'b2:9092'],
    records: [
      {
        offset: '7',
        timestamp: '1545084650987',
        key: Buffer.from('k'),
        value: Buffer.from('v'),
        headers: { h: Buffer.from('hi') },
      },
      { offset: '8', timestamp: '1545084650988', key: null, value: null },
    ],
  };

  it('has the self-managed shape with base64 key/value and byte-array headers', () => {
    expect(kafkaEvent(batch)).toEqual({
      eventSource: 'SelfManagedKafka',
      bootstrapServers: 'b1:9092,b2:9092',
      records: {
        't-2': [
          {
            topic: 't',
            partition: 2,
            offset: 7,
            timestamp: 1545084650987,
            timestampType: 'CREATE_TIME',
            key: 'aw==',
            value: 'dg==',
            headers: [{ h: [104, 105] }],
          },
          {
            topic: 't',
            partition: 2,
            offset: 8,
            timestamp: 1545084650988,
            timestampType: 'CREATE_TIME',
            value: null,
            headers: [],
          },
        ],
      },
    });
  });

  it('reads batch item failures', () => {
    const offsets = ['7', '8', '9'];
    const p = (body: unknown) => parseItemFailures(JSON.stringify(body), 't', 2, offsets);
    expect(p({ batchItemFailures: [] })).toEqual({ kind: 'none' });
    expect(p({ ok: true })).toEqual({ kind: 'none' });
    expect(
      p({
        batchItemFailures: [
          { itemIdentifier: { partition: 't-2', offset: 9 } },
          { itemIdentifier: 't-2-8' },
        ],
      }),
    ).toEqual({ kind: 'from', offset: '8' });
    expect(p({ batchItemFailures: [{ itemIdentifier: '' }] })).toEqual({ kind: 'all' });
    expect(p({ batchItemFailures: [{ itemIdentifier: 't-2-99' }] })).toEqual({ kind: 'all' });
  });

  it('builds the on-failure record', () => {
    const r = kafkaFailureRecord({
      requestId: 'r',
      functionArn: 'arn:fn',
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 3,
      statusCode: 200,
      functionError: 'Unhandled',
      timestamp: new Date(0),
      mappingArn: 'arn:esm',
      batch: { ...batch, records: batch.records.slice(0, 1) },
    });
    expect(r).toMatchObject({
      version: '1.0',
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
      responseContext: { statusCode: 200, functionError: 'Unhandled', executedVersion: '$LATEST' },
      KafkaBatchInfo: { batchSize: 1, recordInfo: { offset: '7' } },
    });
  });
});
