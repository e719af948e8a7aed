import { randomUUID } from 'node:crypto';

import { INVOKE_HEADERS } from '@lamina/core';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

const CONTEXT = Symbol('lamina.requestContext');
const MAX_INCOMING_ID = 128;

/**
 * Per request: the request id (the caller's x-amzn-RequestId or a new UUID) and a child
 * logger bound to it and, once known, the function name. The logger is made on first use, so
 * requests that log nothing cost nothing.
 */
export class RequestContext {
  functionName: string | undefined;
  private child: Logger | undefined;

  constructor(
    readonly requestId: string,
    private readonly root: Logger,
  ) {}

  get log(): Logger {
    this.child ??= this.root.child(
      this.functionName === undefined
        ? { requestId: this.requestId }
        : { requestId: this.requestId, function: this.functionName },
    );
    return this.child;
  }
}

interface WithContext {
  [CONTEXT]?: RequestContext;
}

/** Makes and attaches the context of a request (the middleware's job; the invoke fast path's too). */
export function attachRequestContext(
  req: IncomingMessage,
  res: ServerResponse,
  logger: Logger,
): RequestContext {
  const incoming = req.headers[INVOKE_HEADERS.requestId];
  const requestId =
    typeof incoming === 'string' && incoming.length > 0 && incoming.length <= MAX_INCOMING_ID
      ? incoming
      : randomUUID();
  const ctx = new RequestContext(requestId, logger);
  (res as WithContext)[CONTEXT] = ctx;
  return ctx;
}

export function requestContextMiddleware(logger: Logger): RequestHandler {
  return (req, res, next) => {
    attachRequestContext(req, res, logger);
    next();
  };
}

/** The context of a request; one is made on the spot if the middleware did not run. */
export function requestContext(res: ServerResponse, logger?: Logger): RequestContext {
  const holder = res as WithContext;
  const ctx = holder[CONTEXT];
  if (ctx !== undefined) return ctx;
  if (logger === undefined) throw new Error('request context middleware is not installed');
  const made = new RequestContext(randomUUID(), logger);
  holder[CONTEXT] = made;
  return made;
}
