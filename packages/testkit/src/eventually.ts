/**
 * Polling for tests and benches: the one `eventually` of the repo.
 *
 * Invariants: `check` runs at least once, even with a zero timeout; a check that throws, returns
 * `undefined` or returns `false` means "not yet" and is retried until the deadline; the first
 * other value settles the promise. Without `intervalMs` the pause starts at 10 ms and grows by
 * half each time up to 250 ms: quick for a condition that holds within milliseconds (the unit
 * tests), gentle on the API server and a shared CI machine for one that takes seconds. On
 * timeout the error names what was awaited and carries the last error `check` threw (message
 * and `cause`), so a failing suite says why, not only that it waited.
 */

export interface EventuallyOptions {
  /** What is awaited, for the timeout message ("deployment hello-latest"). */
  readonly what?: string;
  /** Give up after this long (default 30 s). */
  readonly timeoutMs?: number;
  /** A fixed pause between checks (default: 10 ms, growing ×1.5 up to 250 ms). */
  readonly intervalMs?: number;
}

/** A value that settles `eventually`: anything but `undefined` and `false`. */
export type Settled<T> = Exclude<T, undefined | false>;

const FIRST_PAUSE_MS = 10;
const MAX_PAUSE_MS = 250;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const settled = <T>(value: T): value is Settled<T> => value !== undefined && value !== false;

/** Polls `check` until it returns a value other than `undefined`/`false` without throwing. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  options: EventuallyOptions = {},
): Promise<Settled<T>> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  let pauseMs = options.intervalMs ?? FIRST_PAUSE_MS;
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
    await sleep(Math.min(pauseMs, left));
    if (options.intervalMs === undefined) pauseMs = Math.min(MAX_PAUSE_MS, pauseMs * 1.5);
  }
}
