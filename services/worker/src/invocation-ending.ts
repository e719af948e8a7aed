import type { FunctionVersionConfig, PlatformStatus } from '@lamina/core';
import {
  errorTypeOf,
  exitError,
  responseTooLargeError,
  timeoutError,
  type ExitHow,
  type PlatformError,
} from './function-errors.js';
import type { RuntimeOutcome } from './runtime-api-server.js';

/** How an invocation ended, from the environment's point of view. */
export type Ending =
  | RuntimeOutcome
  | { readonly kind: 'timeout' }
  /** The runtime exited while running the invocation. */
  | { readonly kind: 'exit'; readonly how: ExitHow }
  /** A platform error decided before the runtime ran (a failed init). */
  | { readonly kind: 'platform'; readonly error: PlatformError };

/** What the caller gets and what the environment does next. */
export interface EndingSummary {
  readonly payload: Buffer;
  readonly contentType?: string;
  /** Set when the function failed. */
  readonly errorType?: string;
  /** Extra platform lines for the log, before END. */
  readonly logLines: readonly string[];
  /** The environment cannot take another invocation. */
  readonly broken: boolean;
}

const NO_LINES: readonly string[] = [];

export function describeEnding(
  ending: Ending,
  fn: FunctionVersionConfig,
  requestId: string,
  nowMs: number,
): EndingSummary {
  switch (ending.kind) {
    case 'response':
      return ending.contentType === undefined
        ? { payload: ending.payload, logLines: NO_LINES, broken: false }
        : {
            payload: ending.payload,
            contentType: ending.contentType,
            logLines: NO_LINES,
            broken: false,
          };
    case 'error':
      return {
        payload: ending.payload,
        errorType: errorTypeOf(ending.errorType, ending.payload),
        logLines: NO_LINES,
        broken: false,
      };
    case 'too-large':
      return { ...responseTooLargeError(ending.size), broken: false };
    case 'timeout':
      return { ...timeoutError(requestId, fn.timeout, new Date(nowMs)), broken: true };
    case 'exit':
      return { ...exitError(requestId, ending.how), broken: true };
    case 'platform':
      return { ...ending.error, broken: true };
  }
}

/** Lambda's platform status of an ending: the handler's own error, a timeout, or a failure. */
export function platformStatusOf(ending: Ending, errorType: string | undefined): PlatformStatus {
  if (errorType === undefined) return 'success';
  if (ending.kind === 'timeout') return 'timeout';
  return ending.kind === 'error' ? 'error' : 'failure';
}
