#!/usr/bin/env node
import { pino } from 'pino';
import { handleSignalsEarly } from '@lamina/service-kit/signals';
import { ConfigError, loadConfig, runtimeBaseEnv } from './config.js';
import { startAgent } from './start-agent.js';

/**
 * The worker agent: the program of a cluster-mode worker pod (ADR 0014). Config from the pod's
 * environment (the operator's contract, ADR 0007), one execution environment, the agent
 * protocol on LAMINA_WORKER_PORT. SIGTERM: not ready, refuse new invocations, let the running
 * one finish, exit 0; a second SIGINT exits at once (a second SIGTERM does not: a platform
 * retrying a stop must not cut a running call); a signal before the agent listens exits at
 * once (handled from the first line: PID 1 ignores signals it has no handler for).
 */
async function main(): Promise<void> {
  // First of all: the agent is PID 1 in its container, and the kernel ignores a signal PID 1 has
  // no handler for. A pod deleted while its agent starts (a ReplicaSet's surplus, a scale-down
  // right after a scale-up) would otherwise wait its whole grace period (910 s for a pool pod).
  // Nothing runs before the agent listens, so such a stop exits at once.
  const signals = handleSignalsEarly({ name: 'lamina-worker-agent' });
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`lamina-worker-agent: ${err.message}\n`);
    process.exit(1);
  }
  const logger = pino({
    level: config.logLevel,
    base: {
      component: 'lamina-worker-agent',
      fn: config.functionName,
      namespace: config.namespace,
      version: config.version,
    },
  });
  logger.debug({}, 'starting');
  const running = await startAgent({ config, logger, baseEnv: runtimeBaseEnv(process.env) });
  signals.started((signal) => {
    logger.info({ signal }, 'draining');
    running.stop(config.drainLingerMs).then(
      () => {
        logger.info({}, 'stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  });
}

main().catch((err: unknown) => {
  process.stderr.write(
    `lamina-worker-agent: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
