/**
 * The gateway's process entry in cluster mode: read the configuration once, pick the cluster
 * backend, start the one composition (`startGateway`), and stop it on SIGTERM/SIGINT under the
 * shutdown deadline. `startClusterGateway` is the same start without the process around it, for
 * the suites that run a cluster gateway in their own process.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

import { KubeConfig } from '@kubernetes/client-node';
import { createTracing, handleSignalsEarly, type Tracing } from '@lamina/service-kit';
import { pino, type Logger } from 'pino';

import { clusterBackend } from './cluster/cluster-backend.js';
import { type ClusterConfig, loadClusterConfig } from './cluster-config.js';
import { type GatewayHandle, startGateway } from './start-gateway.js';

const POD_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export type ClusterGatewayHandle = GatewayHandle;

/** The gateway in cluster mode: custom resources for definitions, worker pods for invocations. */
export function startClusterGateway(o: {
  readonly config: ClusterConfig;
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly logger: Logger;
  readonly tracing?: Tracing;
}): Promise<GatewayHandle> {
  const { config } = o;
  const backend = clusterBackend({
    kubeConfig: o.kubeConfig,
    namespace: o.namespace,
    arnContext: { region: config.region, accountId: config.accountId },
    codeDir: config.codeDir,
    workers: config.workers,
    codeTokenSecret: config.codeTokenSecret,
    functionUrls: config.functionUrls,
    authSecrets: config.auth === 'secrets',
  });
  return startGateway(backend, {
    config,
    redisUrl: config.redisUrl,
    redisPrefix: config.redisPrefix,
    logger: o.logger.child({ namespace: o.namespace }),
    ...(o.tracing === undefined ? {} : { tracing: o.tracing }),
  });
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
  // Before anything connects: as PID 1 the gateway would ignore a SIGTERM it has no handler for.
  const signals = handleSignalsEarly({ name: 'lamina gateway' });
  const config = loadClusterConfig(process.env);
  const logger = pino({ level: config.logLevel, base: { component: 'gateway' } });
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const tracing = await createTracing(process.env, 'lamina-gateway');
  const gateway = await startClusterGateway({
    config,
    kubeConfig: kc,
    namespace: namespaceOf(config),
    logger,
    tracing,
  });
  signals.started((signal) => {
    logger.info({ signal }, 'stopping');
    const deadline = setTimeout(() => process.exit(1), config.shutdownTimeoutMs);
    deadline.unref();
    void gateway.stop().then(async (errors) => {
      await tracing.shutdown().catch((err: unknown) => {
        logger.warn({ err }, 'exporting the last spans failed');
      });
      for (const err of errors) logger.error({ err }, 'shutdown error');
      process.exit(errors.length > 0 ? 1 : 0);
    });
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`lamina gateway: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
