import type { AsyncTarget } from '@lamina/core';

import type { Delivery, TargetSender } from './delivery.js';

export interface FunctionInvoker {
  invokeEvent(functionRef: string, body: string): Promise<void>;
}

export interface TargetRouterOptions {
  readonly queue: TargetSender;
  readonly kafka: TargetSender;
  readonly webhook: TargetSender;
  readonly functions: FunctionInvoker;
}

/**
 * Sends a delivery to the sender of its target's kind. A function target is invoked
 * asynchronously through the gateway: a record is its event as is; a dead-letter message
 * arrives as `{body, attributes}` so the error attributes are not lost.
 */
export class TargetRouter implements TargetSender {
  constructor(private readonly o: TargetRouterOptions) {}

  send(d: Delivery): Promise<void> {
    const kind: AsyncTarget['kind'] = d.target.kind;
    switch (kind) {
      case 'queue':
        return this.o.queue.send(d);
      case 'kafka':
        return this.o.kafka.send(d);
      case 'webhook':
        return this.o.webhook.send(d);
      case 'function': {
        const arn = d.target.kind === 'function' ? d.target.arn : '';
        const body = d.kind === 'record' ? d.message.body : JSON.stringify(d.message);
        return this.o.functions.invokeEvent(arn, body);
      }
    }
  }

  async close(): Promise<void> {
    await this.o.kafka.close?.();
  }
}
