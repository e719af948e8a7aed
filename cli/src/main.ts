#!/usr/bin/env node
import { resolve } from 'node:path';

import { loadConfig } from '@lamina/gateway';
import { pino } from 'pino';

import { flag, parseArgs } from './args.js';
import { startDev } from './dev.js';
import { invokeFunction } from './invoke-command.js';
import { printLogs } from './logs-command.js';
import { readQueue } from './queue-command.js';
import { localRuntimes } from './runtimes.js';

const USAGE = `lamina — AWS-Lambda-compatible functions on your own cluster

  lamina dev [--functions DIR] [--port N]     run local mode (gateway + environments)
  lamina invoke FUNCTION [--payload JSON] [--qualifier Q] [--tail] [--endpoint URL]
  lamina logs FUNCTION [--follow]             print a function's log (local mode)
  lamina queue read NAME [--max N] [--peek] [--endpoint URL]
                                              take messages of a named queue (lamina:queue:NAME)

Environment: LAMINA_PORT (9000), REDIS_URL (else a private redis-server), LAMINA_STATE_DIR
(.lamina), LAMINA_FUNCTIONS_DIR, LAMINA_NODEJS{20,22,24}_BIN, LAMINA_WARM_POOL_SIZE (1 pre-warmed
Node.js runtime per runtime; 0 off), LAMINA_LOG_LEVEL,
LAMINA_DEV_DISPATCHER (true; false runs no dispatcher in-process), LAMINA_ASYNC_RETRY_DELAYS_MS,
LAMINA_DEV_POLLER (true; false runs no Kafka poller in-process), LAMINA_POLLER_*,
LAMINA_CREDENTIALS_FILE (<state>/credentials.json: credentials per execution role ARN); see README.`;

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, new Set(['tail', 'follow', 'help', 'peek']));
  const env: Record<string, string | undefined> = { ...process.env };
  const port = flag(args, 'port');
  if (port !== undefined) env['LAMINA_PORT'] = port;
  const config = loadConfig(env);
  switch (args.command) {
    case 'dev': {
      const functionsFlag = flag(args, 'functions') ?? env['LAMINA_FUNCTIONS_DIR'];
      const logger = pino({ level: config.logLevel, base: { component: 'lamina-dev' } });
      const dev = await startDev({
        config,
        functionsDir: functionsFlag === undefined ? undefined : resolve(functionsFlag),
        runtimes: localRuntimes(env, process.execPath),
        logger,
        echoLogs: env['LAMINA_FUNCTION_LOGS_ECHO'] !== 'false',
        write: (text) => process.stdout.write(text),
        asyncEnv: env,
        runDispatcher: env['LAMINA_DEV_DISPATCHER'] !== 'false',
        runPoller: env['LAMINA_DEV_POLLER'] !== 'false',
        ...(env['LAMINA_CREDENTIALS_FILE'] === undefined
          ? {}
          : { credentialsFile: resolve(env['LAMINA_CREDENTIALS_FILE']) }),
      });
      process.stdout.write(`lamina dev listening on ${dev.url}\n`);
      await new Promise<void>((done) => {
        let signals = 0;
        const onSignal = (): void => {
          if (++signals > 1) process.exit(130); // a second signal forces exit
          void dev.stop().then((errors) => {
            for (const e of errors) logger.error({ err: e }, e.message);
            done();
          });
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      return 0;
    }
    case 'invoke': {
      const name = args.positional[0];
      if (name === undefined) throw new Error('usage: lamina invoke FUNCTION [--payload JSON]');
      const qualifier = flag(args, 'qualifier');
      const out = await invokeFunction({
        endpoint: flag(args, 'endpoint') ?? `http://127.0.0.1:${config.port}`,
        functionName: name,
        payload: flag(args, 'payload') ?? '{}',
        tail: args.flags.get('tail') === true,
        ...(qualifier === undefined ? {} : { qualifier }),
      });
      if (out.log !== undefined) process.stderr.write(out.log);
      process.stdout.write(`${out.body}\n`);
      return out.status >= 300 || out.functionError !== undefined ? 1 : 0;
    }
    case 'logs': {
      const name = args.positional[0];
      if (name === undefined) throw new Error('usage: lamina logs FUNCTION [--follow]');
      await printLogs(
        resolve(config.stateDir, 'logs'),
        name,
        args.flags.get('follow') === true,
        process.stdout,
      );
      return 0;
    }
    case 'queue': {
      const name = args.positional[1];
      if (args.positional[0] !== 'read' || name === undefined)
        throw new Error('usage: lamina queue read NAME [--max N] [--peek]');
      const messages = await readQueue({
        endpoint: flag(args, 'endpoint') ?? `http://127.0.0.1:${config.port}`,
        name,
        max: Number(flag(args, 'max') ?? '10'),
        peek: args.flags.get('peek') === true,
      });
      for (const m of messages) process.stdout.write(`${JSON.stringify(m)}\n`);
      return 0;
    }
    case undefined:
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      process.stderr.write(`unknown command ${args.command}\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`lamina: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
