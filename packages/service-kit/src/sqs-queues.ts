import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SqsConfig, SqsQueueRef } from '@lamina/core';

/**
 * SQS clients for the configured endpoint, one per region (a queue ARN's region signs its
 * requests), and queue ARN → queue URL through GetQueueUrl (so any SQS-compatible server's URL
 * scheme works), cached per ARN. Shared by the poller and the dispatcher.
 *
 * Invariant: a failed lookup is not cached, so a queue created later is found on the next call.
 */
export class SqsQueues {
  private readonly clients = new Map<string, SQSClient>();
  private readonly urls = new Map<string, Promise<string>>();

  constructor(private readonly config: SqsConfig) {}

  /** The client of `region` on the configured endpoint. */
  client(region: string): SQSClient {
    let c = this.clients.get(region);
    if (c === undefined) {
      c = new SQSClient({
        region,
        ...(this.config.endpoint === undefined ? {} : { endpoint: this.config.endpoint }),
        ...(this.config.credentials === undefined
          ? {}
          : { credentials: { ...this.config.credentials } }),
      });
      this.clients.set(region, c);
    }
    return c;
  }

  /** The queue's URL; throws (QueueDoesNotExist) when there is no such queue. */
  url(q: SqsQueueRef): Promise<string> {
    let u = this.urls.get(q.arn);
    if (u === undefined) {
      u = this.client(q.region)
        .send(new GetQueueUrlCommand({ QueueName: q.name, QueueOwnerAWSAccountId: q.accountId }))
        .then((r) => {
          if (r.QueueUrl === undefined) throw new Error(`no URL for queue ${q.arn}`);
          return r.QueueUrl;
        });
      u.catch(() => this.urls.delete(q.arn));
      this.urls.set(q.arn, u);
    }
    return u;
  }

  /** Sends one message with String message attributes; FIFO queues get the group `lamina`. */
  async send(
    q: SqsQueueRef,
    body: string,
    attributes: Readonly<Record<string, string>>,
    deduplicationId?: string,
  ): Promise<void> {
    await this.client(q.region).send(
      new SendMessageCommand({
        QueueUrl: await this.url(q),
        MessageBody: body,
        MessageAttributes: Object.fromEntries(
          Object.entries(attributes)
            .filter(([, v]) => v !== '')
            .map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
        ),
        ...(q.fifo
          ? {
              MessageGroupId: 'lamina',
              ...(deduplicationId === undefined ? {} : { MessageDeduplicationId: deduplicationId }),
            }
          : {}),
      }),
    );
  }

  /** Closes every client's connections. */
  destroy(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }
}
