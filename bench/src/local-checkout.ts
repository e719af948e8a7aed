import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { LaminaProcess, StartLaminaOptions } from '@lamina/testkit';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `lamina dev` of a built checkout (this one, or another given by `--before`) with bench's no-op
 * function and its own private Redis, started through that checkout's own testkit.
 */
export async function startCheckout(checkout: string): Promise<LaminaProcess> {
  const testkit = pathToFileURL(join(checkout, 'packages/testkit/dist/index.js')).href;
  const { startLamina } = (await import(testkit)) as {
    startLamina: (o: StartLaminaOptions) => Promise<LaminaProcess>;
  };
  // No REDIS_URL: lamina dev starts its own private Redis.
  return startLamina({
    functionsDir: join(root, 'bench/functions'),
    env: { REDIS_URL: undefined },
    readyTimeoutMs: 60_000,
    stopTimeoutMs: 10_000,
  });
}

/** The Invoke URL of bench's no-op function on a running local mode. */
export const noopInvokeUrl = (lamina: LaminaProcess): string =>
  `${lamina.url}/2015-03-31/functions/noop/invocations`;
