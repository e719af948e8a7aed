import { backoffDelay } from '@lamina/core';

import type { Delivery, Sleep, TargetSender } from './delivery.js';

export interface WebhookSenderOptions {
  readonly fetch: typeof fetch;
  readonly sleep: Sleep;
  readonly attempts: number;
  readonly timeoutMs: number;
  /** First backoff; doubles per attempt, jittered down by up to half. Default 200 ms. */
  readonly backoffMs?: number;
  /** Jitter source (Math.random unless a test injects one; `() => 0` = the plain delays). */
  readonly random?: () => number;
}

/**
 * HTTP(S) webhooks: POST the body (a record, or the original event of a dead letter with its
 * attributes as `x-lamina-*` headers); any 2xx is taken; network errors, 429 and 5xx are
 * retried with backoff, other answers are final.
 */
export class WebhookSender implements TargetSender {
  constructor(private readonly o: WebhookSenderOptions) {}

  async send(d: Delivery): Promise<void> {
    if (d.target.kind !== 'webhook') throw new Error(`not a webhook target: ${d.target.kind}`);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-lamina-delivery': d.kind,
      'x-lamina-request-id': d.requestId,
    };
    for (const [k, v] of Object.entries(d.message.attributes)) {
      headers[`x-lamina-${k.toLowerCase()}`] = encodeURIComponent(v);
    }
    let last: unknown;
    for (let attempt = 1; attempt <= this.o.attempts; attempt++) {
      try {
        const res = await this.o.fetch(d.target.url, {
          method: 'POST',
          headers,
          body: d.message.body,
          signal: AbortSignal.timeout(this.o.timeoutMs),
        });
        await res.arrayBuffer();
        if (res.ok) return;
        last = new Error(`webhook answered ${res.status}`);
        if (res.status !== 429 && res.status < 500) break;
      } catch (err) {
        last = err;
      }
      if (attempt < this.o.attempts) await this.o.sleep(this.delay(attempt));
    }
    throw new Error(`webhook ${d.target.url} did not take the message`, { cause: last });
  }

  private delay(attempt: number): number {
    return backoffDelay(attempt - 1, {
      baseMs: this.o.backoffMs ?? 200,
      // Uncapped: the number of attempts bounds it.
      maxMs: Number.POSITIVE_INFINITY,
      jitter: 0.5,
      ...(this.o.random === undefined ? {} : { random: this.o.random }),
    });
  }
}
