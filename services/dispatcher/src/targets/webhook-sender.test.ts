import { describe, expect, it } from 'vitest';

import { WebhookSender } from './webhook-sender.js';

const delivery = {
  target: { kind: 'webhook', url: 'http://hook.test/x' } as const,
  message: { body: '{"a":1}', attributes: { RequestID: 'r1', ErrorCode: '200' } },
  kind: 'dead-letter' as const,
  requestId: 'r1',
};

describe('WebhookSender', () => {
  it('retries 5xx with backoff and sends the attributes as headers', async () => {
    const statuses = [503, 500, 204];
    const calls: RequestInit[] = [];
    const sleeps: number[] = [];
    const sender = new WebhookSender({
      fetch: (_url, init) => {
        calls.push(init ?? {});
        return Promise.resolve(new Response(null, { status: statuses.shift() ?? 200 }));
      },
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      attempts: 5,
      timeoutMs: 1000,
      random: () => 0,
    });
    await sender.send(delivery);
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([200, 400]);
    expect(calls[0]?.headers).toMatchObject({
      'x-lamina-requestid': 'r1',
      'x-lamina-errorcode': '200',
    });
    expect(calls[0]?.body).toBe('{"a":1}');
  });

  it('does not retry a 4xx and fails after the last attempt', async () => {
    let n = 0;
    const sender = new WebhookSender({
      fetch: () => {
        n++;
        return Promise.resolve(new Response(null, { status: 404 }));
      },
      sleep: () => Promise.resolve(),
      attempts: 5,
      timeoutMs: 1000,
    });
    await expect(sender.send(delivery)).rejects.toThrow('did not take the message');
    expect(n).toBe(1);
  });

  it('jitters its backoff down by up to half', async () => {
    const sleeps: number[] = [];
    const sender = new WebhookSender({
      fetch: () => Promise.resolve(new Response(null, { status: 503 })),
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      attempts: 3,
      timeoutMs: 1000,
      random: () => 0.5,
    });
    await expect(sender.send(delivery)).rejects.toThrow('did not take the message');
    expect(sleeps).toEqual([150, 300]);
  });
});
