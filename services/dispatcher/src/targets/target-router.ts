import type { AsyncTarget } from '@lamina/core';

import type { Delivery, TargetSender } from './delivery.js';

export interface FunctionInvoker {
  invokeEvent(
    functionRef: string,
    body: string,
    requestId?: string,
    sourceArn?: string,
  ): Promise<void>;
}

export interface TargetRouterOptions {
  readonly queue: TargetSender;
  /** SQS queue ARNs, when an SQS endpoint is configured; else they go to `queue`. */
  readonly sqs?: TargetSender;
  readonly kafka: TargetSender;
  readonly webhook: TargetSender;
  readonly functions: FunctionInvoker;
}

/**
 * Sends a delivery to the sender of its target's kind. An SQS queue ARN goes to SQS when an
 * endpoint is configured, else to the named queue of that name. A function target is invoked
 * asynchronously through the gateway: a record is its event as is; a dead-letter message
 * arrives as `{body, attributes}` so the error attributes are not lost.
 */
export class TargetRouter implements TargetSender {
  constructor(private readonly o: TargetRouterOptions) {}

  send(d: Delivery): Promise<void> {
    const kind: AsyncTarget['kind'] = d.target.kind;
    switch (kind) {
      case 'queue':
        return d.target.kind === 'queue' && d.target.sqs !== undefined && this.o.sqs !== undefined
          ? this.o.sqs.send(d)
          : this.o.queue.send(d);
      case 'kafka':
        return this.o.kafka.send(d);
      case 'webhook':
        return this.o.webhook.send(d);
      case 'function': {
        const arn = d.target.kind === 'function' ? d.target.arn : '';
        const body = d.kind === 'record' ? d.message.body : JSON.stringify(d.message);
        return this.o.functions.invokeEvent(arn, body, undefined, d.sourceArn);
      }
    }
  }

  async close(): Promise<void> {
    await this.o.sqs?.close?.();
    await this.o.kafka.close?.();
  }
}
