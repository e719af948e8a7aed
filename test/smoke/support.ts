import { randomBytes } from 'node:crypto';

/**
 * Reads an endpoint that test/global-setup.ts put into the environment (from test/env/out/env.sh
 * or from testcontainers). A missing one fails the suite loudly: a smoke test that silently
 * skipped would prove nothing.
 */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(
      `${name} is not set: run test/env/up first (it writes test/env/out/env.sh), ` +
        'or set LAMINA_TEST_SERVICES=testcontainers',
    );
  }
  return value;
}

/** A name no other test run uses: lower-case, DNS-label safe, `prefix-<12 hex>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** Polls `check` every `intervalMs` until it returns a value other than undefined. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
