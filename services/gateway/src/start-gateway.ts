/**
 * The gateway's one composition root, for both modes (ADR 0016): Redis, admission, the backend
 * (definition stores + environment pool, the only part that differs), reservations and evictions
 * on every function change, the async queue, the app and the HTTP server. Cluster `main.ts` and
 * `lamina dev` each pick a backend and call `startGateway`; neither composes the gateway itself.
 *
 * Invariants: components stop in reverse start order, once (`stop()` is idempotent); a failed
 * start stops what was started and rethrows; readiness (GET /healthz) is true only between
 * listening and the start of `stop()`, which then waits `drainDelayMs` before closing the server.
 * With `config.tls` the port speaks HTTPS only; `tls.internalPort` adds a plain-HTTP listener
 * of the same app for the platform's in-cluster callers (the chart's internal Service port).
 */
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';

import { asyncKeys, type InvokeApi, Lifecycle, scheduleKeys } from '@lamina/core';
import { Redis } from 'ioredis';
import type { Tracing } from '@lamina/service-kit';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';

import { type Admission, RedisAdmission } from './admission/admission.js';
import { MemoryAdmission } from './admission/memory-admission.js';
import { createApp } from './app.js';
import { MetricsSeries } from './console/metrics-series.js';
import { LocalTransitions, OPERATOR_REPORTED } from './state-transitions.js';
import { CodeCollector, storeReferences } from './code/code-collector.js';
import { S3Fetcher } from './code/s3-code-source.js';
import { RedisAsyncStore } from './async/async-store.js';
import { RunRecorder } from './async/run-recorder.js';
import { RedisScheduleStore } from './schedules/schedule-store.js';
import type { GatewayConfig } from './config.js';
import { systemClock } from './deps.js';
import { followFunctionChanges } from './function-changes.js';
import type { BackendFactory, GatewayBackend } from './gateway-backend.js';
import { applyRequestLimits } from './http/request-limits.js';
import { followCertificate, loadCertificate } from './http/tls-certificate.js';
import { decodePool, registerDecodePoolMetrics } from './code/decode-pool.js';
import { createMetrics, registerAdmissionMetrics } from './metrics.js';
import { registerProvisionedMetrics } from './provisioned/provisioned-metrics.js';
import type { AccessKey } from './auth/access-keys.js';
import { startGatewayAuth } from './auth/gateway-auth.js';

export interface StartGatewayOptions {
  /** Port, host, ARN context, concurrency, lease grace, drain delay. */
  readonly config: GatewayConfig;
  readonly redisUrl: string;
  /** Key prefix of the async queue (and of the backend's Redis layouts). */
  readonly redisPrefix: string;
  readonly logger: Logger;
  /** The process' registry (shared with services run in the same process); default: a new one. */
  readonly registry?: Registry;
  /** The platform's own access keys (the in-process dispatcher's and poller's), if signed. */
  readonly serviceKeys?: readonly AccessKey[];
  /** OpenTelemetry spans (service-kit's createTracing; the caller shuts it down); default off. */
  readonly tracing?: Tracing;
  /**
   * This process is the only gateway on its Redis (`lamina dev`'s private one): admission is kept
   * in memory, exact without a Redis round trip per call (ADR 0049). Default false: leases in Redis.
   */
  readonly soleAdmitter?: boolean;
}

export interface GatewayHandle {
  readonly url: string;
  /** The process' registry, for services started next to the gateway. */
  readonly registry: Registry;
  /**
   * The sync Invoke API in this process (ADR 0055): what the HTTP Invoke runs, without the hop.
   * Unsigned: the composition root hands it only to the platform's own services.
   */
  readonly invokeApi: InvokeApi;
  stop(): Promise<Error[]>;
}

/** Idle keep-alive sockets outlive a typical load balancer's (60 s), so it closes them first. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

async function connectRedis(url: string, lifecycle: Lifecycle): Promise<Redis> {
  const redis = new Redis(url, {
    enableAutoPipelining: true,
    maxRetriesPerRequest: 2,
    lazyConnect: true,
  });
  await redis.connect();
  lifecycle.add({ name: 'redis', stop: () => redis.quit().then(() => undefined) });
  return redis;
}

/**
 * The async store: accepted events go to the intake stream on a connection of their own, so
 * their pipelines never queue behind admission's (ADR 0043).
 */
function asyncStoreOf(o: StartGatewayOptions, redis: Redis, lifecycle: Lifecycle) {
  const keys = asyncKeys(o.redisPrefix);
  const intake = new Redis(o.redisUrl, { maxRetriesPerRequest: 2 });
  lifecycle.add({ name: 'async intake redis', stop: () => intake.quit().then(() => undefined) });
  const runs = new RunRecorder({ redis, keys, logger: o.logger });
  return new RedisAsyncStore({ intake, redis, keys, runs });
}

/**
 * Reclaims code no function or version has referenced for the grace (ADR 0018 code store
 * reclamation), started on the backend's synced stores; it also answers TotalCodeSize.
 */
function collectorOf(
  backend: GatewayBackend,
  config: GatewayConfig,
  logger: Logger,
  lifecycle: Lifecycle,
): CodeCollector {
  const { functions, versions, layers } = backend;
  const collector = new CodeCollector({
    references: storeReferences(functions, versions, layers),
    stores: backend.collectable,
    watch: layers === undefined ? [functions, versions] : [functions, versions, layers],
    graceMs: config.codeGcGraceMs,
    intervalMs: config.codeGcIntervalMs,
    logger,
  });
  collector.start();
  lifecycle.add({ name: 'code collector', stop: () => collector.stop() });
  return collector;
}

/**
 * HTTPS when the configuration names a certificate and key, else HTTP. Both serve the same
 * request listener, so the invoke fast path works over TLS as well. The certificate files are
 * followed: a rotated pair is taken for new connections without a restart (tls-certificate.ts).
 */
function serverFor(
  app: ReturnType<typeof createApp>,
  config: GatewayConfig,
  lifecycle: Lifecycle,
  logger: Logger,
): Server {
  if (config.tls === undefined) return createServer(app);
  const server = createTlsServer(loadCertificate(config.tls), app);
  const follower = followCertificate(server, { files: config.tls, logger });
  lifecycle.add({
    name: 'certificate follower',
    stop: () => {
      follower.stop();
    },
  });
  return server;
}

/** Listens; on stop fails readiness, waits the drain delay, then closes the server(s). */
async function serve(
  app: ReturnType<typeof createApp>,
  config: GatewayConfig,
  lifecycle: Lifecycle,
  registry: Registry,
  setReady: (ready: boolean) => void,
  logger: Logger,
): Promise<number> {
  const server = serverFor(app, config, lifecycle, logger);
  const servers = [server];
  const internalPort = config.tls?.internalPort;
  if (internalPort !== undefined) servers.push(createServer(app));
  for (const s of servers) s.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  applyRequestLimits(servers, config.requestLimits, registry);
  const port = await listen(server, config.port, config.host);
  if (internalPort !== undefined && servers[1] !== undefined)
    await listen(servers[1], internalPort, config.host);
  lifecycle.add({
    name: 'http server',
    stop: async () => {
      setReady(false);
      if (config.drainDelayMs > 0) await new Promise((r) => setTimeout(r, config.drainDelayMs));
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => {
                resolve();
              });
              s.closeIdleConnections();
            }),
        ),
      );
    },
  });
  return port;
}

/** Leases in Redis, shared by every gateway of the account; in memory for a sole admitter. */
function admissionFor(
  o: StartGatewayOptions,
  redis: Redis,
  poolWaitMs: number,
  lifecycle: Lifecycle,
): Admission {
  const { accountConcurrency, minUnreservedConcurrency } = o.config;
  if (o.soleAdmitter === true) {
    return new MemoryAdmission({ accountConcurrency, minUnreservedConcurrency });
  }
  const admission = new RedisAdmission({
    redis,
    accountConcurrency,
    minUnreservedConcurrency,
    // A lease must outlive the pool's longest wait for an environment, or the count drops early.
    leaseGraceMs: o.config.leaseGraceMs + poolWaitMs,
  });
  // Releases are batched with the next acquire: flushed before Redis goes away.
  lifecycle.add({ name: 'admission', stop: () => admission.close() });
  return admission;
}

async function compose(
  backendOf: BackendFactory,
  o: StartGatewayOptions,
  lifecycle: Lifecycle,
  registry: Registry,
): Promise<{ backend: GatewayBackend; port: number; host: string; invokeApi: InvokeApi }> {
  const { config, logger } = o;
  let ready = false;
  const redis = await connectRedis(o.redisUrl, lifecycle);
  const ctx = { redis, redisPrefix: o.redisPrefix, lifecycle, registry, logger };
  const backend = await backendOf(ctx);
  const admission = admissionFor(o, redis, backend.poolWaitMs, lifecycle);
  registerAdmissionMetrics(registry, admission);
  // Code workers (upload decodes, unzips): bounded per process, queued, then refused with 429.
  decodePool.configure(config.decodePool);
  registerDecodePoolMetrics(registry);
  const { functions, pool } = backend;
  const unsubscribe = await followFunctionChanges({ functions, admission, pool, logger });
  lifecycle.add({ name: 'function changes', stop: unsubscribe });
  const collector = collectorOf(backend, config, logger, lifecycle);
  const auth = await startGatewayAuth({
    config,
    backend,
    ...(o.serviceKeys === undefined ? {} : { serviceKeys: o.serviceKeys }),
    registry,
    logger,
    lifecycle,
  });

  const metrics = createMetrics(registry);
  registerProvisionedMetrics(registry, metrics.allocations, metrics.concurrentExecutions);
  // The console's charts: sampled from the start, so its first view shows the calls before it.
  const series = new MetricsSeries({ registry });
  await series.start();
  lifecycle.add({
    name: 'metrics series',
    stop: () => {
      series.stop();
    },
  });
  const app = createApp({
    config,
    series,
    functions,
    versions: backend.versions,
    code: backend.code,
    ...(backend.codeFreezer === undefined ? {} : { codeFreezer: backend.codeFreezer }),
    ...(backend.mappings === undefined ? {} : { mappings: backend.mappings }),
    ...(backend.provisioned === undefined ? {} : { provisioned: backend.provisioned }),
    ...(backend.functionUrls === undefined ? {} : { functionUrls: backend.functionUrls }),
    ...(backend.layers === undefined ? {} : { layers: backend.layers }),
    ...(backend.logs === undefined ? {} : { logs: backend.logs }),
    ...(backend.sealedEnvironments === undefined
      ? {}
      : { sealedEnvironments: backend.sealedEnvironments }),
    pool,
    admission,
    metrics,
    registry,
    logger,
    runtimes: backend.runtimes,
    ready: () => ready,
    async: asyncStoreOf(o, redis, lifecycle),
    // Both modes: the scheduler runners read schedules from Redis (a Schedule resource is next).
    schedules: new RedisScheduleStore(redis, scheduleKeys(o.redisPrefix)),
    codeUsage: collector,
    codeStorageLimitBytes: config.codeStorageLimitBytes,
    ...(auth.accessKeys === undefined ? {} : { accessKeys: auth.accessKeys }),
    audit: auth.audit,
    ...(o.tracing === undefined ? {} : { tracing: o.tracing }),
    ...(config.s3 === undefined
      ? {}
      : {
          s3Code: new S3Fetcher({
            ...config.s3,
            clock: systemClock,
            ...(backend.codeSpoolDir === undefined ? {} : { spoolDir: backend.codeSpoolDir }),
          }),
        }),
    transitions:
      backend.mode === 'local'
        ? new LocalTransitions({ functions, logger, settleMs: config.stateSettleMs })
        : OPERATOR_REPORTED,
  });
  const port = await serve(
    app,
    { ...config, host: auth.host },
    lifecycle,
    registry,
    (r) => (ready = r),
    logger,
  );
  ready = true;
  return { backend, port, host: auth.host, invokeApi: app.invokeApi };
}

/** Starts the gateway on the backend `backendOf` builds; resolves once it listens. */
export async function startGateway(
  backendOf: BackendFactory,
  o: StartGatewayOptions,
): Promise<GatewayHandle> {
  const lifecycle = new Lifecycle();
  const registry = o.registry ?? new Registry();
  try {
    const { backend, port, host, invokeApi } = await compose(backendOf, o, lifecycle, registry);
    const scheme = o.config.tls === undefined ? 'http' : 'https';
    const url = `${scheme}://${host}:${String(port)}`;
    o.logger.info({ url, mode: backend.mode }, 'gateway listening');
    return { url, registry, invokeApi, stop: () => lifecycle.stop() };
  } catch (err) {
    await lifecycle.stop();
    throw err;
  }
}
