#!/usr/bin/env node
import { runMain, runService } from '@lamina/service-kit';

import { ConfigError, loadConfig } from './config.js';
import { startPoller } from './start-poller.js';

/**
 * The standalone poller (a Deployment in a cluster, its own process in tests): config from the
 * environment, metrics and health on LAMINA_POLLER_PORT, SIGTERM drains.
 */
runMain('poller', () =>
  runService({
    name: 'poller',
    env: process.env,
    loadConfig,
    isConfigError: (err) => err instanceof ConfigError,
    start: startPoller,
  }),
);
