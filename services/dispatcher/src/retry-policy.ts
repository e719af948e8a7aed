import { type AsyncFunctionConfig, backoffDelay, type RecordCondition } from '@lamina/core';

/** How one attempt ended, as the invoke path answered it. */
export type AttemptKind =
  /** 200 without X-Amz-Function-Error. */
  | 'success'
  /** 200 with X-Amz-Function-Error: exception, timeout, crash. Uses a retry. */
  | 'function-error'
  /** 429: waits and retries until the maximum event age. */
  | 'throttle'
  /** 5xx, 409 (not active yet), no answer: like a throttle. */
  | 'system-error'
  /** Any other 4xx (the function is gone, the event is refused): not retriable. */
  | 'rejected';

export interface RetrySettings {
  /** Delay before the 2nd, 3rd … attempt after function errors; the last one repeats. */
  readonly retryDelaysMs: readonly number[];
  readonly throttleMinMs: number;
  readonly throttleMaxMs: number;
}

/** The event's counters after this attempt has been counted. */
export interface AttemptState {
  readonly acceptedAt: number;
  readonly functionErrors: number;
  readonly throttles: number;
}

export type Step =
  | { readonly kind: 'succeed' }
  | { readonly kind: 'retry'; readonly delayMs: number; readonly reason: 'function' | 'throttle' }
  | { readonly kind: 'give-up'; readonly condition: Exclude<RecordCondition, 'Success'> };

/** Epoch ms after which the event is too old to run. */
export function expiresAt(state: Pick<AttemptState, 'acceptedAt'>, c: AsyncFunctionConfig): number {
  return state.acceptedAt + c.maximumEventAgeInSeconds * 1000;
}

/**
 * Share of a throttle delay that is random: events throttled together (a burst against a
 * reserved concurrency) must not all come back at the same instant. Function-error delays stay
 * the configured ones (Lambda documents them as ≈1 min and ≈2 min).
 */
export const THROTTLE_JITTER = 0.5;

/**
 * Throttle backoff: min, 2·min, 4·min … capped at max, jittered down by up to half
 * (`random: () => 0` gives the plain delay).
 */
export function throttleDelay(
  throttles: number,
  s: RetrySettings,
  random: () => number = Math.random,
): number {
  return backoffDelay(throttles - 1, {
    baseMs: s.throttleMinMs,
    maxMs: s.throttleMaxMs,
    jitter: THROTTLE_JITTER,
    random,
  });
}

/**
 * Lambda's async retry rules (reference §4): function errors retry up to MaximumRetryAttempts
 * times with the configured delays; throttles and system errors retry with a growing backoff
 * until MaximumEventAgeInSeconds; a retry that would start after the maximum age gives up
 * with EventAgeExceeded. `random` jitters the throttle delays only (Math.random by default).
 */
export function nextStep(
  attempt: AttemptKind,
  state: AttemptState,
  config: AsyncFunctionConfig,
  settings: RetrySettings,
  now: number,
  random: () => number = Math.random,
): Step {
  const expiry = expiresAt(state, config);
  switch (attempt) {
    case 'success':
      return { kind: 'succeed' };
    case 'rejected':
      return { kind: 'give-up', condition: 'RetriesExhausted' };
    case 'function-error': {
      if (state.functionErrors > config.maximumRetryAttempts)
        return { kind: 'give-up', condition: 'RetriesExhausted' };
      const delays = settings.retryDelaysMs;
      const delayMs = delays[state.functionErrors - 1] ?? delays[delays.length - 1] ?? 0;
      if (now + delayMs > expiry) return { kind: 'give-up', condition: 'EventAgeExceeded' };
      return { kind: 'retry', delayMs, reason: 'function' };
    }
    case 'throttle':
    case 'system-error': {
      if (now >= expiry) return { kind: 'give-up', condition: 'EventAgeExceeded' };
      // Wake up at the expiry at the latest, to give up then.
      const delayMs = Math.min(throttleDelay(state.throttles, settings, random), expiry - now);
      return { kind: 'retry', delayMs, reason: 'throttle' };
    }
  }
}
