import type { Agent } from 'node:http';

import { type AsyncJobData, type AttemptFailure, INVOKE_HEADERS } from '@lamina/core';

import { httpPost } from '@lamina/service-kit';
import type { AttemptKind } from './retry-policy.js';

/** One attempt's answer, classified. */
export interface Attempt extends AttemptFailure {
  readonly kind: AttemptKind;
}

export interface GatewayClientOptions {
  /** Base URL of the gateway's Lambda API (loopback in local mode, the Service in a cluster). */
  readonly gatewayUrl: string;
  readonly agent: Agent;
  readonly invokeTimeoutMs: number;
}

function kindOf(status: number, functionError: string | undefined): AttemptKind {
  if (status === 200) return functionError === undefined ? 'success' : 'function-error';
  if (status === 429) return 'throttle';
  // 409: the function is not Active yet (Pending, updating); it may become invocable.
  if (status >= 500 || status === 409 || status === 0) return 'system-error';
  return 'rejected';
}

function errorMessage(body: string, fallback: string): string {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const m = parsed['errorMessage'] ?? parsed['message'] ?? parsed['Message'];
    if (typeof m === 'string') return m;
  } catch {
    // not JSON: the text itself
  }
  return body === '' ? fallback : body;
}

const header = (v: string | string[] | undefined): string | undefined =>
  typeof v === 'string' ? v : undefined;

/**
 * The dispatcher's way into the invoke path: the gateway's own Invoke API over HTTP, so async
 * events get the same admission (429), environments and limits as sync calls. The request id
 * travels in x-amzn-RequestId, which the gateway adopts, so every retry has the same one.
 */
export class GatewayClient {
  private readonly o: GatewayClientOptions;

  constructor(options: GatewayClientOptions) {
    this.o = options;
  }

  private url(functionName: string): URL {
    return new URL(
      `${this.o.gatewayUrl}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`,
    );
  }

  /** Runs the event synchronously once; never throws. */
  async invoke(job: AsyncJobData): Promise<Attempt> {
    const name =
      job.qualifier === undefined ? job.functionName : `${job.functionName}:${job.qualifier}`;
    try {
      const res = await httpPost(
        this.o.agent,
        this.url(name),
        {
          'content-type': 'application/json',
          [INVOKE_HEADERS.requestId]: job.requestId,
          [INVOKE_HEADERS.invocationType]: 'RequestResponse',
        },
        Buffer.from(job.payload, 'utf8'),
        this.o.invokeTimeoutMs,
      );
      const functionError = header(res.headers[INVOKE_HEADERS.functionError]);
      const executedVersion = header(res.headers[INVOKE_HEADERS.executedVersion]);
      const body = res.body.toString('utf8');
      return {
        kind: kindOf(res.status, functionError),
        statusCode: res.status,
        ...(functionError === undefined ? {} : { functionError }),
        ...(executedVersion === undefined ? {} : { executedVersion }),
        responsePayload: body,
        errorMessage: errorMessage(body, `HTTP ${res.status}`),
      };
    } catch (err) {
      return {
        kind: 'system-error',
        statusCode: 500,
        errorMessage: `The invoke path did not answer: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
  }

  /** Invokes a function asynchronously (a destination); throws unless the gateway answers 202. */
  async invokeEvent(functionRef: string, body: string): Promise<void> {
    const res = await httpPost(
      this.o.agent,
      this.url(functionRef),
      {
        'content-type': 'application/json',
        [INVOKE_HEADERS.invocationType]: 'Event',
      },
      Buffer.from(body, 'utf8'),
      30_000,
    );
    if (res.status !== 202) {
      throw new Error(
        `Event invoke of ${functionRef} answered ${res.status}: ${res.body.toString('utf8').slice(0, 200)}`,
      );
    }
  }
}
