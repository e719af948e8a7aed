#!/usr/bin/env node
import { runMain, runService } from '@lamina/service-kit';

import { ConfigError, loadConfig } from './config.js';
import { startDispatcher } from './start-dispatcher.js';

/**
 * The standalone dispatcher (a Deployment in a cluster, its own process in tests): config from the
 * environment, metrics and health on LAMINA_DISPATCHER_PORT, SIGTERM drains.
 */
runMain('dispatcher', () =>
  runService({
    name: 'dispatcher',
    env: process.env,
    loadConfig,
    isConfigError: (err) => err instanceof ConfigError,
    start: startDispatcher,
  }),
);
