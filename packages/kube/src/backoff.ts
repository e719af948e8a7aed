/** Per-key exponential backoff: base · 2^failures, capped; like client-go's item limiter. */
export class ExponentialBackoff {
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {
    if (baseMs <= 0 || maxMs < baseMs) throw new Error('backoff needs 0 < base <= max');
  }

  /** Records one more failure of `key` and returns how long to wait before the next try. */
  next(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min(this.maxMs, this.baseMs * 2 ** Math.min(n, 52));
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Forgets the failures of `key` (after a success). */
  reset(key: string): void {
    this.failures.delete(key);
  }
}
