/**
 * The one client of the gateway's Lambda Invoke API for the services that call it (dispatcher,
 * poller): they reach the invoke path over HTTP like any caller, so they get the same admission
 * (429), environments and limits; services never import the gateway.
 *
 * Invariants: `invoke` never throws — a network error or timeout is status 0 (`system-error`)
 * with the reason as the body; the request id travels in x-amzn-RequestId, which the gateway
 * adopts, so every retry of one event has the same id; the kind comes from `invokeKindOf`
 * under the rules the caller chose. `invokeEvent` throws unless the gateway answers 202 (an
 * `EventInvokeRefused` when the gateway answered, a network error otherwise).
 */
import type { Agent } from 'node:http';

import {
  type InvokeApi,
  type InvokeApiAnswer,
  INVOKE_HEADERS,
  signRequest,
  SOURCE_ARN_HEADER,
} from '@lamina/core';

import { httpPost } from './http-post.js';
import { invokeKindOf, type InvokeKindUnder, type InvokeStatusRules } from './invoke-kind.js';

/** A sync invoke's answer (core's InvokeApiAnswer), classified under the caller's rules `R`. */
export interface InvokeOutcome<
  R extends InvokeStatusRules = InvokeStatusRules,
> extends InvokeApiAnswer {
  readonly kind: InvokeKindUnder<R>;
}

/** An answer of the Invoke API, classified under `rules`. */
export function classified<R extends InvokeStatusRules>(
  answer: InvokeApiAnswer,
  rules: R,
): InvokeOutcome<R> {
  return { ...answer, kind: invokeKindOf(answer.statusCode, answer.functionError, rules) };
}

export interface GatewayClientOptions<R extends InvokeStatusRules> {
  /** Base URL of the gateway's Lambda API (loopback in local mode, the Service in a cluster). */
  readonly gatewayUrl: string;
  readonly agent: Agent;
  readonly invokeTimeoutMs: number;
  /** How 404 and 413 count for this caller (ASYNC_INVOKE_RULES, KAFKA_INVOKE_RULES). */
  readonly rules: R;
  /** Timeout of an Event invoke (a function destination); default 30 s. */
  readonly eventTimeoutMs?: number;
  /** The service's own access key: every call is SigV4-signed with it (issue #18); absent: unsigned. */
  readonly credentials?: GatewayCredentials;
  /** Epoch ms for signatures; default Date.now. */
  readonly now?: () => number;
}

/** An access key of the gateway's, and the region it signs for. */
export interface GatewayCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
}

/** Runs one event synchronously; never throws (GatewayClient; a fake in tests). */
export interface Invoker<R extends InvokeStatusRules = InvokeStatusRules> {
  invoke(
    functionRef: string,
    payload: Buffer,
    requestId: string,
    headers?: Readonly<Record<string, string>>,
  ): Promise<InvokeOutcome<R>>;
}

/**
 * The Invoke API reached without HTTP (the gateway of this process, ADR 0055) as an Invoker under
 * the caller's rules: the same answers, classified by the same table as GatewayClient's.
 */
export function invokerOver<R extends InvokeStatusRules>(api: InvokeApi, rules: R): Invoker<R> {
  return {
    invoke: async (functionRef, payload, requestId, headers) =>
      classified(await api.invoke(functionRef, payload, requestId, headers), rules),
  };
}

const header = (v: string | string[] | undefined): string | undefined =>
  typeof v === 'string' ? v : undefined;

export class GatewayClient<R extends InvokeStatusRules> implements Invoker<R> {
  constructor(private readonly o: GatewayClientOptions<R>) {}

  private url(functionRef: string): URL {
    return new URL(
      `${this.o.gatewayUrl}/2015-03-31/functions/${encodeURIComponent(functionRef)}/invocations`,
    );
  }

  /** The headers plus, with credentials, the signature over them and the body. */
  private signed(url: URL, headers: Record<string, string>, body: Buffer): Record<string, string> {
    const c = this.o.credentials;
    if (c === undefined) return headers;
    const all = { ...headers, host: url.host };
    return {
      ...all,
      ...signRequest({
        method: 'POST',
        url: `${url.pathname}${url.search}`,
        headers: all,
        body,
        ...c,
        service: 'lambda',
        now: (this.o.now ?? Date.now)(),
      }),
    };
  }

  /**
   * Runs `payload` synchronously once on `functionRef` (name, name:qualifier or an ARN);
   * `headers` go along (the dispatcher's run-record request).
   */
  async invoke(
    functionRef: string,
    payload: Buffer,
    requestId: string,
    headers?: Readonly<Record<string, string>>,
  ): Promise<InvokeOutcome<R>> {
    try {
      const url = this.url(functionRef);
      const sent = this.signed(
        url,
        {
          ...headers,
          'content-type': 'application/json',
          [INVOKE_HEADERS.requestId]: requestId,
          [INVOKE_HEADERS.invocationType]: 'RequestResponse',
        },
        payload,
      );
      const res = await httpPost(this.o.agent, url, sent, payload, this.o.invokeTimeoutMs);
      const functionError = header(res.headers[INVOKE_HEADERS.functionError]);
      const executedVersion = header(res.headers[INVOKE_HEADERS.executedVersion]);
      const answer: InvokeApiAnswer = {
        statusCode: res.status,
        ...(functionError === undefined ? {} : { functionError }),
        ...(executedVersion === undefined ? {} : { executedVersion }),
        body: res.body.toString('utf8'),
      };
      return classified(answer, this.o.rules);
    } catch (err) {
      return {
        kind: 'system-error',
        statusCode: 0,
        body: `The invoke path did not answer: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
  }

  /**
   * An Event invoke (a function destination, a schedule's tick); throws unless the gateway
   * answers 202. A `requestId` names the event (the async queue keeps one job per id);
   * `sourceArn` the event source it is made for (SOURCE_ARN_HEADER: the schedule, the function
   * whose destination it is).
   */
  async invokeEvent(
    functionRef: string,
    body: string,
    requestId?: string,
    sourceArn?: string,
  ): Promise<void> {
    const url = this.url(functionRef);
    const bytes = Buffer.from(body, 'utf8');
    const headers = this.signed(
      url,
      {
        'content-type': 'application/json',
        [INVOKE_HEADERS.invocationType]: 'Event',
        ...(requestId === undefined ? {} : { [INVOKE_HEADERS.requestId]: requestId }),
        ...(sourceArn === undefined ? {} : { [SOURCE_ARN_HEADER]: sourceArn }),
      },
      bytes,
    );
    const res = await httpPost(this.o.agent, url, headers, bytes, this.o.eventTimeoutMs ?? 30_000);
    if (res.status !== 202) {
      const header = res.headers['x-amzn-errortype'];
      const errorType = (Array.isArray(header) ? header[0] : header)?.split(':')[0];
      throw new EventInvokeRefused(
        functionRef,
        res.status,
        res.body.toString('utf8').slice(0, 200),
        errorType,
      );
    }
  }
}

/** The gateway did not take an Event invoke: `statusCode` (0 never: network errors reject). */
export class EventInvokeRefused extends Error {
  override readonly name = 'EventInvokeRefused';
  constructor(
    readonly functionRef: string,
    readonly statusCode: number,
    readonly detail: string,
    /** Lambda's error type from x-amzn-ErrorType, e.g. ResourceNotFoundException. */
    readonly errorType?: string,
  ) {
    super(`Event invoke of ${functionRef} answered ${String(statusCode)}: ${detail}`);
  }

  /** Whether retrying can help: throttles and server errors, not a missing function or a 4xx. */
  get retryable(): boolean {
    return this.statusCode === 429 || this.statusCode >= 500;
  }
}
