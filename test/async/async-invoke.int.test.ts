import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

import {
  DeleteFunctionConcurrencyCommand,
  GetFunctionEventInvokeConfigCommand,
  InvokeCommand,
  type LambdaClient,
  ListFunctionEventInvokeConfigsCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type LaminaProcess, startLamina, testEnv, uniqueName } from '@lamina/testkit';

import { lambdaClient } from '../support/lambda-client.js';
import {
  createRecordingFunction,
  putAsyncConfig,
  readQueue,
  type RecordingFunction,
} from './support/async-harness.js';

// Kafka is optional here: only the Kafka destination test needs it.
const brokers = testEnv.optional('KAFKA_BROKERS') === undefined ? [] : testEnv.kafkaBrokers();

interface Hook {
  body: string;
  headers: IncomingHttpHeaders;
}

describe('async invocation through @aws-sdk/client-lambda', () => {
  let lamina: LaminaProcess;
  let client: LambdaClient;
  let hookServer: Server;
  let hookUrl = '';
  const hooks: Hook[] = [];
  const kafka = new Kafka({
    clientId: uniqueName('async-test'),
    brokers,
    logLevel: logLevel.NOTHING,
  });

  beforeAll(async () => {
    lamina = await startLamina({
      env: {
        REDIS_URL: testEnv.require('REDIS_URL'),
        LAMINA_REDIS_PREFIX: uniqueName('async'),
        // The recording handlers append to a host file (RUN_LOG) the sandbox hides (ADR 0029).
        LAMINA_SANDBOX: 'off',
        KAFKA_BROKERS: brokers.join(','),
        LAMINA_ASYNC_RETRY_DELAYS_MS: '200,300',
        LAMINA_ASYNC_THROTTLE_MAX_MS: '500',
      },
    });
    client = lambdaClient(lamina.url);
    hookServer = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        hooks.push({ body, headers: req.headers });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
    const addr = hookServer.address();
    hookUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/hook`;
  });
  afterAll(async () => {
    client.destroy();
    hookServer.close();
    await lamina.stop();
  });

  it('answers 202 with a request id, then runs the handler with that id', async () => {
    const fn = await createRecordingFunction(client, 'async-ok');
    const out = await client.send(
      new InvokeCommand({ FunctionName: fn.name, InvocationType: 'Event', Payload: '{"n":1}' }),
    );
    expect(out.StatusCode).toBe(202);
    const id = out.$metadata.requestId;
    expect(id).toBeTruthy();
    const run = await eventually(() => fn.runs().find((r) => r.requestId === id), {
      what: 'the run',
    });
    expect(run.event).toEqual({ n: 1 });
  });

  it("refuses a payload over 1 MB with Lambda's message", async () => {
    const fn = await createRecordingFunction(client, 'async-big');
    const big = JSON.stringify({ x: 'y'.repeat(1024 * 1024) });
    await expect(
      client.send(
        new InvokeCommand({ FunctionName: fn.name, InvocationType: 'Event', Payload: big }),
      ),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 413 },
      message: `${Buffer.byteLength(big)} byte payload is too large for the Event invocation type (limit 1048576 bytes)`,
    });
    await expect(
      client.send(new InvokeCommand({ FunctionName: 'no-such-async', InvocationType: 'Event' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('validates and returns the event invoke config', async () => {
    const fn = await createRecordingFunction(client, 'async-cfg');
    await expect(
      client.send(
        new PutFunctionEventInvokeConfigCommand({ FunctionName: fn.name, MaximumRetryAttempts: 3 }),
      ),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
    await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: fn.name,
        MaximumRetryAttempts: 1,
        MaximumEventAgeInSeconds: 120,
        DestinationConfig: { OnFailure: { Destination: 'lamina:queue:x' } },
      }),
    );
    const got = await client.send(
      new GetFunctionEventInvokeConfigCommand({ FunctionName: fn.name }),
    );
    expect(got).toMatchObject({
      FunctionArn: `${fn.arn}:$LATEST`,
      MaximumRetryAttempts: 1,
      MaximumEventAgeInSeconds: 120,
      DestinationConfig: { OnFailure: { Destination: 'lamina:queue:x' } },
    });
  });

  /** Runs a failing event with MaximumRetryAttempts 1 and returns its request id. */
  async function failOnce(fn: RecordingFunction, onFailure: string): Promise<string> {
    await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: fn.name,
        MaximumRetryAttempts: 1,
        DestinationConfig: { OnFailure: { Destination: onFailure } },
      }),
    );
    const out = await client.send(
      new InvokeCommand({
        FunctionName: fn.name,
        InvocationType: 'Event',
        Payload: '{"fail":true}',
      }),
    );
    const id = out.$metadata.requestId ?? '';
    await eventually(
      () => (fn.runs().filter((r) => r.requestId === id).length >= 2 ? true : undefined),
      { what: 'two runs' },
    );
    return id;
  }

  function expectFailureRecord(record: unknown, fn: RecordingFunction, id: string): void {
    expect(record).toMatchObject({
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      requestContext: {
        requestId: id,
        functionArn: `${fn.arn}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 2,
      },
      requestPayload: { fail: true },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'Error', errorMessage: `failed on purpose ${id}` },
    });
  }

  it('runs a failing handler 1 + MaximumRetryAttempts times; the record reaches a named queue', async () => {
    const fn = await createRecordingFunction(client, 'async-q');
    const queue = uniqueName('fail');
    const id = await failOnce(fn, `lamina:queue:${queue}`);
    const [m] = await eventually(
      async () => {
        const got = await readQueue(lamina.url, queue);
        return got.length > 0 ? got : undefined;
      },
      { what: 'the record' },
    );
    expectFailureRecord(JSON.parse(m?.Body ?? ''), fn, id);
    expect(fn.runs().filter((r) => r.requestId === id)).toHaveLength(2);
  });

  it("applies a version's own EventInvokeConfig to the events invoked on it, as AWS does", async () => {
    const fn = await createRecordingFunction(client, 'async-ver');
    await waitUntilFunctionActiveV2({ client, maxWaitTime: 60 }, { FunctionName: fn.name });
    await client.send(new PublishVersionCommand({ FunctionName: fn.name }));
    const latestQueue = uniqueName('latest');
    const versionQueue = uniqueName('v1');
    await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: fn.name,
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: `lamina:queue:${latestQueue}` } },
      }),
    );
    await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: fn.name,
        Qualifier: '1',
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: `lamina:queue:${versionQueue}` } },
      }),
    );
    const listed = await client.send(
      new ListFunctionEventInvokeConfigsCommand({ FunctionName: fn.name }),
    );
    expect(listed.FunctionEventInvokeConfigs?.map((c) => c.FunctionArn)).toEqual([
      `${fn.arn}:$LATEST`,
      `${fn.arn}:1`,
    ]);
    const out = await client.send(
      new InvokeCommand({
        FunctionName: fn.name,
        Qualifier: '1',
        InvocationType: 'Event',
        Payload: '{"fail":true}',
      }),
    );
    const id = out.$metadata.requestId ?? '';
    const [m] = await eventually(
      async () => {
        const got = await readQueue(lamina.url, versionQueue);
        return got.length > 0 ? got : undefined;
      },
      { what: "the record in version 1's queue" },
    );
    expect(JSON.parse(m?.Body ?? '')).toMatchObject({
      requestContext: {
        requestId: id,
        functionArn: `${fn.arn}:1`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 1,
      },
    });
    expect(fn.runs().filter((r) => r.requestId === id)).toHaveLength(1);
    expect(await readQueue(lamina.url, latestQueue)).toHaveLength(0);
  });

  it('delivers the record to a webhook', async () => {
    const fn = await createRecordingFunction(client, 'async-hook');
    const id = await failOnce(fn, hookUrl);
    const hook = await eventually(() => hooks.find((h) => h.body.includes(id)), {
      what: 'the webhook',
    });
    expectFailureRecord(JSON.parse(hook.body), fn, id);
  });

  it('delivers the record to another function, invoked asynchronously', async () => {
    const fn = await createRecordingFunction(client, 'async-src');
    const target = await createRecordingFunction(client, 'async-dst');
    const id = await failOnce(fn, target.arn);
    const run = await eventually(() => target.runs()[0], { what: 'the destination run' });
    expectFailureRecord(run.event, fn, id);
  });

  it.skipIf(brokers.length === 0)('delivers the record to a Kafka topic', async () => {
    const topic = uniqueName('async-dest');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
    await admin.disconnect();
    const fn = await createRecordingFunction(client, 'async-kafka');
    const id = await failOnce(fn, `kafka://${topic}`);
    const consumer = kafka.consumer({ groupId: uniqueName('g') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const values: string[] = [];
    await consumer.run({
      eachMessage: ({ message }) => {
        values.push(message.value?.toString() ?? '');
        return Promise.resolve();
      },
    });
    try {
      const value = await eventually(() => values[0], { what: 'the Kafka record' });
      expectFailureRecord(JSON.parse(value), fn, id);
    } finally {
      await consumer.disconnect();
    }
  });

  it('sends a dead-letter message with RequestID, ErrorCode and ErrorMessage', async () => {
    const fn = await createRecordingFunction(client, 'async-dlq');
    const dlq = uniqueName('dlq');
    await putAsyncConfig(lamina.url, fn.name, { MaximumRetryAttempts: 0 });
    // The dead-letter target is function configuration, as on Lambda.
    const updated = await client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: fn.name,
        DeadLetterConfig: { TargetArn: `lamina:queue:${dlq}` },
      }),
    );
    expect(updated.DeadLetterConfig).toEqual({ TargetArn: `lamina:queue:${dlq}` });
    const out = await client.send(
      new InvokeCommand({
        FunctionName: fn.name,
        InvocationType: 'Event',
        Payload: '{"fail":true}',
      }),
    );
    const id = out.$metadata.requestId ?? '';
    const [m] = await eventually(
      async () => {
        const got = await readQueue(lamina.url, dlq);
        return got.length > 0 ? got : undefined;
      },
      { what: 'the dead letter' },
    );
    expect(m).toEqual({
      Body: '{"fail":true}',
      Attributes: { RequestID: id, ErrorCode: '200', ErrorMessage: `failed on purpose ${id}` },
    });
    expect(fn.runs()).toHaveLength(1);
  });

  it('retries a throttled event until concurrency frees up, then succeeds', async () => {
    const fn = await createRecordingFunction(client, 'async-429');
    const ok = uniqueName('ok');
    await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: fn.name,
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnSuccess: { Destination: `lamina:queue:${ok}` } },
      }),
    );
    await client.send(
      new PutFunctionConcurrencyCommand({ FunctionName: fn.name, ReservedConcurrentExecutions: 0 }),
    );
    const out = await client.send(
      new InvokeCommand({ FunctionName: fn.name, InvocationType: 'Event', Payload: '{"t":1}' }),
    );
    await new Promise((r) => setTimeout(r, 2000));
    expect(fn.runs()).toHaveLength(0);
    await client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: fn.name }));
    const [m] = await eventually(
      async () => {
        const got = await readQueue(lamina.url, ok);
        return got.length > 0 ? got : undefined;
      },
      { what: 'the success record' },
    );
    expect(JSON.parse(m?.Body ?? '')).toMatchObject({
      requestContext: {
        requestId: out.$metadata.requestId,
        condition: 'Success',
        approximateInvokeCount: 1,
      },
      requestPayload: { t: 1 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      responsePayload: { ok: true },
    });
    expect(fn.runs()).toHaveLength(1);
  });
});
