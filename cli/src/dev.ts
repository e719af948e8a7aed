import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

import { asyncKeys, esmKeys, LATEST, Lifecycle } from '@lamina/core';
import { loadConfig as loadDispatcherConfig, startDispatcher } from '@lamina/dispatcher';
import {
  applyRequestLimits,
  createApp,
  CodeCollector,
  CodeSnapshots,
  createMetrics,
  DiskCodeStore,
  FileFunctionStore,
  FileVersionStore,
  type GatewayConfig,
  RedisAdmission,
  RedisAsyncStore,
  RedisMappingStore,
  storeReferences,
} from '@lamina/gateway';
import { loadConfig as loadPollerConfig, loadMappingManifests, startPoller } from '@lamina/poller';
import { Queue } from 'bullmq';
import { ProcessPool } from '@lamina/worker';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';

import { FunctionLogs } from './function-logs.js';
import { startPrivateRedis } from './private-redis.js';
import type { LocalRuntimes } from './runtimes.js';

export interface DevOptions {
  readonly config: GatewayConfig;
  /** Folder of Function manifests, or none. */
  readonly functionsDir: string | undefined;
  readonly runtimes: LocalRuntimes;
  readonly logger: Logger;
  /** Echo function logs to the terminal. */
  readonly echoLogs: boolean;
  readonly write: (text: string) => void;
  /**
   * The environment async settings come from (LAMINA_REDIS_PREFIX, LAMINA_ASYNC_*,
   * LAMINA_DISPATCHER_*, KAFKA_BROKERS).
   */
  readonly asyncEnv: Readonly<Record<string, string | undefined>>;
  /** Run a dispatcher in this process (false: a separate one serves the queue). */
  readonly runDispatcher: boolean;
  /** Run a Kafka poller in this process (false: a separate one serves the mappings). */
  readonly runPoller: boolean;
}

export interface DevHandle {
  readonly url: string;
  stop(): Promise<Error[]>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

/**
 * Local mode: the gateway, the process pool of execution environments and the definition
 * store in one process. Components stop in reverse order on SIGTERM/SIGINT.
 */
export async function startDev(o: DevOptions): Promise<DevHandle> {
  const { config, logger } = o;
  const lifecycle = new Lifecycle();
  let ready = false;
  try {
    let redisUrl = config.redisUrl;
    if (redisUrl === undefined) {
      const redis = await startPrivateRedis(join(config.stateDir, 'redis'));
      lifecycle.add({ name: 'private redis-server', stop: () => redis.stop() });
      redisUrl = redis.url;
      logger.info({ redisUrl }, 'started a private redis-server');
    }
    const redis = new Redis(redisUrl, {
      enableAutoPipelining: true,
      maxRetriesPerRequest: 2,
      lazyConnect: true,
    });
    await redis.connect();
    lifecycle.add({
      name: 'redis',
      stop: async () => {
        await redis.quit();
      },
    });

    const admission = new RedisAdmission({
      redis,
      accountConcurrency: config.accountConcurrency,
      minUnreservedConcurrency: config.minUnreservedConcurrency,
      leaseGraceMs: config.leaseGraceMs,
    });
    // Releases are batched with the next acquire: flush them before Redis goes away.
    lifecycle.add({ name: 'admission', stop: () => admission.close() });
    const code = new DiskCodeStore({ root: join(config.stateDir, 'code') });
    const functions = new FileFunctionStore({
      ...(o.functionsDir === undefined ? {} : { manifestsDir: o.functionsDir }),
      stateDir: config.stateDir,
      codeStore: code,
      supportedRuntimes: o.runtimes.ids,
      arnContext: { region: config.region, accountId: config.accountId },
      logger,
    });
    await functions.start();
    lifecycle.add({ name: 'function store', stop: () => functions.close() });
    // Published versions and aliases, next to the function records; versions run frozen code.
    const versions = new FileVersionStore({
      stateDir: config.stateDir,
      arnContext: { region: config.region, accountId: config.accountId },
      logger,
    });
    await versions.start();
    lifecycle.add({ name: 'version store', stop: () => versions.close() });
    const codeFreezer = new CodeSnapshots({
      root: join(config.stateDir, 'code-snapshots'),
      immutableRoots: [join(config.stateDir, 'code')],
    });
    // Packages and snapshots no function or version references any more are reclaimed.
    const collector = new CodeCollector({
      references: storeReferences(functions, versions),
      stores: [code, codeFreezer],
      watch: [functions, versions],
      graceMs: config.codeGcGraceMs,
      intervalMs: config.codeGcIntervalMs,
      logger,
    });
    collector.start();
    lifecycle.add({ name: 'code collector', stop: () => collector.stop() });

    const logs = new FunctionLogs({
      dir: join(config.stateDir, 'logs'),
      write: o.write,
      echo: o.echoLogs,
    });
    const pool = new ProcessPool({ logger, runtimes: o.runtimes.commands, onLog: logs.line });
    lifecycle.add({ name: 'function logs', stop: () => logs.flush() });
    lifecycle.add({ name: 'process pool', stop: () => pool.close() });

    // Reservations declared in manifests (or changed by another process) reach Redis, where
    // every gateway's admission reads them; environments of changed functions are dropped.
    const sync = async (name: string): Promise<void> => {
      const record = functions.get(name);
      // A changed function restarts $LATEST's environments; published versions are immutable
      // and keep theirs. A deleted one loses them all.
      await pool.evict(name, record === undefined ? undefined : LATEST);
      if (record === undefined) return;
      if (record.source === 'manifest')
        await admission.setReserved(name, record.spec.reservedConcurrency);
    };
    const unsubscribe = functions.onChange((name) => {
      sync(name).catch((err: unknown) => {
        logger.warn({ err, function: name }, 'could not apply the reservation');
      });
    });
    lifecycle.add({ name: 'store subscription', stop: unsubscribe });
    for (const record of functions.list()) {
      if (record.source === 'manifest') {
        await admission
          .setReserved(record.spec.name, record.spec.reservedConcurrency)
          .catch((err: unknown) => {
            logger.warn({ err, function: record.spec.name }, 'could not apply the reservation');
          });
      }
    }

    // Async invocation: the gateway queues events durably (BullMQ on its own connection).
    // The dispatcher's settings are read now so a bad one stops startup; the gateway URL is
    // filled in once the server listens.
    const asyncConfig = loadDispatcherConfig({
      ...o.asyncEnv,
      REDIS_URL: redisUrl,
      LAMINA_REGION: config.region,
      LAMINA_ACCOUNT_ID: config.accountId,
    });
    const keys = asyncKeys(asyncConfig.redisPrefix);
    const queueRedis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
    lifecycle.add({
      name: 'async queue redis',
      stop: () => queueRedis.quit().then(() => undefined),
    });
    const queue = new Queue(keys.queueName, { connection: queueRedis, prefix: keys.bullPrefix });
    lifecycle.add({ name: 'async queue', stop: () => queue.close() });
    const asyncStore = new RedisAsyncStore({ queue, redis, keys });
    // Kafka event source mappings: in Redis (API and pollers share them); EventSourceMapping
    // documents of the functions folder are put there at startup.
    const pollerConfig = loadPollerConfig({
      ...o.asyncEnv,
      REDIS_URL: redisUrl,
      LAMINA_REGION: config.region,
      LAMINA_ACCOUNT_ID: config.accountId,
    });
    const mappings = new RedisMappingStore(redis, esmKeys(pollerConfig.redisPrefix));
    if (o.functionsDir !== undefined) {
      for (const m of await loadMappingManifests(o.functionsDir, Date.now())) {
        const stored = await mappings.get(m.uuid);
        const same =
          stored !== undefined &&
          JSON.stringify({ ...stored.mapping, lastModified: 0 }) ===
            JSON.stringify({ ...m, lastModified: 0 });
        if (!same) await mappings.put(m);
      }
    }

    const registry = new Registry();
    const app = createApp({
      config,
      functions,
      versions,
      codeFreezer,
      code,
      codeUsage: collector,
      pool,
      admission,
      metrics: createMetrics(registry),
      registry,
      logger,
      runtimes: o.runtimes.ids,
      ready: () => ready,
      async: asyncStore,
      mappings,
    });
    const server = createServer(app);
    server.keepAliveTimeout = 65_000;
    applyRequestLimits(server, config.requestLimits, registry);
    const port = await listen(server, config.port, config.host);
    lifecycle.add({
      name: 'http server',
      stop: () =>
        new Promise<void>((resolve) => {
          ready = false;
          server.close(() => {
            resolve();
          });
          server.closeIdleConnections();
        }),
    });
    const url = `http://${config.host}:${port}`;
    if (o.runDispatcher) {
      // Events run through this gateway's own Invoke API, like every other invoke.
      const dispatcher = await startDispatcher({
        config: { ...asyncConfig, gatewayUrl: url },
        logger: logger.child({ component: 'dispatcher' }),
        registry,
      });
      // Stopped first: running events finish against the still-open gateway.
      lifecycle.add({
        name: 'dispatcher',
        stop: async () => {
          const errors = await dispatcher.stop();
          if (errors.length > 0) throw new AggregateError(errors, 'dispatcher stop failed');
        },
      });
    }
    if (o.runPoller) {
      const poller = await startPoller({
        config: { ...pollerConfig, gatewayUrl: url },
        logger: logger.child({ component: 'poller' }),
        registry,
      });
      // Stopped first: batches in flight are dropped uncommitted while the gateway is still up.
      lifecycle.add({
        name: 'poller',
        stop: async () => {
          const errors = await poller.stop();
          if (errors.length > 0) throw new AggregateError(errors, 'poller stop failed');
        },
      });
    }
    ready = true;
    return { url, stop: () => lifecycle.stop() };
  } catch (err) {
    await lifecycle.stop();
    throw err;
  }
}
