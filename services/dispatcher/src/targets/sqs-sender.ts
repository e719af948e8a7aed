import type { SqsQueues } from '@lamina/service-kit';

import type { Delivery, TargetSender } from './delivery.js';

/**
 * SQS queues named by ARN, on the configured endpoint: a dead-letter message is the original
 * event with AWS's String attributes RequestID, ErrorCode and ErrorMessage; a destination
 * record is the invocation record JSON. Throws when SQS did not take the message, so the
 * dispatcher counts a delivery failure.
 */
export class SqsSender implements TargetSender {
  constructor(private readonly queues: Pick<SqsQueues, 'send' | 'destroy'>) {}

  async send(d: Delivery): Promise<void> {
    const q = d.target.kind === 'queue' ? d.target.sqs : undefined;
    if (q === undefined) throw new Error(`not an SQS target: ${d.target.kind}`);
    await this.queues.send(q, d.message.body, d.message.attributes, `${d.kind}-${d.requestId}`);
  }

  close(): Promise<void> {
    this.queues.destroy();
    return Promise.resolve();
  }
}
