/**
 * Serves an HTTP request that reached a function URL: CORS preflight from the URL's `Cors`
 * (no invocation), the request as a payload format 2.0 event, one invocation through the same
 * admission (429) and environment pool as Invoke (and its metrics), the result back as HTTP.
 *
 * Invariants: the function runs at most once per request; every answer carries
 * `x-amzn-RequestId`; a failed function, an invalid function response and a platform failure are
 * 502 (`Internal Server Error`), a throttle 429, a body of 6 MB or more 413 — the function is not
 * invoked for those last two. AWS_IAM URLs refuse requests without a SigV4 signature (403); on a
 * signed gateway (access keys) the signature and the caller's right to lambda:InvokeFunctionUrl
 * are verified too (auth/url-iam.ts).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import {
  type FunctionUrlRecord,
  type FunctionUrlStore,
  type Invocation,
  LaminaError,
  LIMITS,
  TooManyRequestsException,
} from '@lamina/core';

import type { AppDeps, Clock } from '../deps.js';
import { readRawBody } from '../http/body.js';
import type { InvokeTarget, InvokeTargets } from '../invoke-targets.js';
import { resolveTarget } from '../routes/invoke.js';
import type { StateTransitions } from '../state-transitions.js';
import { recordResult, runAdmitted } from '../routes/invoke.js';
import { isPreflight, preflightHeaders, withCorsHeaders } from './url-cors.js';
import type { UrlEndpoints } from './url-endpoints.js';
import { urlIamAllows } from '../auth/url-iam.js';
import { toUrlEvent } from './url-event.js';
import { type UrlResponse, toUrlResponse } from './url-response.js';
import {
  fromIntegrationResponse,
  INTEGRATION_RESPONSE_TYPE,
  UrlStreamWriter,
} from './url-stream.js';

export type ServeUrlDeps = Pick<
  AppDeps,
  'config' | 'pool' | 'admission' | 'logger' | 'accessKeys' | 'functions'
> & {
  readonly store: FunctionUrlStore;
  readonly endpoints: UrlEndpoints;
  readonly targets: Pick<InvokeTargets, 'resolve'>;
  readonly clock: Clock;
  /** A call to a function still settling (local mode) waits for it, as Invoke does. */
  readonly transitions?: Pick<StateTransitions, 'settled'>;
};

type Headers = UrlResponse['headers'];

function send(res: ServerResponse, status: number, headers: Headers, body: Buffer): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { ...headers, 'content-length': String(body.length) });
  res.end(body);
}

const message = (
  requestId: string,
  status: number,
  text: string | null,
): [number, Headers, Buffer] => [
  status,
  { 'content-type': 'application/json', 'x-amzn-requestid': requestId },
  Buffer.from(JSON.stringify({ Message: text })),
];

const internalError = (requestId: string): [number, Headers, Buffer] => [
  502,
  { 'content-type': 'text/plain; charset=utf-8', 'x-amzn-requestid': requestId },
  Buffer.from('Internal Server Error'),
];

/** Whether the request carries a SigV4 signature (header or query); not verified. */
function signed(req: IncomingMessage): boolean {
  const auth = req.headers.authorization;
  return (
    (typeof auth === 'string' && auth.startsWith('AWS4-HMAC-SHA256 ')) ||
    (req.url ?? '').includes('X-Amz-Signature=')
  );
}

function domainOf(endpoints: UrlEndpoints, record: FunctionUrlRecord): string {
  return new URL(endpoints.urlOf(record)).host;
}

async function answer(
  deps: ServeUrlDeps,
  urlId: string,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
): Promise<[number, Headers, Buffer] | undefined> {
  const record = await deps.store.byId(urlId);
  if (record === undefined) return message(requestId, 403, 'Forbidden');
  if (record.authType === 'AWS_IAM' && !signed(req)) return message(requestId, 403, 'Forbidden');
  const method = (req.method ?? 'GET').toUpperCase();
  const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
  if (isPreflight(record.cors, method, req.headers)) {
    return [
      200,
      { ...preflightHeaders(record.cors, origin), 'x-amzn-requestid': requestId },
      Buffer.alloc(0),
    ];
  }
  let body: Buffer;
  try {
    body = await readRawBody(req, LIMITS.syncRequestMaxBytes, 'InvokeFunctionUrl');
  } catch {
    return message(requestId, 413, 'Request Entity Too Large');
  }
  const keys = deps.accessKeys;
  if (record.authType === 'AWS_IAM' && keys !== undefined) {
    const iam = {
      keys,
      arn: deps.config,
      clock: deps.clock,
      policyOf: (fn: string, q: string) => deps.functions.get(fn)?.policy?.[q],
    };
    if (!urlIamAllows(iam, req, body, record)) return message(requestId, 403, 'Forbidden');
  }
  let target: InvokeTarget;
  try {
    target = await resolveTarget(
      deps,
      { functionName: undefined },
      {
        name: record.functionName,
        qualifier: record.qualifier,
      },
    );
  } catch {
    return internalError(requestId); // not invocable (Pending, Failed): AWS's URL answers 502
  }
  const nowMs = deps.clock.now();
  const event = toUrlEvent(
    {
      method,
      url: req.url ?? '/',
      rawHeaders: req.rawHeaders,
      httpVersion: req.httpVersion,
      sourceIp: req.socket.remoteAddress ?? '',
      body,
    },
    {
      urlId,
      accountId: deps.config.accountId,
      domainName: domainOf(deps.endpoints, record),
      requestId,
      nowMs,
    },
  );
  const decorate = (h: Headers): Headers => ({
    ...withCorsHeaders(h, record.cors, origin),
    'x-amzn-requestid': requestId,
  });
  // RESPONSE_STREAM: bytes reach the client as the runtime writes them (local environments).
  const writer =
    record.invokeMode === 'RESPONSE_STREAM' ? new UrlStreamWriter(res, decorate) : undefined;
  const invocation: Invocation = {
    requestId,
    invokedFunctionArn: target.invokedArn,
    payload: Buffer.from(JSON.stringify(event)),
    tailLog: false,
    ...(writer === undefined ? {} : { responseStream: writer }),
  };
  const result = await runAdmitted(deps, record.functionName, target, invocation, {
    log: deps.logger,
  });
  recordResult(target.metrics, result);
  if (writer?.started === true) {
    writer.finish(result.functionError !== undefined);
    return undefined;
  }
  if (result.functionError !== undefined) return internalError(requestId);
  if (result.payload.length > LIMITS.syncResponseMaxBytes) return internalError(requestId);
  const mapped =
    result.contentType === INTEGRATION_RESPONSE_TYPE
      ? fromIntegrationResponse(result.payload)
      : toUrlResponse(result.payload);
  if (mapped === undefined) return internalError(requestId);
  return [mapped.statusCode, decorate(mapped.headers), mapped.body];
}

/** The handler both modes' endpoints call with the url id their request addressed. */
export function functionUrlHandler(
  deps: ServeUrlDeps,
): (urlId: string, req: IncomingMessage, res: ServerResponse) => void {
  return (urlId, req, res) => {
    const requestId = randomUUID();
    answer(deps, urlId, req, res, requestId)
      .then((answered) => {
        if (answered !== undefined) send(res, ...answered);
      })
      .catch((err: unknown) => {
        if (err instanceof TooManyRequestsException) {
          send(res, ...message(requestId, 429, 'Rate Exceeded.'));
          return;
        }
        const level = err instanceof LaminaError ? 'warn' : 'error';
        deps.logger[level]({ err, urlId, requestId }, 'function URL request failed');
        send(res, ...internalError(requestId));
      });
  };
}
