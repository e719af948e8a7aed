import { createContext, type FunctionInfo, type InvocationHeaders } from './context.js';
import type { Handler } from './handler-loader.js';
import { NodeJsExitError } from './errors.js';

export type HandlerOutcome =
  { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * Runs a callback when the event loop has nothing left to do. The bootstrap owns the single
 * `beforeExit` listener that calls `fire()`; this is how callback handlers that wait for an empty
 * event loop are completed, as in Lambda's Node.js runtime.
 */
export class EmptyLoopHook {
  private pending: (() => void) | undefined;

  set(fn: () => void): void {
    this.pending = fn;
  }

  clear(): void {
    this.pending = undefined;
  }

  fire(): void {
    const fn = this.pending;
    this.pending = undefined;
    fn?.();
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    (typeof v === 'object' || typeof v === 'function') &&
    v !== null &&
    typeof (v as { then?: unknown }).then === 'function'
  );
}

/**
 * Calls the handler once and settles with its outcome:
 * - a returned promise settles it at once (`callbackWaitsForEmptyEventLoop` does not apply);
 * - `callback(err)` settles at once, `callback(null, result)` when the event loop is empty,
 *   or at once when `context.callbackWaitsForEmptyEventLoop` is false;
 * - `context.done/succeed/fail` settle at once;
 * - a handler that does none of these answers `null` once the event loop is empty; a returned
 *   promise still pending then fails the call as `Runtime.NodeJsExit`, as Lambda's runtime does.
 */
export function runHandler(
  handler: Handler,
  event: unknown,
  info: FunctionInfo,
  requestId: string,
  headers: InvocationHeaders,
  emptyLoop: EmptyLoopHook,
): Promise<HandlerOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: HandlerOutcome): void => {
      if (settled) return;
      settled = true;
      emptyLoop.clear();
      resolve(outcome);
    };
    const done = (err: unknown, result?: unknown): void => {
      if (err !== undefined && err !== null) settle({ ok: false, error: err });
      else settle({ ok: true, result });
    };
    const succeed = (result: unknown): void => {
      done(null, result);
    };
    const fail = (err: unknown): void => {
      done(err ?? 'handled');
    };
    const context = createContext(info, requestId, headers, { done, succeed, fail });
    const callback = (err: unknown, result?: unknown): void => {
      if (settled) return;
      if ((err !== undefined && err !== null) || !context.callbackWaitsForEmptyEventLoop) {
        done(err, result);
        return;
      }
      emptyLoop.set(() => {
        setImmediate(() => {
          done(null, result);
        });
      });
    };
    emptyLoop.set(() => {
      setImmediate(() => {
        done(null, null);
      });
    });
    try {
      const returned = handler(event, context, callback);
      if (isThenable(returned)) {
        returned.then(succeed, fail);
        // The loop ran empty with the promise pending: nothing can settle it any more.
        emptyLoop.set(() => {
          setImmediate(() => {
            fail(new NodeJsExitError());
          });
        });
      }
    } catch (err) {
      settle({ ok: false, error: err });
    }
  });
}
