import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CreateFunctionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { testEnv, uniqueName } from '@lamina/testkit';

import { makeZip } from '../../support/zip.js';

/**
 * Helpers of the SQS suites: an SQS client on the test environment's ElasticMQ, queues with a
 * redrive policy, bulk sends and drains, and a function that processes SQS batches.
 */

export const sqsEndpoint = (): string => testEnv.require('SQS_ENDPOINT');

export const sqsClient = (): SQSClient =>
  new SQSClient({
    endpoint: sqsEndpoint(),
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });

export interface TestQueue {
  readonly url: string;
  readonly arn: string;
}

export async function createQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string> = {},
): Promise<TestQueue> {
  const { QueueUrl: url } = await sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
  );
  if (url === undefined) throw new Error('no queue URL');
  const got = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const arn = got.Attributes?.QueueArn;
  if (arn === undefined) throw new Error('no queue ARN');
  return { url, arn };
}

/** Visible plus in-flight messages of a queue. */
export async function queueDepth(sqs: SQSClient, url: string): Promise<number> {
  const got = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  const a = got.Attributes ?? {};
  return (
    Number(a.ApproximateNumberOfMessages ?? 0) +
    Number(a.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** Sends bodies in batches of 10, `parallel` batches at a time. */
export async function sendAll(
  sqs: SQSClient,
  url: string,
  bodies: readonly string[],
  parallel = 8,
): Promise<void> {
  const batches: string[][] = [];
  for (let i = 0; i < bodies.length; i += 10) batches.push(bodies.slice(i, i + 10));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const batch = batches[next++] ?? [];
      const r = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: batch.map((body, i) => ({ Id: String(i), MessageBody: body })),
        }),
      );
      if ((r.Failed ?? []).length > 0) throw new Error(`send failed: ${JSON.stringify(r.Failed)}`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** Receives (and leaves invisible for a minute) every message until the queue answers none. */
export async function drain(sqs: SQSClient, url: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 60,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const got = r.Messages ?? [];
    if (got.length === 0) return all;
    all.push(...got);
  }
}

/**
 * For SQS events: appends `<body> <ApproximateReceiveCount>` per processed message to $RUN_LOG
 * and the whole event to $EVENT_LOG (when set); reports every message whose body is a multiple
 * of $FAIL_EVERY as a batch item failure. Any other event fails (the async DLQ test).
 */
export const SQS_HANDLER = `
const fs = require('node:fs');
exports.handler = async (event) => {
  if (!Array.isArray(event.Records)) throw new Error('failed on purpose');
  if (process.env.EVENT_LOG) fs.appendFileSync(process.env.EVENT_LOG, JSON.stringify(event) + '\\n');
  const every = Number(process.env.FAIL_EVERY || 0);
  const failures = [];
  let lines = '';
  for (const r of event.Records) {
    if (every > 0 && Number(r.body) % every === 0) failures.push({ itemIdentifier: r.messageId });
    else lines += r.body + ' ' + r.attributes.ApproximateReceiveCount + '\\n';
  }
  fs.appendFileSync(process.env.RUN_LOG, lines);
  return { batchItemFailures: failures };
};
`;

export interface SqsFunction {
  readonly name: string;
  readonly runLog: string;
  readonly eventLog: string;
}

export async function createSqsFunction(
  client: LambdaClient,
  env: Readonly<Record<string, string>> = {},
  logEvents = false,
): Promise<SqsFunction> {
  const name = uniqueName('sqs-fn');
  const dir = mkdtempSync(join(tmpdir(), 'lamina-sqs-'));
  const runLog = join(dir, 'runs.log');
  const eventLog = join(dir, 'events.log');
  writeFileSync(runLog, '');
  await client.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Role: 'arn:aws:iam::000000000000:role/test',
      Code: { ZipFile: makeZip({ 'index.js': SQS_HANDLER }) },
      Environment: {
        Variables: { RUN_LOG: runLog, ...(logEvents ? { EVENT_LOG: eventLog } : {}), ...env },
      },
      Timeout: 60,
      MemorySize: 256,
    }),
  );
  return { name, runLog, eventLog };
}
