/**
 * `lamina dev`: local mode in one process — a private redis-server unless REDIS_URL is set, the
 * gateway on the local backend (file stores + the process pool of execution environments), and
 * the dispatcher and Kafka poller serving it through its own Invoke, in process (the dispatcher's
 * attempts, ADR 0055; the poller's batches, ADR 0058). The gateway itself is
 * composed by `startGateway`, the same composition as cluster mode's (ADR 0016).
 *
 * Invariants: components stop in reverse start order — poller and dispatcher first (in-flight
 * work finishes or is left uncommitted while the gateway still answers), then the gateway, the
 * function logs, the private Redis; a failed start stops what was started.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

import { ALLOW_ALL, Lifecycle } from '@lamina/core';
import { loadConfig as loadDispatcherConfig, startDispatcher } from '@lamina/dispatcher';
import { type GatewayConfig, localBackend, startGateway } from '@lamina/gateway';
import { loadConfig as loadPollerConfig, loadMappingManifests, startPoller } from '@lamina/poller';
import { createTracing, invokerOver, KAFKA_INVOKE_RULES } from '@lamina/service-kit';
import {
  endWithParentLauncher,
  PlainPlacements,
  ProcessPool,
  Sandbox,
  type Placements,
} from '@lamina/worker';
import type { Logger } from 'pino';

import { credentialsFile } from './credentials-file.js';
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
   * LAMINA_DISPATCHER_*, KAFKA_BROKERS), and tracing's OTEL_* variables.
   */
  readonly asyncEnv: Readonly<Record<string, string | undefined>>;
  /** Run a dispatcher in this process (false: a separate one serves the queue). */
  readonly runDispatcher: boolean;
  /**
   * The in-process dispatcher's attempts over HTTP to this gateway's port, as before ADR 0055
   * (a comparison, a test of both entries); default false: in process.
   */
  readonly dispatcherOverHttp?: boolean;
  /** Run a Kafka poller in this process (false: a separate one serves the mappings). */
  readonly runPoller: boolean;
  /** Credentials per execution role (credentials-file.ts); default `<stateDir>/credentials.json`. */
  readonly credentialsFile?: string;
  /** Run environments in bubblewrap sandboxes where it can (ADR 0029); default true. */
  readonly sandbox?: boolean;
}

export interface DevHandle {
  readonly url: string;
  stop(): Promise<Error[]>;
}

/** Adds a component whose stop() reports its errors as a list (gateway, dispatcher, poller). */
function addService(lifecycle: Lifecycle, name: string, s: { stop(): Promise<Error[]> }): void {
  lifecycle.add({
    name,
    stop: async () => {
      const errors = await s.stop();
      if (errors.length > 0) throw new AggregateError(errors, `${name} stop failed`);
    },
  });
}

async function compose(o: DevOptions, lifecycle: Lifecycle): Promise<string> {
  const { config, logger } = o;
  let redisUrl = config.redisUrl;
  // A private Redis has one gateway: this one, which then admits in memory (ADR 0049).
  const soleAdmitter = redisUrl === undefined;
  if (redisUrl === undefined) {
    const redis = await startPrivateRedis(join(config.stateDir, 'redis'));
    lifecycle.add({ name: 'private redis-server', stop: () => redis.stop() });
    redisUrl = redis.url;
    logger.info({ redisUrl }, 'started a private redis-server');
  }
  // A signed gateway (a keys file): the in-process dispatcher and poller sign with a key of their
  // own, made afresh for this process and known to nobody else.
  const serviceKey =
    config.authKeysFile === undefined
      ? undefined
      : {
          accessKeyId: `LAMINASVC${randomBytes(8).toString('hex').toUpperCase()}`,
          secretAccessKey: randomBytes(30).toString('base64url'),
        };
  // Read now so a bad setting stops startup; the gateway URL is filled in once it listens.
  const env = {
    ...o.asyncEnv,
    REDIS_URL: redisUrl,
    // An https gateway: the in-process services trust its own certificate (self-signed too).
    ...(config.tls === undefined ? {} : { LAMINA_GATEWAY_CA_FILE: config.tls.certFile }),
    ...(serviceKey === undefined
      ? {}
      : {
          LAMINA_GATEWAY_ACCESS_KEY_ID: serviceKey.accessKeyId,
          LAMINA_GATEWAY_SECRET_ACCESS_KEY: serviceKey.secretAccessKey,
        }),
  };
  const shared = { LAMINA_REGION: config.region, LAMINA_ACCOUNT_ID: config.accountId };
  const dispatcherConfig = loadDispatcherConfig({ ...env, ...shared });
  const pollerConfig = loadPollerConfig({ ...env, ...shared });
  // One tracer for the gateway, dispatcher and poller of this process (off unless OTEL_* ask).
  const tracing = await createTracing(o.asyncEnv, 'lamina');
  lifecycle.add({ name: 'tracing', stop: () => tracing.shutdown() });

  const logs = new FunctionLogs({
    dir: join(config.stateDir, 'logs'),
    write: o.write,
    echo: o.echoLogs,
  });
  lifecycle.add({ name: 'function logs', stop: () => logs.flush() });
  // Sandboxes where bubblewrap runs (else one warning); generic runtimes' task slots go beside
  // the code store (`<stateDir>/code`), so filling one is hard links.
  const sandbox =
    o.sandbox === false
      ? undefined
      : Sandbox.detect({ logger, scratchRoot: join(config.stateDir, 'sandbox') });
  const runtimes = runnable(o.runtimes, sandbox, logger);
  // Plain processes otherwise, started so that they end with lamina dev even if it is killed.
  const placements: Placements =
    sandbox ?? new PlainPlacements(undefined, undefined, undefined, endWithParentLauncher());
  const pool = new ProcessPool({
    logger,
    runtimes: runtimes.commands,
    placements,
    onLog: logs.line,
    // Layer content is in the local backend's code store (`<stateDir>/code`, local-backend.ts);
    // each function's layers are merged into a folder under `<stateDir>/opt` that plays /opt.
    layers: {
      root: join(config.stateDir, 'opt'),
      layerDir: (hex) => join(config.stateDir, 'code', hex),
    },
    credentialsFor: credentialsFile(
      o.credentialsFile ?? join(config.stateDir, 'credentials.json'),
      logger,
    ),
  });
  const { functionsDir } = o;
  const backend = localBackend({
    stateDir: config.stateDir,
    functionsDir,
    arnContext: { region: config.region, accountId: config.accountId },
    runtimes: runtimes.ids,
    pool,
    ...(functionsDir === undefined
      ? {}
      : { mappingManifests: () => loadMappingManifests(functionsDir, Date.now()) }),
  });
  // Local mode closes at once on stop: no load balancer to drain.
  const gateway = await startGateway(backend, {
    config: { ...config, drainDelayMs: 0 },
    redisUrl,
    redisPrefix: dispatcherConfig.redisPrefix,
    logger,
    tracing,
    soleAdmitter,
    ...(serviceKey === undefined
      ? {}
      : {
          serviceKeys: [
            {
              ...serviceKey,
              arn: `arn:aws:iam::${config.accountId}:user/lamina-services`,
              policy: ALLOW_ALL,
              platform: true,
            },
          ],
        }),
  });
  addService(lifecycle, 'gateway', gateway);

  const { url, registry } = gateway;
  if (o.runDispatcher) {
    // Events run through this gateway's own Invoke, in process (ADR 0055): the same behaviour
    // as its HTTP API without the hop; destinations and schedules still call the URL.
    const dispatcherLogger = logger.child({ component: 'dispatcher' });
    const config = { ...dispatcherConfig, gatewayUrl: url };
    const invokeApi = o.dispatcherOverHttp === true ? {} : { invokeApi: gateway.invokeApi };
    addService(
      lifecycle,
      'dispatcher',
      await startDispatcher({ config, logger: dispatcherLogger, registry, tracing, ...invokeApi }),
    );
  }
  if (o.runPoller) {
    const pollerLogger = logger.child({ component: 'poller' });
    const config = { ...pollerConfig, gatewayUrl: url };
    // Batches run through this gateway's Invoke in process (ADR 0058); destinations call the URL.
    const invoker = invokerOver(gateway.invokeApi, KAFKA_INVOKE_RULES);
    addService(
      lifecycle,
      'poller',
      await startPoller({ config, logger: pollerLogger, registry, tracing, invoker }),
    );
  }
  return url;
}

/** Starts local mode; resolves once the gateway listens and the services run. */
export async function startDev(o: DevOptions): Promise<DevHandle> {
  const lifecycle = new Lifecycle();
  try {
    const url = await compose(o, lifecycle);
    return { url, stop: () => lifecycle.stop() };
  } catch (err) {
    await lifecycle.stop();
    throw err;
  }
}

/** The runtimes this host can start: those with a root filesystem of their own need the sandbox. */
function runnable(
  runtimes: LocalRuntimes,
  sandbox: Placements | undefined,
  logger: Logger,
): LocalRuntimes {
  if (sandbox !== undefined) return runtimes;
  const commands = Object.fromEntries(
    Object.entries(runtimes.commands).filter(([id, c]) => {
      if (c.rootfs === undefined) return true;
      logger.warn({ runtime: id, rootfs: c.rootfs }, 'runtime needs the sandbox; not available');
      return false;
    }),
  );
  return { commands, ids: runtimes.ids.filter((id) => id in commands) };
}
