import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { KubeConfig } from '@kubernetes/client-node';
import { asyncKeys, KNOWN_RUNTIMES, LIMITS, Lifecycle } from '@lamina/core';
import type {
  AliasResource,
  EventSourceMappingResource,
  FunctionResource,
  FunctionVersionResource,
} from '@lamina/kube';
import { PLURALS } from '@lamina/kube';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';

import { RedisAdmission } from './admission.js';
import { createApp } from './app.js';
import { RedisAsyncStore } from './async/async-store.js';
import { KubeMappingStore } from './cluster/kube-mapping-store.js';
import { type ClusterConfig, loadClusterConfig } from './cluster-config.js';
import { HttpAgentClient } from './kube-store/agent-client.js';
import { ClusterPool } from './kube-store/cluster-pool.js';
import { createClusterPoolMetrics } from './kube-store/cluster-pool-metrics.js';
import { customInformer, KubeCustomObjects } from './kube-store/custom-objects.js';
import { KubeFunctionStore } from './kube-store/kube-function-store.js';
import { KubeVersionStore } from './kube-store/kube-version-store.js';
import { WorkerPodWatch, workerPodInformer } from './kube-store/worker-pods.js';
import { createMetrics } from './metrics.js';
import { CodeCollector, storeReferences } from './store/code-collector.js';
import { applyRequestLimits } from './request-limits.js';
import { DiskCodeStore } from './store/disk-code-store.js';

const POD_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export interface ClusterGatewayHandle {
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
 * The composition root of cluster mode: the management API on Function, FunctionVersion,
 * Alias and EventSourceMapping resources (informer caches for reads), the code store on the shared volume, Redis
 * admission and async invocation; sync invocations go to the worker pods' agents (ClusterPool
 * on a watch of the worker pods, ADR 0012). Components stop in reverse order.
 */
export async function startClusterGateway(o: {
  readonly config: ClusterConfig;
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly logger: Logger;
}): Promise<ClusterGatewayHandle> {
  const { config, kubeConfig: kc, namespace, logger } = o;
  const lifecycle = new Lifecycle();
  let ready = false;
  try {
    const redis = new Redis(config.redisUrl, {
      enableAutoPipelining: true,
      maxRetriesPerRequest: 2,
      lazyConnect: true,
    });
    await redis.connect();
    lifecycle.add({ name: 'redis', stop: () => redis.quit().then(() => undefined) });
    const admission = new RedisAdmission({
      redis,
      accountConcurrency: config.accountConcurrency,
      minUnreservedConcurrency: config.minUnreservedConcurrency,
      // A lease must outlive the pool's longest wait for a pod, or the count drops early.
      leaseGraceMs:
        config.leaseGraceMs + config.workers.coldStartWaitMs + config.workers.busyWaitMs,
    });
    lifecycle.add({ name: 'admission', stop: () => admission.close() });

    const arnContext = { region: config.region, accountId: config.accountId };
    const code = new DiskCodeStore({ root: config.codeDir });
    const locateCode = (hex: string): string => join(config.codeDir, hex);
    const objects = new KubeCustomObjects(kc, namespace);
    const functions = new KubeFunctionStore({
      namespace,
      informer: customInformer<FunctionResource>(kc, namespace, PLURALS.Function, logger),
      objects,
      locateCode,
      arnContext,
      logger,
    });
    lifecycle.add({ name: 'function store', stop: () => functions.close() });
    const versions = new KubeVersionStore({
      namespace,
      versions: customInformer<FunctionVersionResource>(
        kc,
        namespace,
        PLURALS.FunctionVersion,
        logger,
      ),
      aliases: customInformer<AliasResource>(kc, namespace, PLURALS.Alias, logger),
      objects,
      locateCode,
      arnContext,
      logger,
    });
    lifecycle.add({ name: 'version store', stop: () => versions.close() });
    const mappings = new KubeMappingStore({
      namespace,
      informer: customInformer<EventSourceMappingResource>(
        kc,
        namespace,
        PLURALS.EventSourceMapping,
        logger,
      ),
      objects,
      logger,
    });
    lifecycle.add({ name: 'mapping store', stop: () => mappings.close() });
    const workerPods = new WorkerPodWatch({
      informer: workerPodInformer(kc, namespace, logger),
    });
    const registry = new Registry();
    const pool = new ClusterPool({
      pods: workerPods,
      stopPods: () => workerPods.stop(),
      client: new HttpAgentClient({
        connectTimeoutMs: config.workers.connectTimeoutMs,
        // One byte over the limit is enough for the invoke route to answer "too large".
        maxResponseBytes: LIMITS.syncResponseMaxBytes + 1,
      }),
      port: config.workers.port,
      coldStartWaitMs: config.workers.coldStartWaitMs,
      busyWaitMs: config.workers.busyWaitMs,
      metrics: createClusterPoolMetrics(registry, () => workerPods.readyPerFunction()),
      logger,
    });
    lifecycle.add({ name: 'worker pool', stop: () => pool.close() });
    await Promise.all([functions.start(), versions.start(), workerPods.start(), mappings.start()]);
    // Started on synced caches; removes only what no resource has referenced for the grace.
    const collector = new CodeCollector({
      references: storeReferences(functions, versions),
      stores: [code],
      watch: [functions, versions],
      graceMs: config.codeGcGraceMs,
      intervalMs: config.codeGcIntervalMs,
      logger,
    });
    collector.start();
    lifecycle.add({ name: 'code collector', stop: () => collector.stop() });

    const keys = asyncKeys(config.redisPrefix);
    const queueRedis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2 });
    lifecycle.add({
      name: 'async queue redis',
      stop: () => queueRedis.quit().then(() => undefined),
    });
    const queue = new Queue(keys.queueName, { connection: queueRedis, prefix: keys.bullPrefix });
    lifecycle.add({ name: 'async queue', stop: () => queue.close() });

    const app = createApp({
      config,
      functions,
      versions,
      code,
      codeUsage: collector,
      pool,
      admission,
      metrics: createMetrics(registry),
      registry,
      logger,
      runtimes: [...KNOWN_RUNTIMES],
      ready: () => ready,
      async: new RedisAsyncStore({ queue, redis, keys }),
      mappings,
    });
    const server = createServer(app);
    server.keepAliveTimeout = 65_000;
    applyRequestLimits(server, config.requestLimits, registry);
    const port = await listen(server, config.port, config.host);
    lifecycle.add({
      name: 'http server',
      stop: async () => {
        ready = false;
        await new Promise((r) => setTimeout(r, config.drainDelayMs));
        await new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
          server.closeIdleConnections();
        });
      },
    });
    ready = true;
    const url = `http://${config.host}:${port}`;
    logger.info({ url, namespace }, 'gateway listening (cluster mode)');
    return { url, stop: () => lifecycle.stop() };
  } catch (err) {
    await lifecycle.stop();
    throw err;
  }
}

/** The namespace of the resources: configured, else the pod's own, else `default`. */
function namespaceOf(config: ClusterConfig): string {
  if (config.namespace !== undefined) return config.namespace;
  try {
    return readFileSync(POD_NAMESPACE_FILE, 'utf8').trim();
  } catch {
    return 'default';
  }
}

async function main(): Promise<void> {
  const config = loadClusterConfig(process.env);
  const logger = pino({ level: config.logLevel, base: { component: 'gateway' } });
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const gateway = await startClusterGateway({
    config,
    kubeConfig: kc,
    namespace: namespaceOf(config),
    logger,
  });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const deadline = setTimeout(() => process.exit(1), config.shutdownTimeoutMs);
    deadline.unref();
    void gateway.stop().then((errors) => {
      for (const err of errors) logger.error({ err }, 'shutdown error');
      process.exit(errors.length > 0 ? 1 : 0);
    });
  };
  process.on('SIGTERM', () => {
    stop('SIGTERM');
  });
  process.on('SIGINT', () => {
    stop('SIGINT');
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`lamina gateway: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
