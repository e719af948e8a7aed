import { describe, expect, it } from 'vitest';

import {
  applyMappingUpdate,
  type SqsEventSourceMapping,
  toMappingConfiguration,
  validateCreateMapping,
} from './event-source-mapping.js';
import { mappingFromSpec, specOfMapping } from './event-source-mapping-spec.js';
import { parseSqsArn } from './sqs-arn.js';
import { parseSqsItemFailures, sqsEvent } from './sqs-event.js';

const ARN = 'arn:aws:sqs:us-east-1:000000000000:orders';
const ctx = { region: 'us-east-1', accountId: '000000000000' };
const create = (extra: Record<string, unknown> = {}): SqsEventSourceMapping =>
  validateCreateMapping(
    { FunctionName: 'fn', EventSourceArn: ARN, ...extra },
    'u-1',
    5000,
  ) as SqsEventSourceMapping;

describe('SQS event source mappings', () => {
  it('defaults as Lambda and answers with the SQS configuration shape', () => {
    const m = create();
    expect(m).toMatchObject({ kind: 'sqs', batchSize: 10, maximumBatchingWindowInSeconds: 0 });
    const c = toMappingConfiguration(m, undefined, ctx);
    expect(c).toMatchObject({
      UUID: 'u-1',
      EventSourceArn: ARN,
      FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: [],
      State: 'Creating',
      LastModified: 5,
    });
    expect(c).not.toHaveProperty('Topics');
    expect(c).not.toHaveProperty('StartingPosition');
  });

  it('validates batch size, window, scaling and refuses Kafka-only settings', () => {
    expect(() => create({ BatchSize: 100 })).toThrow(
      'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10',
    );
    expect(create({ BatchSize: 10_000, MaximumBatchingWindowInSeconds: 1 }).batchSize).toBe(10_000);
    expect(() => create({ BatchSize: 10_001, MaximumBatchingWindowInSeconds: 1 })).toThrow(
      "Value '10001' at 'batchSize'",
    );
    expect(() => create({ ScalingConfig: { MaximumConcurrency: 1 } })).toThrow(
      "at 'scalingConfig.maximumConcurrency' failed to satisfy constraint: Member must have value greater than or equal to 2",
    );
    expect(create({ ScalingConfig: { MaximumConcurrency: 2 } }).maximumConcurrency).toBe(2);
    expect(() => create({ StartingPosition: 'LATEST' })).toThrow(
      'Unsupported StartingPosition parameter for SQS event sources.',
    );
    expect(() => create({ FunctionResponseTypes: ['Nope'] })).toThrow('FunctionResponseTypes');
    expect(() =>
      validateCreateMapping(
        { FunctionName: 'fn', EventSourceArn: `${ARN}.fifo`, BatchSize: 20 },
        'u',
        0,
      ),
    ).toThrow();
    expect(() =>
      validateCreateMapping({ FunctionName: 'fn', EventSourceArn: 'arn:aws:sns:x' }, 'u', 0),
    ).toThrow('Unsupported EventSourceArn');
  });

  it('updates tunables, keeps the queue, clears nothing it was not given', () => {
    const m = create({
      ScalingConfig: { MaximumConcurrency: 5 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const u = applyMappingUpdate(
      m,
      { BatchSize: 100, MaximumBatchingWindowInSeconds: 2 },
      9000,
    ) as SqsEventSourceMapping;
    expect(u).toMatchObject({
      batchSize: 100,
      maximumBatchingWindowInSeconds: 2,
      maximumConcurrency: 5,
      functionResponseTypes: ['ReportBatchItemFailures'],
      lastModified: 9000,
    });
    expect(() => applyMappingUpdate(m, { EventSourceArn: ARN }, 0)).toThrow('cannot be updated');
    expect(() => applyMappingUpdate(m, { BatchSize: 11 }, 0)).toThrow('batch window');
  });

  it('round-trips through the resource spec', () => {
    const m = create({
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 1,
      ScalingConfig: { MaximumConcurrency: 3 },
    });
    const spec = specOfMapping(m);
    expect(spec).toEqual({
      functionName: 'fn',
      enabled: true,
      eventSourceArn: ARN,
      batchSize: 50,
      maximumBatchingWindowInSeconds: 1,
      scalingConfig: { maximumConcurrency: 3 },
    });
    const back = mappingFromSpec('u-1', spec, 5000);
    expect({ ...back, uuid: 'u-1', source: 'api' }).toEqual(m);
  });
});

describe('parseSqsArn', () => {
  it('reads standard and FIFO queue ARNs', () => {
    expect(parseSqsArn(ARN)).toEqual({
      arn: ARN,
      region: 'us-east-1',
      accountId: '000000000000',
      name: 'orders',
      fifo: false,
    });
    expect(parseSqsArn(`${ARN}.fifo`)?.fifo).toBe(true);
    expect(parseSqsArn('arn:aws:sqs:us-east-1:1:q')).toBeUndefined();
    expect(parseSqsArn(`arn:aws:sqs:us-east-1:000000000000:${'a'.repeat(81)}`)).toBeUndefined();
  });
});

describe('sqsEvent', () => {
  it("builds Lambda's aws:sqs records", () => {
    const e = sqsEvent(
      [
        {
          MessageId: 'm1',
          ReceiptHandle: 'rh',
          Body: 'hello',
          MD5OfBody: 'md5',
          Attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1700000000000' },
          MessageAttributes: {
            a: { DataType: 'String', StringValue: 'x' },
            b: { DataType: 'Binary', BinaryValue: Buffer.from('hi') },
          },
        },
      ],
      ARN,
      'us-east-1',
    );
    expect(e.Records[0]).toEqual({
      messageId: 'm1',
      receiptHandle: 'rh',
      body: 'hello',
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1700000000000' },
      messageAttributes: {
        a: { stringValue: 'x', stringListValues: [], binaryListValues: [], dataType: 'String' },
        b: {
          binaryValue: Buffer.from('hi').toString('base64'),
          stringListValues: [],
          binaryListValues: [],
          dataType: 'Binary',
        },
      },
      md5OfBody: 'md5',
      eventSource: 'aws:sqs',
      eventSourceARN: ARN,
      awsRegion: 'us-east-1',
    });
  });
});

describe('parseSqsItemFailures', () => {
  const ids = ['a', 'b', 'c'];
  it('treats empty, null and empty lists as success', () => {
    for (const body of ['', 'null', '{}', '{"batchItemFailures":[]}', '{"batchItemFailures":null}'])
      expect(parseSqsItemFailures(body, ids)).toEqual({ kind: 'none' });
  });
  it('returns the reported message ids', () => {
    expect(parseSqsItemFailures('{"batchItemFailures":[{"itemIdentifier":"b"}]}', ids)).toEqual({
      kind: 'some',
      messageIds: new Set(['b']),
    });
  });
  it('fails the whole batch on invalid JSON or unknown identifiers', () => {
    expect(parseSqsItemFailures('not json', ids)).toEqual({ kind: 'all' });
    expect(parseSqsItemFailures('{"batchItemFailures":[{"itemIdentifier":""}]}', ids)).toEqual({
      kind: 'all',
    });
    expect(parseSqsItemFailures('{"batchItemFailures":[{"itemIdentifier":"z"}]}', ids)).toEqual({
      kind: 'all',
    });
    expect(parseSqsItemFailures('{"batchItemFailures":[{"id":"a"}]}', ids)).toEqual({
      kind: 'all',
    });
  });
});
