/**
 * Polling for tests and benches: the one `eventually` (there were five).
 *
 * Invariants: `check` runs at least once, even with a zero timeout; a check that throws, returns
 * `undefined` or returns `false` means "not yet" and is retried every `intervalMs` until the
 * deadline; the first other value settles the promise. On timeout the error names what was
 * awaited and carries the last error `check` threw (message and `cause`), so a failing suite
 * says why, not only that it waited.
 */

export interface EventuallyOptions {
  /** What is awaited, for the timeout message ("deployment hello-latest"). */
  readonly what?: string;
  /** Give up after this long (default 30 s). */
  readonly timeoutMs?: number;
  /** Pause between checks (default 100 ms). */
  readonly intervalMs?: number;
}

/** A value that settles `eventually`: anything but `undefined` and `false`. */
export type Settled<T> = Exclude<T, undefined | false>;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const settled = <T>(value: T): value is Settled<T> => value !== undefined && value !== false;

/** Polls `check` until it returns a value other than `undefined`/`false` without throwing. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  options: EventuallyOptions = {},
): Promise<Settled<T>> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let failed = false;
  for (;;) {
    try {
      const value = await check();
      if (settled(value)) return value;
      failed = false;
    } catch (err) {
      lastError = err;
      failed = true;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      const what = options.what ?? 'the condition';
      const why = failed
        ? `; last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`
        : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`, {
        ...(failed ? { cause: lastError } : {}),
      });
    }
    await sleep(Math.min(intervalMs, left));
  }
}
