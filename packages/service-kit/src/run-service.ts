import { createServer } from 'node:http';

import { type Logger, pino } from 'pino';
import { Registry } from 'prom-client';

import { handleSignalsEarly } from './signals.js';
import { createTracing, type Tracing } from './tracing.js';

/** What a standalone service's start function returns. */
export interface RunningService {
  /** Drains and stops; resolves with the errors met on the way. */
  stop(): Promise<Error[]>;
}

/** The configuration fields every standalone service has. */
export interface ServiceConfigBase {
  readonly logLevel: string;
  readonly host: string;
  readonly port: number;
}

export interface RunServiceOptions<C extends ServiceConfigBase> {
  /** `dispatcher`, `poller` …: names the logger component and the messages. */
  readonly name: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Throws an error whose message lists every problem when the environment is invalid. */
  readonly loadConfig: (env: Readonly<Record<string, string | undefined>>) => C;
  readonly isConfigError: (err: unknown) => boolean;
  readonly start: (deps: {
    config: C;
    logger: Logger;
    registry: Registry;
    /** OpenTelemetry spans when the OTEL_* variables ask for them (off by default). */
    tracing: Tracing;
  }) => Promise<RunningService>;
}

/**
 * The composition root of a standalone service (a Deployment in a cluster, its own process in
 * tests): config from the environment (invalid → every issue printed, exit 1), one pino logger
 * and one prom-client Registry, `/metrics` and `/healthz` on the configured port, and SIGTERM /
 * SIGINT: fail health, drain, exit; a second SIGINT forces exit (a repeated SIGTERM does not). The signals are handled from the
 * first line (signals.ts): one that comes while the service starts exits at once.
 */
export async function runService<C extends ServiceConfigBase>(
  o: RunServiceOptions<C>,
): Promise<void> {
  const signals = handleSignalsEarly({ name: `lamina-${o.name}` });
  let config: C;
  try {
    config = o.loadConfig(o.env);
  } catch (err) {
    if (!o.isConfigError(err)) throw err;
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  const logger = pino({ level: config.logLevel, base: { component: `lamina-${o.name}` } });
  const registry = new Registry();
  const tracing = await createTracing(o.env, `lamina-${o.name}`);
  const service = await o.start({ config, logger, registry, tracing });
  let ready = true;
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          logger.error({ err }, 'metrics failed');
          res.writeHead(500);
          res.end();
        },
      );
    } else if (req.url === '/healthz') {
      res.writeHead(ready ? 200 : 503);
      res.end(ready ? 'ok' : 'draining');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : config.port;
  process.stdout.write(`lamina ${o.name} running (metrics on http://${config.host}:${port})\n`);

  signals.started(() => {
    ready = false;
    void service.stop().then(async (errors) => {
      await tracing.shutdown().catch((err: unknown) => {
        logger.warn({ err }, 'exporting the last spans failed');
      });
      for (const e of errors) logger.error({ err: e }, e.message);
      server.close();
      process.exit(errors.length === 0 ? 0 : 1);
    });
  });
}

/** Runs a service's main, turning a failure into one line on stderr and exit 1. */
export function runMain(name: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`lamina-${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
