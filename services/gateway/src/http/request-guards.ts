/**
 * Request guards: the checks every API request passes before its operation runs (request
 * signatures, policies …). They are one list, run by the express middleware in front of the
 * management API and by the invoke fast path (`routes/invoke-fast-path.ts`), so a check added
 * to the list guards both paths and behaviour stays one.
 *
 * Invariants: guards run in list order, after the request context exists (a refusal carries the
 * request id) and before the body is read; a guard refuses by throwing (or rejecting with) an
 * error, preferably a LaminaError, which the caller answers through the one error writer. With
 * no asynchronous guard nothing is awaited, so an empty list costs no promise per request.
 */
import type { IncomingMessage } from 'node:http';

import type { RequestHandler } from 'express';

export type RequestGuard = (req: IncomingMessage) => Promise<void> | void;

/**
 * Runs the guards in order; undefined when all passed synchronously, else a promise that settles
 * once the asynchronous rest has run. A synchronous throw propagates as a throw.
 */
export function runGuards(
  guards: readonly RequestGuard[],
  req: IncomingMessage,
): Promise<void> | undefined {
  for (let i = 0; i < guards.length; i++) {
    const pending = guards[i]?.(req);
    if (pending !== undefined) return finishGuards(pending, guards, i + 1, req);
  }
  return undefined;
}

async function finishGuards(
  pending: Promise<void>,
  guards: readonly RequestGuard[],
  from: number,
  req: IncomingMessage,
): Promise<void> {
  await pending;
  for (let i = from; i < guards.length; i++) await guards[i]?.(req);
}

/** The guards as express middleware; a refusal goes to the error middleware. */
export function requestGuardsMiddleware(guards: readonly RequestGuard[]): RequestHandler {
  return (req, _res, next) => {
    let pending: Promise<void> | undefined;
    try {
      pending = runGuards(guards, req);
    } catch (err) {
      next(err);
      return;
    }
    if (pending === undefined) next();
    else
      pending.then(
        () => {
          next();
        },
        (err: unknown) => {
          next(err);
        },
      );
  };
}
