#!/usr/bin/env node
import { pino } from 'pino';
import { ConfigError, loadConfig, runtimeBaseEnv } from './config.js';
import { startAgent } from './start-agent.js';

/**
 * The worker agent: the program of a cluster-mode worker pod (ADR 0014). Config from the pod's
 * environment (the operator's contract, ADR 0007), one execution environment, the agent
 * protocol on LAMINA_WORKER_PORT. SIGTERM: not ready, refuse new invocations, let the running
 * one finish, exit 0; a second signal exits at once.
 */
async function main(): Promise<void> {
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
  const running = await startAgent({ config, logger, baseEnv: runtimeBaseEnv(process.env) });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
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
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `lamina-worker-agent: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
