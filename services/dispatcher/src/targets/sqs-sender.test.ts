import { parseAsyncTarget } from '@lamina/core';
import { describe, expect, it } from 'vitest';

import type { Delivery, TargetSender } from './delivery.js';
import { SqsSender } from './sqs-sender.js';
import { TargetRouter } from './target-router.js';

const ARN = 'arn:aws:sqs:us-east-1:000000000000:dlq';

const delivery = (target: string): Delivery => ({
  target: parseAsyncTarget(target),
  message: {
    body: '{"x":1}',
    attributes: { RequestID: 'r1', ErrorCode: '200', ErrorMessage: 'e' },
  },
  kind: 'dead-letter',
  requestId: 'r1',
});

const recorder = () => {
  const sent: Delivery[] = [];
  const sender: TargetSender = {
    send: (d) => {
      sent.push(d);
      return Promise.resolve();
    },
  };
  return { sent, sender };
};

describe('SqsSender', () => {
  it('sends the body with the attributes to the queue of the ARN', async () => {
    const calls: unknown[][] = [];
    const s = new SqsSender({
      send: (...args: unknown[]) => {
        calls.push(args);
        return Promise.resolve();
      },
      destroy: () => undefined,
    });
    await s.send(delivery(ARN));
    expect(calls).toEqual([
      [
        expect.objectContaining({ arn: ARN, name: 'dlq', region: 'us-east-1' }),
        '{"x":1}',
        { RequestID: 'r1', ErrorCode: '200', ErrorMessage: 'e' },
        'dead-letter-r1',
      ],
    ]);
    await expect(s.send(delivery('lamina:queue:q'))).rejects.toThrow('not an SQS target');
  });
});

describe('TargetRouter with SQS', () => {
  const others = { kafka: recorder().sender, webhook: recorder().sender };
  const functions = { invokeEvent: () => Promise.resolve() };

  it('sends SQS ARNs to SQS when it is configured, named queues to Redis', async () => {
    const queue = recorder();
    const sqs = recorder();
    const r = new TargetRouter({ ...others, functions, queue: queue.sender, sqs: sqs.sender });
    await r.send(delivery(ARN));
    await r.send(delivery('lamina:queue:q'));
    expect(sqs.sent.map((d) => d.target)).toEqual([expect.objectContaining({ name: 'dlq' })]);
    expect(queue.sent.map((d) => d.target)).toEqual([{ kind: 'queue', name: 'q' }]);
  });

  it('without SQS, an SQS ARN is the named queue of that name', async () => {
    const queue = recorder();
    const r = new TargetRouter({ ...others, functions, queue: queue.sender });
    await r.send(delivery(ARN));
    expect(queue.sent).toHaveLength(1);
  });
});
