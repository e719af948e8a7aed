import type http from 'node:http';

import { type Invocation, LIMITS } from '@lamina/core';

/** Lambda-Runtime-Function-Response-Mode on `/response`: absent (buffered) or `streaming`. */

const json = (o: object): Buffer => Buffer.from(JSON.stringify(o));

/** The answers this module makes (a subset of RuntimeApiServer's RuntimeOutcome). */
type Answer =
  | {
      readonly kind: 'response';
      readonly payload: Buffer;
      readonly contentType: string | undefined;
    }
  | { readonly kind: 'error'; readonly payload: Buffer; readonly errorType: string | undefined };

/** The runtime's answer to a `/response` with any other mode: 400. */
export const INVALID_MODE = json({
  errorMessage: 'Invalid function response mode',
  errorType: 'InvalidFunctionResponseMode',
});
/** What the caller gets for it. */
export const INVALID_MODE_OUTCOME: Answer = {
  kind: 'error',
  payload: json({
    errorType: 'Runtime.InvalidResponseModeHeader',
    errorMessage: 'The runtime sent an invalid Lambda-Runtime-Function-Response-Mode header.',
  }),
  errorType: 'Runtime.InvalidResponseModeHeader',
};

/**
 * A streamed response (`Lambda-Runtime-Function-Response-Mode: streaming`), buffered for the
 * caller; a failure mid-stream arrives in the trailers, the error body base64-encoded.
 */
export function streamedOutcome(req: http.IncomingMessage, body: Buffer): Answer {
  const errorType = req.trailers['lambda-runtime-function-error-type'];
  if (errorType === undefined) {
    return { kind: 'response', payload: body, contentType: req.headers['content-type'] };
  }
  const errorBody = req.trailers['lambda-runtime-function-error-body'];
  const payload =
    errorBody === undefined
      ? json({ errorType, errorMessage: 'The function failed while streaming its response.' })
      : Buffer.from(errorBody, 'base64');
  return { kind: 'error', payload, errorType };
}

/**
 * Hands a streamed response's bytes to the invocation's sink, if it has one, as they arrive
 * (function URLs in RESPONSE_STREAM mode), while the body is also read whole for the result.
 * Stops forwarding once the invocation is no longer live (timed out) or the body passes Lambda's
 * response limit (the result is then "too large").
 */
export function forwardStream(
  req: http.IncomingMessage,
  invocation: Invocation,
  live: () => boolean,
  limit: number = LIMITS.syncResponseMaxBytes,
): void {
  const sink = invocation.responseStream;
  if (sink === undefined) return;
  let size = 0;
  sink.start(req.headers['content-type']);
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= limit && live()) sink.write(chunk);
  });
}
