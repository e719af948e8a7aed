/**
 * The one exponential backoff of the platform: base · 2^failures, capped, with optional jitter.
 * Used by the informer restarts and the work queue (packages/kube), the dispatcher's throttle
 * retries and webhook sender, the poller's batch retries, and the worker agent's code-delivery
 * and init-at-start retries.
 *
 * Invariants: pure (the random source is injected; `() => 0` gives the exact, unjittered
 * delay); jitter only shortens — the result lies in `[d·(1 − jitter), d]` where
 * `d = min(max, base · 2^failures)`, so a cap is never exceeded and the growth stays visible;
 * `failures` below 0 count as 0; the exponent is clamped so large counts cannot overflow.
 */

export interface BackoffOptions {
  /** Delay after the first failure (failures = 0), in ms; > 0. */
  readonly baseMs: number;
  /** Cap of the delay, in ms; ≥ baseMs. */
  readonly maxMs: number;
  /**
   * Share of the delay that is random, 0 (none, the default) … 1 ("full jitter"). 0.5 is
   * "equal jitter": half fixed, half random, so callers that failed together spread out.
   */
  readonly jitter?: number;
  /** Uniform in [0, 1); Math.random unless a test injects one. */
  readonly random?: () => number;
}

/** How long to wait after `failures` earlier failures (0 = the first retry). Whole ms. */
export function backoffDelay(failures: number, o: BackoffOptions): number {
  const exp = Math.min(Math.max(Math.floor(failures), 0), 52);
  const full = Math.min(o.maxMs, o.baseMs * 2 ** exp);
  const jitter = Math.min(Math.max(o.jitter ?? 0, 0), 1);
  if (jitter === 0) return full;
  return Math.round(full * (1 - jitter * (o.random ?? Math.random)()));
}
