/**
 * The autoscaled cluster of the scaling suites (issue #15, ADR 0017), started once per suite:
 * the cluster gateway in this process (on the node bridge's address, so pods fetch their code
 * from it over HTTP), the operator as a real process with the autoscaler on and short windows,
 * both on one Redis prefix, the worker image built and loaded into the node, the CRDs applied,
 * a fresh namespace. `stop()` deletes the functions, stops both and deletes the namespace.
 *
 * Invariants: the same settings cluster-scaling.int.test.ts starts with (the gateway waits long
 * for cold pods on the shared 2-core node); nothing outlives `stop()` but the namespace's
 * asynchronous deletion.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { LambdaClient } from '@aws-sdk/client-lambda';
import { KubeConfig } from '@kubernetes/client-node';
import { testEnv } from '@lamina/testkit';
import { pino } from 'pino';

import { loadClusterConfig } from '../../../services/gateway/src/cluster-config.js';
import {
  type ClusterGatewayHandle,
  startClusterGateway,
} from '../../../services/gateway/src/main.js';
import { lambdaClient } from '../../support/lambda-client.js';
import {
  ROOT,
  buildOperator,
  createNamespace,
  deleteNamespace,
  kubectl,
  kubectlOk,
  startOperator,
  type OperatorProcess,
} from './cluster.js';
import { workerImage } from './worker-image.js';

const SECRET = 'cluster-scaling-test-secret-0001';
/** The node bridge's own address (test/env/versions.sh NODE_IP): the pods' way to this host. */
const NODE_BRIDGE_HOST = '10.213.0.1';

export interface ScalingCluster {
  readonly namespace: string;
  readonly gateway: ClusterGatewayHandle;
  readonly operator: OperatorProcess;
  /** The unmodified AWS SDK on the gateway. */
  readonly lambda: LambdaClient;
  stop(): Promise<void>;
}

export interface ScalingClusterOptions {
  /** Namespace prefix, e.g. `pc`. */
  readonly prefix: string;
  /** The autoscaler's idle window (LAMINA_SCALE_TO_ZERO_SECONDS). */
  readonly idleSeconds: number;
  readonly runtime?: string;
  readonly maxSockets?: number;
}

export async function startScalingCluster(o: ScalingClusterOptions): Promise<ScalingCluster> {
  testEnv.require('LAMINA_TEST_NODE');
  const redisUrl = testEnv.require('REDIS_URL');
  const [image] = await Promise.all([workerImage(o.runtime ?? 'nodejs22.x'), buildOperator()]);
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(ROOT, 'deploy/crds')]);
  const namespace = await createNamespace(o.prefix);
  const redisPrefix = `${o.prefix}-${namespace}`;
  const stateDir = mkdtempSync(join(tmpdir(), `lamina-${o.prefix}-`));
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const gateway = await startClusterGateway({
    config: loadClusterConfig({
      REDIS_URL: redisUrl,
      LAMINA_HOST: NODE_BRIDGE_HOST,
      LAMINA_PORT: '0',
      LAMINA_NAMESPACE: namespace,
      LAMINA_CODE_DIR: stateDir,
      LAMINA_STATE_DIR: stateDir,
      LAMINA_REDIS_PREFIX: redisPrefix,
      LAMINA_CODE_TOKEN_SECRET: SECRET,
      // A pod starts, fetches its code and runs init on a shared 2-core node: allow for it.
      LAMINA_COLD_START_WAIT_MS: '90000',
      LAMINA_BUSY_WAIT_MS: '90000',
    }),
    kubeConfig: kc,
    namespace,
    logger: pino({ level: 'silent' }),
  });
  const operator = startOperator({
    namespace,
    identity: `op-${o.prefix}`,
    env: {
      LAMINA_WORKER_IMAGE_PREFIX: image.prefix,
      LAMINA_WORKER_IMAGE_TAG: image.tag,
      LAMINA_WORKER_CODE_DELIVERY: 'http',
      LAMINA_WORKER_CODE_URL: gateway.url,
      LAMINA_CODE_TOKEN_SECRET: SECRET,
      LAMINA_REDIS_URL: redisUrl,
      LAMINA_REDIS_PREFIX: redisPrefix,
      LAMINA_AUTOSCALER: 'true',
      LAMINA_AUTOSCALER_TICK_MS: '500',
      LAMINA_AUTOSCALER_STABLE_WINDOW_SECONDS: '6',
      LAMINA_AUTOSCALER_PANIC_WINDOW_SECONDS: '2',
      LAMINA_SCALE_TO_ZERO_SECONDS: String(o.idleSeconds),
      LAMINA_LOG_LEVEL: 'info',
    },
  });
  const lambda = lambdaClient(gateway.url, { maxSockets: o.maxSockets ?? 16 });
  return {
    namespace,
    gateway,
    operator,
    lambda,
    stop: async () => {
      lambda.destroy();
      await kubectl(['delete', 'functions.lamina.dev', '--all', '-n', namespace, '--timeout=60s']);
      if (operator.child.exitCode === null) {
        operator.child.kill('SIGTERM');
        await operator.exited;
      }
      await gateway.stop();
      await deleteNamespace(namespace);
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
