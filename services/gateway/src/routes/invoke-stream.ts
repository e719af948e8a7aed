/**
 * InvokeWithResponseStream and the deprecated InvokeAsync (issue #16 item 6).
 *
 * InvokeWithResponseStream answers 200 `application/vnd.amazon.eventstream`: every chunk the
 * runtime streams becomes a `PayloadChunk` event as it is written (environments on this host,
 * `awslambda.streamifyResponse` and custom runtimes' streaming mode), a buffered answer (a worker
 * pod, a handler that does not stream) one `PayloadChunk`; then `InvokeComplete` with `ErrorCode`
 * / `ErrorDetails` for a function error and `LogResult` for `Tail`. Errors before the function
 * runs (not found, throttled, Pending) are ordinary JSON errors, as on AWS.
 *
 * InvokeAsync is an `Event` invoke of the function answered 202 `{"Status":202}`.
 */
import type { ServerResponse } from 'node:http';

import {
  encodeEvent,
  functionRefIn,
  INVOKE_HEADERS,
  type Invocation,
  type InvocationResult,
  LIMITS,
  logTail,
  type ResponseStreamSink,
} from '@lamina/core';
import { type Request, Router } from 'express';

import { requestContext } from '../http/request-context.js';
import { pathParam, queryString } from '../resolve-function.js';
import {
  clientContext,
  header,
  type InvokeDeps,
  payloadOf,
  queueEvent,
  recordResult,
  resolveTarget,
  responseTooLarge,
  runAdmitted,
  tailLog,
} from './invoke.js';

const EVENT_STREAM = 'application/vnd.amazon.eventstream';

/** Writes PayloadChunk events as the runtime streams; the head goes out with the first. */
class EventStreamWriter implements ResponseStreamSink {
  private headSent = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly requestId: string,
    private readonly executedVersion: string,
  ) {}

  get started(): boolean {
    return this.headSent;
  }

  start(): void {
    this.head();
  }

  write(chunk: Buffer): void {
    this.head();
    if (chunk.length > 0)
      this.res.write(encodeEvent('PayloadChunk', chunk, 'application/octet-stream'));
  }

  head(): void {
    if (this.headSent) return;
    this.headSent = true;
    this.res.writeHead(200, {
      'Content-Type': EVENT_STREAM,
      'x-amzn-RequestId': this.requestId,
      'X-Amz-Executed-Version': this.executedVersion,
    });
    this.res.flushHeaders();
  }

  /** InvokeComplete; a buffered answer is sent as one PayloadChunk first. */
  finish(result: InvocationResult, streamed: boolean, tail: boolean): void {
    this.head();
    if (!streamed && result.payload.length > 0) {
      this.res.write(encodeEvent('PayloadChunk', result.payload, 'application/octet-stream'));
    }
    const complete: Record<string, string> = {};
    if (result.functionError !== undefined) {
      complete['ErrorCode'] = result.errorType ?? result.functionError;
      complete['ErrorDetails'] = result.payload.toString('utf8');
    }
    if (tail) complete['LogResult'] = logTail(result.log ?? '');
    this.res.end(
      encodeEvent('InvokeComplete', Buffer.from(JSON.stringify(complete)), 'application/json'),
    );
  }
}

async function invokeWithResponseStream(deps: InvokeDeps, req: Request, res: ServerResponse) {
  const ctx = requestContext(res, deps.logger);
  const ref = functionRefIn(deps.config, pathParam(req, 'name'), queryString(req, 'Qualifier'));
  const target = await resolveTarget(deps, ctx, ref);
  const tail = tailLog(header(req, INVOKE_HEADERS.logType));
  const context = clientContext(header(req, INVOKE_HEADERS.clientContext));
  const payload = await payloadOf(req);
  if (header(req, INVOKE_HEADERS.invocationType) === 'DryRun') {
    res.writeHead(204, { 'x-amzn-RequestId': ctx.requestId });
    res.end();
    return;
  }
  const executed = target.config.version;
  const writer = new EventStreamWriter(res, ctx.requestId, executed);
  const run = { streamed: false };
  const sink: ResponseStreamSink = {
    start: () => {
      run.streamed = true;
      writer.start();
    },
    write: (chunk) => {
      writer.write(chunk);
    },
  };
  const invocation: Invocation = {
    requestId: ctx.requestId,
    invokedFunctionArn: target.invokedArn,
    payload,
    tailLog: tail,
    ...(context === undefined ? {} : { clientContext: context }),
    responseStream: sink,
  };
  let result = await runAdmitted(deps, ref.name, target, invocation, ctx);
  if (!run.streamed && result.payload.length > LIMITS.syncResponseMaxBytes) {
    result = responseTooLarge(result);
  }
  recordResult(target.metrics, result);
  writer.finish(result, run.streamed, tail);
}

export function invokeStreamRoutes(deps: InvokeDeps): Router {
  const router = Router();
  router.post('/2021-11-15/functions/:name/response-streaming-invocations', (req, res) =>
    invokeWithResponseStream(deps, req, res),
  );
  // The deprecated InvokeAsync: an Event invoke answered {"Status":202}.
  router.post(
    ['/2014-11-13/functions/:name/invoke-async', '/2014-11-13/functions/:name/invoke-async/'],
    async (req, res) => {
      const ctx = requestContext(res, deps.logger);
      const ref = functionRefIn(deps.config, pathParam(req, 'name'));
      await resolveTarget(deps, ctx, ref);
      await queueEvent(deps, req, res, ctx, ref, true);
    },
  );
  return router;
}
