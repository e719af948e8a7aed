/**
 * The first check of every Lambda operation: the request against the published service model
 * (core's `matchOperation` and `assertModelValid`), answered with AWS's ValidationException text
 * before any route's own checks run.
 *
 * Invariants: a request the model has no operation for passes untouched (health, queues, the
 * Scheduler API, unknown operations); an operation with JSON body members is validated by
 * `jsonBody` once the body is parsed, so that one message counts the URI, query, header and body
 * failures together; every other operation is validated here, before its route.
 */
import { assertModelValid, hasJsonBody, matchOperation, type OperationMatch } from '@lamina/core';
import type { Request, RequestHandler, Response } from 'express';

const MATCH = 'lambdaOperation';

/**
 * Lamina's own destination forms are not AWS ARNs: `lamina:queue:<name>` and `http(s)://` webhooks
 * (core's parseAsyncTarget checks them instead).
 */
const laminaForm = (value: unknown): boolean =>
  typeof value === 'string' && /^(lamina:|https?:\/\/)/.test(value);

const queryOf =
  (req: Request) =>
  (name: string): string | readonly string[] | undefined => {
    const v: unknown = req.query[name];
    if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
    return typeof v === 'string' ? v : undefined;
  };

/** The model operation this request was matched to (set by `modelValidation`). */
export function matchedOperation(res: Response): OperationMatch | undefined {
  return (res.locals as Record<string, OperationMatch | undefined>)[MATCH];
}

/** Validates the matched operation's request, with `body` when it has been parsed. */
export function validateMatched(req: Request, match: OperationMatch, body?: unknown): void {
  assertModelValid(match.operation, {
    uri: match.uri,
    query: queryOf(req),
    header: (name) => req.get(name),
    exempt: laminaForm,
    ...(body === undefined ? {} : { body }),
  });
}

export function modelValidation(): RequestHandler {
  return (req, res, next) => {
    const query = queryOf(req);
    const match = matchOperation(req.method, req.path, (name) => {
      const v = query(name);
      return typeof v === 'string' ? v : undefined;
    });
    if (match === undefined) {
      next();
      return;
    }
    (res.locals as Record<string, OperationMatch>)[MATCH] = match;
    if (hasJsonBody(match.operation)) {
      next();
      return;
    }
    try {
      validateMatched(req, match);
      next();
    } catch (err) {
      next(err);
    }
  };
}
