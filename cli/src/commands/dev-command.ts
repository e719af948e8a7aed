/**
 * `lamina dev`: runs local mode in this process (the composition is `dev.ts`'s) until SIGINT or
 * SIGTERM, under the services' signal rule (service-kit `handleSignalsEarly`: a second Ctrl-C
 * exits at once, a repeated SIGTERM is ignored while it drains); a stop that takes longer than
 * `STOP_DEADLINE_MS` exits anyway (1). Prints `lamina dev listening on URL` once it listens —
 * scripts and the test kit wait for that line — and `lamina dev stopping (SIGNAL)` when a stop
 * begins. Local mode's modules (gateway, dispatcher, poller, worker) load only when `dev` runs,
 * so every other command starts fast.
 */
import { resolve } from 'node:path';

import type { Command } from 'commander';

import type { CliContext } from '../context.js';

/** How long a signalled `lamina dev` may take to stop before it exits anyway. */
const STOP_DEADLINE_MS = 30_000;

export const DEV_ENVIRONMENT_HELP = `
Environment: LAMINA_PORT (9000), LAMINA_HOST (127.0.0.1), REDIS_URL (else a private
redis-server), LAMINA_STATE_DIR (.lamina), LAMINA_FUNCTIONS_DIR, LAMINA_NODEJS{20,22,24}_BIN,
LAMINA_WARM_POOL_SIZE (1 pre-warmed Node.js runtime per runtime; 0 off), LAMINA_LOG_LEVEL,
LAMINA_DEV_DISPATCHER (true; false runs no dispatcher in-process; http: its attempts over
HTTP, not in process), LAMINA_ASYNC_RETRY_DELAYS_MS,
LAMINA_DEV_POLLER (true; false runs no Kafka poller in-process), LAMINA_POLLER_*,
LAMINA_CREDENTIALS_FILE (<state>/credentials.json: credentials per execution role ARN),
LAMINA_S3_ENDPOINT and LAMINA_S3_* (where Code.S3Bucket/S3Key zips are read from),
LAMINA_SANDBOX (on; off runs environments as plain processes, without bubblewrap); see README.`;

export function registerDevCommand(program: Command, ctx: CliContext): void {
  program
    .command('dev')
    .description(
      'Run local mode: the gateway, execution environments, dispatcher and poller in one process.',
    )
    .option('--functions <dir>', 'a folder of Function manifests to serve (LAMINA_FUNCTIONS_DIR)')
    .option('--port <n>', 'gateway port; 0 picks a free one (LAMINA_PORT, default 9000)')
    .addHelpText('after', DEV_ENVIRONMENT_HELP)
    .action(async (opts: { functions?: string; port?: string }) => {
      const [{ loadConfig }, { pino }, { startDev }, { localRuntimes }, { handleSignalsEarly }] =
        await Promise.all([
          import('@lamina/gateway'),
          import('pino'),
          import('../dev.js'),
          import('../runtimes.js'),
          import('@lamina/service-kit/signals'),
        ]);
      const env: Record<string, string | undefined> = { ...ctx.io.env };
      if (opts.port !== undefined) env['LAMINA_PORT'] = opts.port;
      const config = loadConfig(env);
      const functionsFlag = opts.functions ?? env['LAMINA_FUNCTIONS_DIR'];
      const logger = pino({ level: config.logLevel, base: { component: 'lamina-dev' } });
      const dev = await startDev({
        config,
        functionsDir: functionsFlag === undefined ? undefined : resolve(ctx.io.cwd, functionsFlag),
        runtimes: localRuntimes(env, ctx.io.execPath),
        logger,
        echoLogs: env['LAMINA_FUNCTION_LOGS_ECHO'] !== 'false',
        write: (text) => ctx.io.stdout.write(text),
        asyncEnv: env,
        runDispatcher: env['LAMINA_DEV_DISPATCHER'] !== 'false',
        dispatcherOverHttp: env['LAMINA_DEV_DISPATCHER'] === 'http',
        runPoller: env['LAMINA_DEV_POLLER'] !== 'false',
        sandbox: env['LAMINA_SANDBOX'] !== 'off',
        ...(env['LAMINA_CREDENTIALS_FILE'] === undefined
          ? {}
          : { credentialsFile: resolve(ctx.io.cwd, env['LAMINA_CREDENTIALS_FILE']) }),
      });
      ctx.io.stdout.write(`lamina dev listening on ${dev.url}\n`);
      await new Promise<void>((done) => {
        handleSignalsEarly({ name: 'lamina dev' }).started((signal) => {
          ctx.io.stdout.write(`lamina dev stopping (${signal})\n`);
          // A stop that hangs (a component waiting on something gone) still ends the process.
          setTimeout(() => {
            logger.error({ deadlineMs: STOP_DEADLINE_MS }, 'lamina dev did not stop in time');
            process.exit(1);
          }, STOP_DEADLINE_MS).unref();
          void dev.stop().then((errors) => {
            for (const e of errors) logger.error({ err: e }, e.message);
            done();
          });
        });
      });
    });
}
