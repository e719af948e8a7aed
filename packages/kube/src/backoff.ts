/**
 * Per-key failure counting for the informer restarts and the work queue, like client-go's item
 * rate limiter; the delay itself is core's one `backoffDelay` (with jitter, so informers and
 * keys that failed together — an API server restart — do not come back in lockstep).
 * Invariant: a key's delays grow from `baseMs` to `maxMs` until `reset(key)`.
 */
import { backoffDelay, type BackoffOptions } from '@lamina/core';

/** Jitter and random source of a backoff (see BackoffOptions). */
export type BackoffJitter = Pick<BackoffOptions, 'jitter' | 'random'>;

/** Equal jitter: half of each delay is random. */
export const DEFAULT_BACKOFF_JITTER = 0.5;

export class ExponentialBackoff {
  private readonly failures = new Map<string, number>();
  private readonly options: BackoffOptions;

  constructor(baseMs: number, maxMs: number, jitter: BackoffJitter = {}) {
    if (baseMs <= 0 || maxMs < baseMs) throw new Error('backoff needs 0 < base <= max');
    this.options = {
      baseMs,
      maxMs,
      jitter: jitter.jitter ?? DEFAULT_BACKOFF_JITTER,
      ...(jitter.random === undefined ? {} : { random: jitter.random }),
    };
  }

  /** Records one more failure of `key` and returns how long to wait before the next try. */
  next(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return backoffDelay(n, this.options);
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Forgets the failures of `key` (after a success). */
  reset(key: string): void {
    this.failures.delete(key);
  }
}
