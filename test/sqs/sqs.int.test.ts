import { readFileSync } from 'node:fs';

import {
  CreateEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  InvokeCommand,
  type LambdaClient,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { eventually, type LaminaProcess, startLamina, testEnv, uniqueName } from '@lamina/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { lambdaClient } from '../support/lambda-client.js';
import {
  createQueue,
  createSqsFunction,
  drain,
  queueDepth,
  sendAll,
  sqsClient,
  sqsEndpoint,
} from './support/sqs-harness.js';

/**
 * SQS against a real SQS server (ElasticMQ from test/env): a mapping drains a queue through a
 * function with batch item failures, the queue's redrive policy moves the failures to its DLQ;
 * an async function's SQS dead-letter queue gets failed events with AWS's attributes.
 */
describe('SQS event sources and targets', () => {
  let lamina: LaminaProcess;
  let client: LambdaClient;
  let sqs: SQSClient;

  beforeAll(async () => {
    lamina = await startLamina({
      env: {
        REDIS_URL: testEnv.require('REDIS_URL'),
        LAMINA_REDIS_PREFIX: uniqueName('sqs'),
        // The recording handlers append to a host file (RUN_LOG) the sandbox hides (ADR 0029).
        LAMINA_SANDBOX: 'off',
        LAMINA_SQS_ENDPOINT: sqsEndpoint(),
        LAMINA_POLLER_SYNC_INTERVAL_MS: '300',
        LAMINA_POLLER_RETRY_MIN_MS: '50',
        LAMINA_ASYNC_RETRY_DELAYS_MS: '100,100',
      },
    });
    client = lambdaClient(lamina.url);
    sqs = sqsClient();
  });
  afterAll(async () => {
    client.destroy();
    sqs.destroy();
    await lamina.stop();
  });

  const mapping = async (input: Record<string, unknown>): Promise<string> => {
    const out = await client.send(
      new CreateEventSourceMappingCommand(
        input as unknown as ConstructorParameters<typeof CreateEventSourceMappingCommand>[0],
      ),
    );
    if (out.UUID === undefined) throw new Error('no UUID');
    return out.UUID;
  };

  it("delivers Lambda's aws:sqs event and deletes processed messages", async () => {
    const q = await createQueue(sqs, uniqueName('shape'));
    const fn = await createSqsFunction(client, {}, true);
    const uuid = await mapping({ FunctionName: fn.name, EventSourceArn: q.arn, BatchSize: 10 });
    const got = await client.send(new GetEventSourceMappingCommand({ UUID: uuid }));
    expect(got).toMatchObject({ EventSourceArn: q.arn, BatchSize: 10 });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: q.url,
        MessageBody: '7',
        MessageAttributes: { color: { DataType: 'String', StringValue: 'blue' } },
      }),
    );
    await eventually(() => readFileSync(fn.runLog, 'utf8').includes('7 1') || undefined, {
      what: 'the message processed',
    });
    await eventually(async () => (await queueDepth(sqs, q.url)) === 0 || undefined, {
      what: 'the message deleted',
    });
    const event = JSON.parse(readFileSync(fn.eventLog, 'utf8').split('\n')[0] ?? '{}') as {
      Records: Record<string, unknown>[];
    };
    expect(event.Records).toHaveLength(1);
    const r = event.Records[0] ?? {};
    expect(r).toMatchObject({
      body: '7',
      eventSource: 'aws:sqs',
      eventSourceARN: q.arn,
      awsRegion: 'us-east-1',
      messageAttributes: {
        color: {
          stringValue: 'blue',
          stringListValues: [],
          binaryListValues: [],
          dataType: 'String',
        },
      },
    });
    expect(typeof r['messageId']).toBe('string');
    expect(typeof r['receiptHandle']).toBe('string');
    expect(typeof r['md5OfBody']).toBe('string');
    expect(Object.keys(r['attributes'] as object)).toEqual(
      expect.arrayContaining([
        'ApproximateReceiveCount',
        'SentTimestamp',
        'SenderId',
        'ApproximateFirstReceiveTimestamp',
      ]),
    );
  });

  it('10,000 messages with batch item failures: each processed or in the DLQ, none lost', async () => {
    const dlq = await createQueue(sqs, uniqueName('dlq'));
    const q = await createQueue(sqs, uniqueName('bulk'), {
      VisibilityTimeout: '2',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }),
    });
    const count = 10_000;
    const bodies = Array.from({ length: count }, (_, i) => String(i));
    const t0 = Date.now();
    await sendAll(sqs, q.url, bodies);
    const sentMs = Date.now() - t0;
    const fn = await createSqsFunction(client, { FAIL_EVERY: '10' });
    await mapping({
      FunctionName: fn.name,
      EventSourceArn: q.arn,
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    const t1 = Date.now();
    await eventually(async () => (await queueDepth(sqs, q.url)) === 0 || undefined, {
      what: 'the queue drained',
      timeoutMs: 150_000,
      intervalMs: 500,
    });
    const drainedMs = Date.now() - t1;
    const processed = new Map<number, number>();
    for (const line of readFileSync(fn.runLog, 'utf8').split('\n')) {
      if (line === '') continue;
      const n = Number(line.split(' ')[0]);
      processed.set(n, (processed.get(n) ?? 0) + 1);
    }
    const dead = (await drain(sqs, dlq.url)).map((m) => Number(m.Body));
    const deadSet = new Set(dead);
    const lost = bodies.map(Number).filter((n) => !processed.has(n) && !deadSet.has(n));
    const duplicates = [...processed.values()].filter((c) => c > 1).length;
    console.info(
      `SQS 10k: sent in ${sentMs} ms, drained in ${drainedMs} ms, ${processed.size} processed ` +
        `(${duplicates} more than once), ${dead.length} in the DLQ`,
    );
    expect(lost).toEqual([]);
    expect(dead.length).toBe(count / 10);
    expect(dead.every((n) => n % 10 === 0)).toBe(true);
    expect(processed.size).toBe(count - count / 10);
    expect([...processed.keys()].every((n) => n % 10 !== 0)).toBe(true);
  }, 200_000);

  it("an async function's SQS dead-letter queue gets failed events with AWS's attributes", async () => {
    const dlq = await createQueue(sqs, uniqueName('fn-dlq'));
    const fn = await createSqsFunction(client);
    await client.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: fn.name, MaximumRetryAttempts: 0 }),
    );
    await client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: fn.name,
        DeadLetterConfig: { TargetArn: dlq.arn },
      }),
    );
    const out = await client.send(
      new InvokeCommand({ FunctionName: fn.name, InvocationType: 'Event', Payload: '{"x":1}' }),
    );
    const id = out.$metadata.requestId ?? '';
    const [m] = await eventually(
      async () => {
        const got = await drain(sqs, dlq.url);
        return got.length > 0 ? got : undefined;
      },
      { what: 'the dead letter' },
    );
    expect(m?.Body).toBe('{"x":1}');
    const attrs = Object.fromEntries(
      Object.entries(m?.MessageAttributes ?? {}).map(([k, v]) => [k, [v.DataType, v.StringValue]]),
    );
    expect(attrs).toEqual({
      RequestID: ['String', id],
      ErrorCode: ['String', '200'],
      ErrorMessage: ['String', 'failed on purpose'],
    });
  });

  it('an OnFailure destination that is an SQS ARN gets the invocation record', async () => {
    const dest = await createQueue(sqs, uniqueName('on-failure'));
    const fn = await createSqsFunction(client);
    await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: fn.name,
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: dest.arn } },
      }),
    );
    await client.send(
      new InvokeCommand({ FunctionName: fn.name, InvocationType: 'Event', Payload: '{"y":2}' }),
    );
    const [m] = await eventually(
      async () => {
        const got = await drain(sqs, dest.url);
        return got.length > 0 ? got : undefined;
      },
      { what: 'the destination record' },
    );
    const record = JSON.parse(m?.Body ?? '{}') as {
      requestContext: { condition: string };
      requestPayload: unknown;
    };
    expect(record.requestContext.condition).toBe('RetriesExhausted');
    expect(record.requestPayload).toEqual({ y: 2 });
  });
});
