import type { Agent } from 'node:http';

import { INVOKE_HEADERS } from '@lamina/core';

import { httpPost } from '@lamina/service-kit';

/**
 * A sync invoke's answer, classified: 200 success; 200 + X-Amz-Function-Error function error;
 * 429 throttle; 5xx, 409 (not Active yet), 404 (function missing) or no answer: system error
 * (retried, the partition waits); 413: too large; other 4xx: rejected (counts as a failure).
 */
export type InvokeKind =
  'success' | 'function-error' | 'throttle' | 'system-error' | 'too-large' | 'rejected';

export interface InvokeOutcome {
  readonly kind: InvokeKind;
  readonly statusCode: number;
  readonly functionError?: string;
  readonly executedVersion?: string;
  readonly body: string;
}

/** Runs one event synchronously; never throws. */
export interface Invoker {
  invoke(functionName: string, payload: Buffer, requestId: string): Promise<InvokeOutcome>;
}

export interface GatewayClientOptions {
  readonly gatewayUrl: string;
  readonly agent: Agent;
  readonly invokeTimeoutMs: number;
}

function kindOf(status: number, functionError: string | undefined): InvokeKind {
  if (status === 200) return functionError === undefined ? 'success' : 'function-error';
  if (status === 429) return 'throttle';
  if (status === 413) return 'too-large';
  if (status >= 500 || status === 409 || status === 404 || status === 0) return 'system-error';
  return 'rejected';
}

const header = (v: string | string[] | undefined): string | undefined =>
  typeof v === 'string' ? v : undefined;

/**
 * The poller's way into the invoke path: the gateway's sync Invoke API over HTTP (same
 * admission, environments and limits as every caller). Services never import each other.
 */
export class GatewayClient implements Invoker {
  constructor(private readonly o: GatewayClientOptions) {}

  private url(functionName: string): URL {
    return new URL(
      `${this.o.gatewayUrl}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`,
    );
  }

  async invoke(functionName: string, payload: Buffer, requestId: string): Promise<InvokeOutcome> {
    try {
      const res = await httpPost(
        this.o.agent,
        this.url(functionName),
        {
          'content-type': 'application/json',
          [INVOKE_HEADERS.requestId]: requestId,
          [INVOKE_HEADERS.invocationType]: 'RequestResponse',
        },
        payload,
        this.o.invokeTimeoutMs,
      );
      const functionError = header(res.headers[INVOKE_HEADERS.functionError]);
      const executedVersion = header(res.headers[INVOKE_HEADERS.executedVersion]);
      return {
        kind: kindOf(res.status, functionError),
        statusCode: res.status,
        ...(functionError === undefined ? {} : { functionError }),
        ...(executedVersion === undefined ? {} : { executedVersion }),
        body: res.body.toString('utf8'),
      };
    } catch (err) {
      return {
        kind: 'system-error',
        statusCode: 0,
        body: `The invoke path did not answer: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
  }

  /** An Event invoke (a function destination); throws unless the gateway answers 202. */
  async invokeEvent(functionRef: string, body: string): Promise<void> {
    const res = await httpPost(
      this.o.agent,
      this.url(functionRef),
      { 'content-type': 'application/json', [INVOKE_HEADERS.invocationType]: 'Event' },
      Buffer.from(body, 'utf8'),
      30_000,
    );
    if (res.status !== 202)
      throw new Error(`Event invoke of ${functionRef} answered ${res.status}`);
  }
}
