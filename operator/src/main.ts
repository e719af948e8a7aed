#!/usr/bin/env node
import { AppsV1Api, CoordinationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { esmKeys, Lifecycle, scheduleKeys } from '@lamina/core';
import { type ReconcileResult, WorkQueue } from '@lamina/kube';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';

import { startAutoscaler } from './autoscaler/start-autoscaler.js';
import { ConfigError, loadConfig, type OperatorConfig } from './config.js';
import { Controller } from './controller.js';
import { FunctionReconciler } from './function-reconciler.js';
import { createHttpServer } from './http-server.js';
import { KubeClusterWriter } from './kube/cluster-writer.js';
import { KubeEventRecorder } from './kube/event-recorder.js';
import { makeInformers } from './kube/informers.js';
import { KubeLeaseStore } from './leader/kube-lease-store.js';
import { LeaderElector } from './leader/leader-elector.js';
import { MappingMirror } from './mappings/mapping-mirror.js';
import { ScheduleMirror } from './schedules/schedule-mirror.js';
import { createMetrics } from './metrics.js';
import { VersionReconciler } from './version-reconciler.js';
import { WarmPools } from './warm-pool/warm-pools.js';

/** The composition root: the only place that reads the environment and calls `new` on I/O. */
async function main(): Promise<void> {
  let config: OperatorConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = pino({ level: config.logLevel, base: { component: 'operator' } });
  const kc = new KubeConfig();
  if (config.kubeconfig === undefined) kc.loadFromDefault();
  else kc.loadFromFile(config.kubeconfig);

  const registry = new Registry();
  const metrics = createMetrics(registry);
  const lifecycle = new Lifecycle();

  const http = createHttpServer({
    port: config.httpPort,
    registry,
    ready: () => !lifecycle.isStopping,
  });
  await new Promise<void>((resolve) => http.listen(config.httpPort, resolve));
  lifecycle.add({
    name: 'http',
    stop: () =>
      new Promise<void>((resolve) => {
        http.close(() => {
          resolve();
        });
      }),
  });

  const startController = async (): Promise<void> => {
    const informers = makeInformers(
      kc,
      config.watchNamespace,
      logger.child({ part: 'informer' }),
      (informer) => {
        metrics.informerRestarts.inc({ informer });
      },
    );
    const shared = {
      ...informers,
      writer: new KubeClusterWriter(kc),
      events: new KubeEventRecorder({
        core: kc.makeApiClient(CoreV1Api),
        component: 'lamina-operator',
        instance: config.lease.identity,
        logger,
      }),
      worker: config.worker,
      logger: logger.child({ part: 'reconciler' }),
    };
    const functions = new FunctionReconciler({ ...shared, hooks: [] });
    const versions = new VersionReconciler(shared);
    const queueFor = (
      kind: string,
      reconcile: (key: string) => Promise<ReconcileResult>,
    ): WorkQueue => {
      const queue: WorkQueue = new WorkQueue({
        name: kind,
        concurrency: config.reconcileConcurrency,
        logger: logger.child({ part: 'queue', kind }),
        handler: async (key) => {
          const end = metrics.reconcileSeconds.startTimer({ kind });
          try {
            return await reconcile(key);
          } finally {
            end();
          }
        },
        onResult: (_key, result) => {
          metrics.reconciles.inc({ kind, result });
          metrics.queueDepth.set({ kind }, queue.depth);
        },
      });
      return queue;
    };
    const controller = new Controller({
      ...informers,
      queue: queueFor('Function', (k) => functions.reconcile(k)),
      versionQueue: queueFor('FunctionVersion', (k) => versions.reconcile(k)),
      logger,
    });
    if (lifecycle.isStopping) return;
    lifecycle.add(controller);
    let mirror: MappingMirror | undefined;
    let scheduleMirror: ScheduleMirror | undefined;
    if (config.mappings !== undefined) {
      const redis = new Redis(config.mappings.redisUrl, { maxRetriesPerRequest: 2 });
      redis.on('error', (err: unknown) => {
        logger.warn({ err }, 'mapping mirror: Redis connection error');
      });
      // quit() waits for a reconnect that may never come: an unreachable Redis must not hold
      // the shutdown past its deadline (the mirror rewrites everything on its next start).
      lifecycle.add({
        name: 'mapping redis',
        stop: async () => {
          if (redis.status === 'ready') await redis.quit();
          else redis.disconnect();
        },
      });
      mirror = lifecycle.add(
        new MappingMirror({
          informer: informers.mappings,
          redis,
          keys: esmKeys(config.mappings.redisPrefix),
          writer: shared.writer,
          intervalMs: config.mappings.syncIntervalMs,
          logger: logger.child({ part: 'mappings' }),
        }),
      );
      scheduleMirror = lifecycle.add(
        new ScheduleMirror({
          informer: informers.schedules,
          redis,
          keys: scheduleKeys(config.mappings.redisPrefix),
          writer: shared.writer,
          arnContext: { region: config.mappings.region, accountId: config.mappings.accountId },
          intervalMs: config.mappings.syncIntervalMs,
          logger: logger.child({ part: 'schedules' }),
        }),
      );
    }
    await controller.start();
    await mirror?.start();
    // ADR 0019: generic pods per runtime, leader only, after the caches synced.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a shutdown may begin during the awaits above
    if (config.warmPool.size > 0 && !lifecycle.isStopping) {
      const pools = lifecycle.add(
        new WarmPools({
          functions: informers.functions,
          deployments: informers.deployments,
          writer: shared.writer,
          pool: config.warmPool,
          worker: config.worker,
          logger: logger.child({ part: 'warm-pools' }),
        }),
      );
      pools.start();
    }
    await scheduleMirror?.start();
    // ADR 0017: leader only, after the caches synced; off until the gateways report demand.
    const scaling = config.autoscaler;
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a shutdown may begin during the await above
    if (scaling.enabled && scaling.redisUrl !== undefined && !lifecycle.isStopping) {
      lifecycle.add(
        startAutoscaler({
          config: { ...scaling, redisUrl: scaling.redisUrl },
          informers,
          apps: kc.makeApiClient(AppsV1Api),
          events: shared.events,
          registry,
          logger: logger.child({ part: 'autoscaler' }),
        }),
      );
    }
  };

  const elector = new LeaderElector({
    store: new KubeLeaseStore(
      kc.makeApiClient(CoordinationV1Api),
      config.lease.namespace,
      config.lease.name,
    ),
    identity: config.lease.identity,
    leaseDurationMs: config.lease.durationSeconds * 1000,
    renewDeadlineMs: config.lease.renewDeadlineSeconds * 1000,
    retryPeriodMs: config.lease.retryPeriodSeconds * 1000,
    logger: logger.child({ part: 'leader-election' }),
    onStartedLeading: async () => {
      metrics.leader.set(1);
      await startController();
    },
    onStoppedLeading: () => {
      // Another replica may already act: stop at once rather than race it.
      metrics.leader.set(0);
      logger.error('leadership lost; exiting so a fresh process can campaign again');
      void shutdown(1);
    },
  });
  lifecycle.add({ name: 'leader-election', stop: () => elector.stop() });
  logger.info(
    { identity: config.lease.identity, namespace: config.watchNamespace ?? '*' },
    'operator started; campaigning',
  );

  let exiting = false;
  const shutdown = async (code: number): Promise<void> => {
    if (exiting) {
      process.exit(code === 0 ? 1 : code);
    }
    exiting = true;
    const deadline = setTimeout(() => {
      logger.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    const errors = await lifecycle.stop();
    for (const err of errors) logger.error({ err }, 'shutdown error');
    logger.info('operator stopped');
    process.exit(errors.length > 0 ? 1 : code);
  };
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));

  elector.run().catch((err: unknown) => {
    logger.error({ err }, 'leader election failed');
    void shutdown(1);
  });
}

void main();
