import { type AsyncKeys, type TargetMessage } from '@lamina/core';
import type { Redis } from 'ioredis';

import type { Delivery, TargetSender } from './delivery.js';

/** The newest messages a named queue keeps. */
export const NAMED_QUEUE_MAX_LENGTH = 100_000;

/**
 * Named Lamina queues: a Redis list per name (core layout) holding TargetMessage JSON, read
 * back by the gateway's queue API and `lamina queue read`. Bounded to the newest messages.
 */
export class NamedQueueSender implements TargetSender {
  constructor(
    private readonly redis: Pick<Redis, 'multi'>,
    private readonly keys: Pick<AsyncKeys, 'namedQueue'>,
  ) {}

  async send(d: Delivery): Promise<void> {
    if (d.target.kind !== 'queue') throw new Error(`not a queue target: ${d.target.kind}`);
    const key = this.keys.namedQueue(d.target.name);
    const message: TargetMessage = d.message;
    const result = await this.redis
      .multi()
      .rpush(key, JSON.stringify(message))
      .ltrim(key, -NAMED_QUEUE_MAX_LENGTH, -1)
      .exec();
    const failed = result?.find(([err]) => err !== null);
    if (result === null || failed !== undefined) {
      throw new Error(`named queue ${d.target.name} did not take the message`, {
        cause: failed?.[0],
      });
    }
  }
}
