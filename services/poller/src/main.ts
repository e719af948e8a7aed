#!/usr/bin/env node
import { createServer } from 'node:http';

import { pino } from 'pino';
import { Registry } from 'prom-client';

import { ConfigError, loadConfig } from './config.js';
import { startPoller } from './start-poller.js';

/**
 * The standalone poller (a Deployment in a cluster, its own process in tests): config from
 * the environment, metrics and health on LAMINA_POLLER_PORT, SIGTERM drains.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = pino({ level: config.logLevel, base: { component: 'lamina-poller' } });
  const registry = new Registry();
  const poller = await startPoller({ config, logger, registry });
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
  process.stdout.write(`lamina poller running (metrics on http://${config.host}:${port})\n`);

  let signals = 0;
  const onSignal = (): void => {
    if (++signals > 1) process.exit(130);
    ready = false;
    void poller.stop().then((errors) => {
      for (const e of errors) logger.error({ err: e }, e.message);
      server.close();
      process.exit(errors.length === 0 ? 0 : 1);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((err: unknown) => {
  process.stderr.write(`lamina-poller: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
