/**
 * The one status → kind table for answers of the gateway's sync Invoke API, as the services
 * that call it (the dispatcher for async events, the poller for Kafka batches) classify them.
 *
 * Invariants: 200 is success or, with X-Amz-Function-Error, a function error; 429 a throttle;
 * 5xx, 409 (the function is not Active yet) and 0 (no answer) a system error; every other 4xx
 * is rejected. The two callers differ on exactly two statuses, and say so in their rules:
 * 404 (the function is gone: final for an async event, the partition waits for Kafka) and 413
 * (the event is too large: final for async, Kafka splits the batch).
 */

/** How one invoke ended. `too-large` only under rules that ask for it. */
export type InvokeKind =
  'success' | 'function-error' | 'throttle' | 'system-error' | 'too-large' | 'rejected';

/** What a caller makes of the statuses the callers disagree on. */
export interface InvokeStatusRules {
  /** 404 ResourceNotFoundException. */
  readonly notFound: 'rejected' | 'system-error';
  /** 413 RequestTooLargeException. */
  readonly tooLarge: 'rejected' | 'too-large';
}

/** The kinds an answer can have under rules `R` (`too-large` only when R asks for it). */
export type InvokeKindUnder<R extends InvokeStatusRules> =
  Exclude<InvokeKind, 'too-large'> | R['tooLarge'];

/** Async events (reference §4): a missing function or a too-large event is final. */
export const ASYNC_INVOKE_RULES = { notFound: 'rejected', tooLarge: 'rejected' } as const;

/**
 * Kafka batches (reference §5): nothing is skipped silently, so a missing function is retried
 * (the partition waits for it), and a too-large batch is split.
 */
export const KAFKA_INVOKE_RULES = { notFound: 'system-error', tooLarge: 'too-large' } as const;

/** Classifies one answer (status 0 = no answer) under the caller's rules. */
export function invokeKindOf<R extends InvokeStatusRules>(
  status: number,
  functionError: string | undefined,
  rules: R,
): InvokeKindUnder<R> {
  if (status === 200) return functionError === undefined ? 'success' : 'function-error';
  if (status === 429) return 'throttle';
  if (status === 404) return rules.notFound;
  if (status === 413) return rules.tooLarge;
  if (status >= 500 || status === 409 || status === 0) return 'system-error';
  return 'rejected';
}
