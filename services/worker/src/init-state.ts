import {
  entrypointError,
  exitError,
  timeoutError,
  type ExitHow,
  type PlatformError,
} from './function-errors.js';

/** How an environment's init phase ended. */
export type InitState =
  | { readonly kind: 'ok' }
  /** The runtime POSTed /init/error. */
  | { readonly kind: 'error'; readonly errorType: string; readonly payload: Buffer }
  /** The runtime exited before its first /next. */
  | { readonly kind: 'exit'; readonly how: ExitHow }
  /** The runtime could not be started. */
  | { readonly kind: 'spawn'; readonly reason: string }
  | { readonly kind: 'timeout' };

/** The function error the first invocation gets when init failed. */
export function initFailureError(
  init: Exclude<InitState, { kind: 'ok' }>,
  requestId: string,
  context: { readonly executable: string; readonly initTimeoutMs: number; readonly now: Date },
): PlatformError {
  switch (init.kind) {
    case 'error':
      return { payload: init.payload, errorType: init.errorType, logLines: [] };
    case 'exit':
      return exitError(requestId, init.how);
    case 'spawn':
      return entrypointError(requestId, context.executable, init.reason);
    case 'timeout':
      return timeoutError(requestId, context.initTimeoutMs / 1000, context.now);
  }
}
