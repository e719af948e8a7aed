import type { Producer } from 'kafkajs';

import type { Delivery, TargetSender } from './delivery.js';

/**
 * Kafka topics: value = the body, headers = the attributes (plus the request id), key = the
 * request id. The producer connects on first use; kafkajs retries retriable errors itself.
 */
export class KafkaSender implements TargetSender {
  private connecting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly producer: Producer | undefined) {}

  async send(d: Delivery): Promise<void> {
    if (d.target.kind !== 'kafka') throw new Error(`not a kafka target: ${d.target.kind}`);
    const producer = this.producer;
    if (producer === undefined) throw new Error('no Kafka brokers configured (KAFKA_BROKERS)');
    this.connecting ??= producer.connect().catch((err: unknown) => {
      this.connecting = undefined;
      throw err;
    });
    await this.connecting;
    await producer.send({
      topic: d.target.topic,
      acks: -1,
      messages: [
        {
          key: d.requestId,
          value: d.message.body,
          headers: { ...d.message.attributes, 'lamina-delivery': d.kind },
        },
      ],
    });
  }

  /** Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.connecting === undefined ? Promise.resolve() : this.disconnect();
    return this.closing;
  }

  private async disconnect(): Promise<void> {
    await this.connecting?.catch(() => undefined);
    await this.producer?.disconnect();
  }
}
