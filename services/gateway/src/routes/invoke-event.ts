import {
  formatTraceparent,
  incomingTraceParent,
  LaminaError,
  LIMITS,
  newAsyncJob,
} from '@lamina/core';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { type SpanHandle, type Tracing, TRACING_OFF } from '@lamina/service-kit';

import type { AsyncStore } from '../async/async-store.js';
import { readRawBody, unparsable } from '../http/body.js';
import type { Clock } from '../deps.js';
import type { RequestContext } from '../http/request-context.js';

export interface EventInvokeDeps {
  readonly async: Pick<AsyncStore, 'enqueue'>;
  readonly clock: Clock;
  /** Spans `Invoke (Event)` and `queue`; the event carries the latter as its traceparent. */
  readonly tracing?: Tracing | undefined;
}

/** One header's value (a repeated one: its first), as express' `req.header` reads it. */
function headerOf(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** The accepting span and its `queue` child, under the caller's trace (tracing on). */
function acceptSpans(
  tracing: Tracing,
  req: IncomingMessage,
  name: string,
  requestId: string,
): SpanHandle[] {
  const accepted = tracing.startSpan('Invoke (Event)', {
    kind: 'server',
    parent: incomingTraceParent((h) => headerOf(req, h)),
    attributes: {
      'faas.invoked_name': name,
      'faas.invocation_id': requestId,
      'faas.trigger': 'http',
    },
  });
  return [accepted, tracing.startSpan('queue', { kind: 'producer', parent: accepted.position })];
}

/**
 * Invoke with `X-Amz-Invocation-Type: Event`: payload ≤ 1 MB and JSON, then the event is
 * written to the async queue and only then answered with 202. When Redis refuses it the
 * caller gets an error (ServiceException), never a 202. The deprecated InvokeAsync (`legacy`)
 * is the same event answered 202 with `{"Status":202}`, as AWS does. Served by express and by
 * the invoke fast path alike (node:http's request and response are all it needs).
 */
export async function invokeEvent(
  deps: EventInvokeDeps,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RequestContext,
  target: {
    readonly name: string;
    readonly qualifier: string | undefined;
    readonly deadLetterTarget: string | undefined;
  },
  legacy = false,
): Promise<void> {
  const body = await readRawBody(req, LIMITS.syncRequestMaxBytes, 'InvokeFunction');
  if (body.length > LIMITS.asyncRequestMaxBytes) {
    throw new LaminaError(
      'RequestEntityTooLargeException',
      `${body.length} byte payload is too large for the Event invocation type (limit ${LIMITS.asyncRequestMaxBytes} bytes)`,
    );
  }
  const payload = body.length === 0 ? '{}' : body.toString('utf8');
  try {
    JSON.parse(payload);
  } catch (err) {
    throw unparsable(err);
  }
  const tracing = deps.tracing ?? TRACING_OFF;
  const spans = tracing.enabled ? acceptSpans(tracing, req, target.name, ctx.requestId) : [];
  const queued = spans[1]?.position;
  try {
    await deps.async.enqueue(
      newAsyncJob({
        functionName: target.name,
        ...(target.qualifier === undefined ? {} : { qualifier: target.qualifier }),
        ...(target.deadLetterTarget === undefined
          ? {}
          : { deadLetterTarget: target.deadLetterTarget }),
        requestId: ctx.requestId,
        payload,
        acceptedAt: deps.clock.now(),
        ...(queued === undefined ? {} : { traceparent: formatTraceparent(queued) }),
      }),
    );
  } catch (err) {
    for (const s of spans.reverse()) {
      s.fail('The event could not be queued.');
      s.end();
    }
    throw new LaminaError('ServiceException', 'The event could not be queued.', { cause: err });
  }
  for (const s of spans.reverse()) s.end();
  if (legacy) {
    const answer = '{"Status":202}';
    res.writeHead(202, {
      'x-amzn-RequestId': ctx.requestId,
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(answer),
    });
    res.end(answer);
    return;
  }
  res.writeHead(202, { 'x-amzn-RequestId': ctx.requestId, 'Content-Length': 0 });
  res.end();
}
