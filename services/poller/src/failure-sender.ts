import { type AsyncKeys, parseAsyncTarget } from '@lamina/core';
import type { SqsQueues } from '@lamina/service-kit';
import type { Redis } from 'ioredis';
import type { Producer } from 'kafkajs';

import type { FailureSender } from './batch-processor.js';

export interface DestinationSenderOptions {
  /** A producer on the mapping's own cluster (`kafka://topic` is "in the same cluster"). */
  readonly producer: Producer;
  readonly redis: Pick<Redis, 'multi'>;
  readonly keys: Pick<AsyncKeys, 'namedQueue'>;
  readonly invokeEvent: (functionArn: string, body: string) => Promise<void>;
  readonly fetch: typeof fetch;
  /** SQS queue ARNs go there when an SQS endpoint is configured (else to the named queue). */
  readonly sqs?: Pick<SqsQueues, 'send'> | undefined;
}

const NAMED_QUEUE_MAX_LENGTH = 100_000;

/**
 * The on-failure destination of one mapping, the target kinds of async invocation (core's
 * parseAsyncTarget): `kafka://topic`, an SQS queue ARN (on the configured SQS endpoint, else the
 * named queue of that name), `lamina:queue:<name>` (the named queue read by `lamina queue
 * read`), a function ARN (Event invoke) and `http(s)://` (POST). Throws when the target did not
 * take the record, so the partition waits and nothing is committed past it.
 */
export class DestinationSender implements FailureSender {
  private connecting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly o: DestinationSenderOptions) {}

  async send(destination: string, record: Record<string, unknown>, key: string): Promise<void> {
    const target = parseAsyncTarget(destination);
    const body = JSON.stringify(record);
    switch (target.kind) {
      case 'kafka': {
        this.connecting ??= this.o.producer.connect().catch((err: unknown) => {
          this.connecting = undefined;
          throw err;
        });
        await this.connecting;
        await this.o.producer.send({
          topic: target.topic,
          acks: -1,
          messages: [{ key, value: body, headers: { 'lamina-delivery': 'record' } }],
        });
        return;
      }
      case 'queue': {
        if (target.sqs !== undefined && this.o.sqs !== undefined) {
          await this.o.sqs.send(target.sqs, body, { RecordKey: key }, key);
          return;
        }
        const k = this.o.keys.namedQueue(target.name);
        const message = JSON.stringify({ body, attributes: { RecordKey: key } });
        const result = await this.o.redis
          .multi()
          .rpush(k, message)
          .ltrim(k, -NAMED_QUEUE_MAX_LENGTH, -1)
          .exec();
        if (result === null || result.some(([err]) => err !== null))
          throw new Error(`named queue ${target.name} did not take the record`);
        return;
      }
      case 'function':
        return this.o.invokeEvent(target.arn, body);
      case 'webhook': {
        const res = await this.o.fetch(target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-lamina-record-key': key },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        if (!res.ok) throw new Error(`webhook answered ${res.status}`);
        return;
      }
    }
  }

  /** Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.connecting === undefined) return;
      await this.connecting.catch(() => undefined);
      await this.o.producer.disconnect();
    })();
    return this.closing;
  }
}
