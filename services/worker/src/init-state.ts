import {
  entrypointError,
  exitError,
  workingDirError,
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
  /** The runtime could not be started (`workingDir`: because the code directory is missing). */
  | { readonly kind: 'spawn'; readonly reason: string; readonly workingDir?: string }
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
      return init.workingDir === undefined
        ? entrypointError(requestId, context.executable, init.reason)
        : workingDirError(requestId, init.workingDir);
    case 'timeout':
      return timeoutError(requestId, context.initTimeoutMs / 1000, context.now);
  }
}
