import { fileURLToPath } from 'node:url';

import { spawnWatched } from './watched-process.js';

/**
 * A standalone service (services/<name>/dist/main.js, on @lamina/service-kit) as a cluster runs
 * it, for the suites that kill one mid-run.
 *
 * Invariants: it starts on a port the OS chose (LAMINA_<NAME>_PORT=0) with warn-level logs and
 * `env` on top of the inherited environment, and resolves once it logged `lamina <name> running`;
 * `kill(signal)` resolves once it has exited (SIGKILL after 30 s if `signal` did not end it).
 */

/** The standalone services that run on @lamina/service-kit. */
export type ServiceName = 'dispatcher' | 'poller';

export interface ServiceProcess {
  readonly pid: number;
  /** Everything it wrote to stdout and stderr so far (the last 4 MiB). */
  logs(): string;
  /** Sends `signal` (SIGTERM: graceful drain; SIGKILL: a crash) and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Starts one and waits for its `lamina <name> running` line (20 s). */
export async function startService(
  name: ServiceName,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ServiceProcess> {
  const main = fileURLToPath(new URL(`../../../services/${name}/dist/main.js`, import.meta.url));
  const service = spawnWatched([main], {
    [`LAMINA_${name.toUpperCase()}_PORT`]: '0',
    LAMINA_LOG_LEVEL: 'warn',
    ...env,
  });
  try {
    await service.ready(new RegExp(`lamina ${name} running`), name, 20_000);
  } catch (err) {
    await service.kill('SIGKILL', 0);
    throw err;
  }
  return {
    pid: service.pid,
    logs: () => service.logs(),
    kill: (signal) => service.kill(signal, 30_000),
  };
}
