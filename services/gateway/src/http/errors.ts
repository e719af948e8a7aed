import type { ServerResponse } from 'node:http';

import { LaminaError } from '@lamina/core';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';

import { unparsable } from './body.js';
import { type RequestContext, requestContext } from './request-context.js';

/** The fields of an http-errors error (what body-parser and express raise). */
interface HttpError {
  status?: unknown;
  type?: unknown;
  limit?: unknown;
}

function fromHttpError(err: Error): LaminaError | undefined {
  const http = err as HttpError;
  switch (http.type) {
    case 'entity.too.large':
      return new LaminaError(
        'RequestEntityTooLargeException',
        typeof http.limit === 'number'
          ? `Request must be smaller than ${http.limit + 1} bytes`
          : 'Request is too large',
        { cause: err },
      );
    case 'entity.parse.failed':
      return unparsable(err);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new LaminaError('UnsupportedMediaTypeException', err.message, { cause: err });
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new LaminaError('InvalidRequestContentException', err.message, { cause: err });
    default:
      return undefined;
  }
}

/**
 * A path parameter that is not valid percent-encoded UTF-8 (`%zz`, the overlong `%c0%af`): the
 * router's decodeURIComponent throws a URIError (status 400) before any route runs. It is the
 * client's malformed input, never a server fault.
 */
function malformedPath(err: URIError): LaminaError {
  return new LaminaError(
    'ValidationException',
    '1 validation error detected: a path parameter is not valid percent-encoded UTF-8',
    { cause: err },
  );
}

/** Anything thrown, as the Lambda error the client should see. */
export function toLambdaError(err: unknown): LaminaError {
  if (err instanceof LaminaError) return err;
  if (err instanceof URIError) return malformedPath(err);
  if (err instanceof Error) {
    const mapped = fromHttpError(err);
    if (mapped !== undefined) return mapped;
  }
  return LaminaError.from(err);
}

/**
 * A failed request's error and body (`{Type, message}`), logged once: a 5xx with the cause, a
 * refusal at debug. writeError answers it over HTTP; the in-process invoke (ADR 0055) as a value.
 */
export function errorAnswer(
  err: unknown,
  ctx: RequestContext,
): { error: LaminaError; body: string } {
  const error = toLambdaError(err);
  if (error.status >= 500) ctx.log.error({ err }, 'request failed');
  // Not the message: a JSON parse error quotes the payload.
  else ctx.log.debug({ error: error.name, status: error.status }, 'request refused');
  return { error, body: JSON.stringify(error.toBody()) };
}

/**
 * Answers a failed request in Lambda's error shape (X-Amzn-ErrorType, x-amzn-RequestId, the
 * error's extra headers such as Retry-After, body `{Type, message}`). Unknown throws become
 * ServiceException and are logged; the client never sees their message. Returns false when the
 * response had already begun (too late for an error answer: the caller closes the connection).
 */
export function writeError(res: ServerResponse, err: unknown, ctx: RequestContext): boolean {
  const { error, body } = errorAnswer(err, ctx);
  if (res.headersSent) return false;
  res.writeHead(error.status, {
    ...error.headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'X-Amzn-ErrorType': error.name,
    'x-amzn-RequestId': ctx.requestId,
  });
  res.end(body);
  return true;
}

/** The one error middleware (`writeError`); express' final handler closes a begun response. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    if (!writeError(res, err, requestContext(res, logger))) next(err);
  };
}

/** Paths and methods the API does not have, answered like AWS (404 UnknownOperationException). */
export function unknownOperation(logger: Logger): RequestHandler {
  return (req, res) => {
    const ctx = requestContext(res, logger);
    const body = JSON.stringify({
      Type: 'User',
      message: `Unknown operation ${req.method} ${req.path}`,
    });
    res.writeHead(404, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      'X-Amzn-ErrorType': 'UnknownOperationException',
      'x-amzn-RequestId': ctx.requestId,
    });
    res.end(body);
  };
}
