import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type SqsEventSourceMapping, validateCreateMapping } from '@lamina/core';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import type { InvokeOutcome } from './kafka-invoker.js';
import { createMetrics } from './metrics.js';
import { SqsConsumer } from './sqs-consumer.js';

const ARN = 'arn:aws:sqs:us-east-1:000000000000:q';

/** An in-memory queue behind a fake SQSClient: receive hands out visible messages once. */
function fakeQueue(bodies: string[]) {
  const visible: Message[] = bodies.map((b, i) => ({
    MessageId: `m${i}`,
    ReceiptHandle: `r${i}`,
    Body: b,
    Attributes: { ApproximateReceiveCount: '1' },
  }));
  const deleted: string[] = [];
  const receives: number[] = [];
  const client = {
    send: async (cmd: unknown): Promise<unknown> => {
      if (cmd instanceof ReceiveMessageCommand) {
        const n = cmd.input.MaxNumberOfMessages ?? 1;
        const got = visible.splice(0, n);
        receives.push(got.length);
        if (got.length === 0) await new Promise((r) => setTimeout(r, 5));
        return { Messages: got };
      }
      if (cmd instanceof DeleteMessageBatchCommand) {
        for (const e of cmd.input.Entries ?? []) deleted.push(e.ReceiptHandle ?? '');
        return { Successful: [], Failed: [] };
      }
      return {};
    },
  } as unknown as SQSClient;
  return { client, deleted, receives, remaining: () => visible.length };
}

function consumer(
  q: ReturnType<typeof fakeQueue>,
  input: Record<string, unknown>,
  answer: (records: { messageId: string; body: string }[]) => InvokeOutcome,
) {
  const mapping = validateCreateMapping(
    { FunctionName: 'fn', EventSourceArn: ARN, ...input },
    'u',
    0,
  ) as SqsEventSourceMapping;
  const batches: number[] = [];
  const results: string[] = [];
  const c = new SqsConsumer({
    mapping,
    queues: { client: () => q.client, url: () => Promise.resolve('http://q') },
    invoker: {
      invoke: (_fn, payload) => {
        const e = JSON.parse(payload.toString()) as {
          Records: { messageId: string; body: string; eventSource: string }[];
        };
        batches.push(e.Records.length);
        expect(e.Records.every((r) => r.eventSource === 'aws:sqs')).toBe(true);
        return Promise.resolve(answer(e.Records));
      },
    },
    metrics: createMetrics(new Registry()),
    logger: pino({ level: 'silent' }),
    now: Date.now,
    maxPollers: 1,
    retryDelayMs: 5,
    onState: () => undefined,
    onResult: (r) => results.push(r),
  });
  return { c, batches, results };
}

const ok = (body = 'null'): InvokeOutcome => ({ kind: 'success', statusCode: 200, body });
const until = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

describe('SqsConsumer', () => {
  it('deletes a batch after a successful invoke', async () => {
    const q = fakeQueue(['a', 'b', 'c']);
    const { c, batches } = consumer(q, {}, () => ok());
    await c.start();
    await until(() => q.deleted.length === 3);
    await c.stop();
    expect(batches).toEqual([3]);
  });

  it('leaves the messages a function reports in batchItemFailures', async () => {
    const q = fakeQueue(['a', 'b', 'c']);
    const { c } = consumer(q, { FunctionResponseTypes: ['ReportBatchItemFailures'] }, (rs) =>
      ok(JSON.stringify({ batchItemFailures: [{ itemIdentifier: rs[1]?.messageId }] })),
    );
    await c.start();
    await until(() => q.deleted.length === 2);
    await c.stop();
    expect(q.deleted).toEqual(['r0', 'r2']);
  });

  it('deletes nothing after a function error (the visibility timeout returns them)', async () => {
    const q = fakeQueue(['a', 'b']);
    const { c, results } = consumer(q, {}, () => ({
      kind: 'function-error',
      statusCode: 200,
      functionError: 'Unhandled',
      body: '{}',
    }));
    await c.start();
    await until(() => results.includes('PROBLEM: Function call failed'));
    await c.stop();
    expect(q.deleted).toEqual([]);
  });

  it('fills a batch over several receives within the batching window', async () => {
    const q = fakeQueue(Array.from({ length: 25 }, (_, i) => String(i)));
    const { c, batches } = consumer(q, { BatchSize: 25, MaximumBatchingWindowInSeconds: 1 }, () =>
      ok(),
    );
    await c.start();
    await until(() => q.deleted.length === 25);
    await c.stop();
    expect(batches).toEqual([25]);
    expect(q.receives.slice(0, 3)).toEqual([10, 10, 5]);
  });
});
