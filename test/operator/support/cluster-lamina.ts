import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CreateFunctionCommand,
  type CreateFunctionCommandInput,
  type LambdaClient,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { KubeConfig } from '@kubernetes/client-node';
import { testEnv, uniqueName } from '@lamina/testkit';
import { pino } from 'pino';

import { loadClusterConfig } from '../../../services/gateway/src/cluster-config.js';
import {
  type ClusterGatewayHandle,
  startClusterGateway,
} from '../../../services/gateway/src/main.js';
import { lambdaClient } from '../../support/lambda-client.js';
import { accessKeySecret, type TestAccessKey } from './access-keys.js';

export { accessKeySecret, type TestAccessKey };
import {
  buildOperator,
  createNamespace,
  deleteNamespace,
  getJson,
  installCrds,
  kubectl,
  kubectlOk,
  startOperator,
  type OperatorProcess,
} from './cluster.js';
import { codeStore } from './release-values.js';
import { type WorkerImage, workerImage } from './worker-image.js';

/**
 * One cluster-mode Lamina on the test environment's real node, as the cluster suites need it:
 * the CRDs installed, a fresh namespace, the cluster gateway in this process (on the node
 * bridge's address, so pods can fetch their code from it over HTTP), the operator as a real
 * process watching that namespace with the worker image loaded into the node, and the unmodified
 * AWS SDK pointed at the gateway. The gateway, operator and any service a suite adds share one
 * Redis prefix (`<ns>` based), so demand reports, mappings and queues meet. `stop()` deletes the
 * Functions while the operator still runs (their finalizer needs it), then stops everything and
 * deletes the namespace; it is safe after a failed start.
 */

/** The node bridge's own address (test/env/versions.sh NODE_IP): the pods' way to this host. */
export const NODE_BRIDGE_IP = '10.213.0.1';

export interface ClusterLaminaOptions {
  /** Namespace prefix (a unique suffix is added). */
  readonly name: string;
  /** Worker image runtime to build and load; `null` runs no worker image (no pod can start). */
  readonly runtime?: string | null;
  /**
   * How pods get their code: `http` from the gateway (default), or `volume`: a hostPath
   * PersistentVolume over the gateway's code folder, claimed as `lamina-code` (ADR 0007).
   */
  readonly codeDelivery?: 'http' | 'volume';
  /** Turns the autoscaler on with short test windows (ADR 0017); off by default. */
  readonly autoscaler?: { readonly idleSeconds: number } | false;
  /**
   * Pre-warmed generic pods (ADR 0019): off by default here, so a suite's calls land on the
   * version's own pods and its pod and replica counts are exact; cluster-warm-pool tests the pool.
   */
  readonly warmPool?: boolean;
  /** Extra gateway config (loadClusterConfig's env names); wins over the defaults. */
  readonly gatewayEnv?: Readonly<Record<string, string>>;
  /**
   * A signed gateway (LAMINA_AUTH=secrets): these keys as labelled Secrets in the namespace; the
   * `lambda` client signs with the first. Absent: the gateway is open.
   */
  readonly accessKeys?: readonly TestAccessKey[];
  /** Extra operator env; wins over the defaults. */
  readonly operatorEnv?: Readonly<Record<string, string>>;
  /** The SDK's connection limit, for suites that fire many calls at once. */
  readonly maxSockets?: number;
}

export interface DeploymentJson {
  readonly metadata: { readonly name: string; readonly annotations?: Record<string, string> };
  readonly spec: { readonly replicas?: number };
  readonly status?: { readonly readyReplicas?: number; readonly replicas?: number };
}

export interface ClusterLamina {
  readonly ns: string;
  /** The Redis prefix the gateway, operator (and a suite's services) share. */
  readonly prefix: string;
  readonly redisUrl: string;
  readonly gateway: ClusterGatewayHandle;
  readonly operator: OperatorProcess;
  readonly lambda: LambdaClient;
  readonly image: WorkerImage | undefined;
  /** The secret the gateway signs and checks the pods' code tokens with. */
  readonly codeTokenSecret: string;
  /** Names of the pods of a function (all versions, or one: `latest`, `1`, ...). */
  podsOf(fn: string, version?: string): Promise<string[]>;
  /** The worker Deployment of a version (`<fn>-<version>`), or undefined when absent. */
  deploymentOf(fn: string, version?: string): Promise<DeploymentJson | undefined>;
  /** CreateFunction (nodejs22.x, index.handler unless given) and waits until Active. */
  createFunction(
    fn: string,
    zip: Uint8Array,
    extra?: Partial<CreateFunctionCommandInput>,
  ): Promise<void>;
  stop(): Promise<void>;
}

const SECRET = 'cluster-lamina-test-secret-00001';

export async function startClusterLamina(o: ClusterLaminaOptions): Promise<ClusterLamina> {
  const redisUrl = testEnv.require('REDIS_URL');
  const runtime = o.runtime === undefined ? 'nodejs22.x' : o.runtime;
  if (runtime !== null) testEnv.require('LAMINA_TEST_NODE');
  const [image] = await Promise.all([
    runtime === null ? Promise.resolve(undefined) : workerImage(runtime),
    installCrds(),
    buildOperator(),
  ]);
  const ns = await createNamespace(o.name);
  const prefix = uniqueName(`${o.name}-rp`);
  const stateDir = mkdtempSync(join(tmpdir(), 'lamina-cluster-'));
  const pv = o.codeDelivery === 'volume' ? uniqueName('lamina-code') : undefined;
  let gateway: ClusterGatewayHandle | undefined;
  let operator: OperatorProcess | undefined;
  let lambda: LambdaClient | undefined;

  const stop = async (): Promise<void> => {
    lambda?.destroy();
    if (operator?.child.exitCode === null) {
      await kubectl(['delete', 'functions.lamina.dev', '--all', '-n', ns, '--timeout=60s']);
      operator.child.kill('SIGTERM');
      await operator.exited;
    }
    await gateway?.stop();
    await deleteNamespace(ns);
    if (pv !== undefined) await kubectl(['delete', 'pv', pv, '--ignore-not-found', '--wait=false']);
    rmSync(stateDir, { recursive: true, force: true });
  };

  try {
    if (pv !== undefined) {
      chmodSync(stateDir, 0o755); // the pods read it as uid 10001
      await kubectlOk(['apply', '-f', '-'], codeStore(pv, ns, stateDir));
    }
    const keys = o.accessKeys ?? [];
    for (const [i, key] of keys.entries()) {
      await kubectlOk(['apply', '-f', '-'], accessKeySecret(ns, `test-key-${String(i)}`, key));
    }
    const kc = new KubeConfig();
    kc.loadFromDefault();
    const autoscaled = o.autoscaler !== undefined && o.autoscaler !== false;
    gateway = await startClusterGateway({
      config: loadClusterConfig({
        REDIS_URL: redisUrl,
        LAMINA_HOST: NODE_BRIDGE_IP,
        LAMINA_PORT: '0',
        LAMINA_NAMESPACE: ns,
        LAMINA_CODE_DIR: stateDir,
        LAMINA_STATE_DIR: stateDir,
        LAMINA_REDIS_PREFIX: prefix,
        LAMINA_CODE_TOKEN_SECRET: SECRET,
        // A pod starts, fetches its code and runs init on a shared 2-core node: allow for it.
        ...(autoscaled ? { LAMINA_COLD_START_WAIT_MS: '90000', LAMINA_BUSY_WAIT_MS: '90000' } : {}),
        ...(o.warmPool === true ? {} : { LAMINA_WARM_POOL: 'false' }),
        ...(keys.length > 0 ? { LAMINA_AUTH: 'secrets' } : {}),
        ...o.gatewayEnv,
      }),
      kubeConfig: kc,
      namespace: ns,
      logger: pino({ level: 'silent' }),
    });
    const scaling: Record<string, string> =
      o.autoscaler === undefined || o.autoscaler === false
        ? {}
        : {
            LAMINA_AUTOSCALER: 'true',
            LAMINA_AUTOSCALER_TICK_MS: '500',
            LAMINA_AUTOSCALER_STABLE_WINDOW_SECONDS: '6',
            LAMINA_AUTOSCALER_PANIC_WINDOW_SECONDS: '2',
            LAMINA_SCALE_TO_ZERO_SECONDS: String(o.autoscaler.idleSeconds),
          };
    operator = startOperator({
      namespace: ns,
      identity: `op-${o.name}`,
      env: {
        ...(image === undefined
          ? {}
          : { LAMINA_WORKER_IMAGE_PREFIX: image.prefix, LAMINA_WORKER_IMAGE_TAG: image.tag }),
        ...(pv === undefined
          ? {
              LAMINA_WORKER_CODE_DELIVERY: 'http',
              LAMINA_WORKER_CODE_URL: gateway.url,
              LAMINA_CODE_TOKEN_SECRET: SECRET,
            }
          : { LAMINA_CODE_STORE_CLAIM: 'lamina-code' }),
        LAMINA_REDIS_URL: redisUrl,
        LAMINA_REDIS_PREFIX: prefix,
        LAMINA_LOG_LEVEL: 'info',
        ...scaling,
        ...(o.warmPool === true ? {} : { LAMINA_WARM_POOL_SIZE: '0' }),
        ...o.operatorEnv,
      },
    });
    const first = keys[0];
    lambda = lambdaClient(gateway.url, {
      ...(o.maxSockets === undefined ? {} : { maxSockets: o.maxSockets }),
      ...(first === undefined ? {} : { credentials: first }),
    });
  } catch (e) {
    await stop();
    throw e;
  }
  const client = lambda;

  return {
    ns,
    prefix,
    redisUrl,
    gateway,
    operator,
    lambda: client,
    image,
    codeTokenSecret: SECRET,
    async podsOf(fn, version) {
      const selector =
        version === undefined
          ? `lamina.dev/function=${fn}`
          : `lamina.dev/function=${fn},lamina.dev/version=${version}`;
      const out = await kubectlOk([
        'get',
        'pods',
        '-n',
        ns,
        '-l',
        selector,
        '-o',
        'jsonpath={.items[*].metadata.name}',
      ]);
      return out.split(' ').filter((p) => p !== '');
    },
    deploymentOf: (fn, version = 'latest') =>
      getJson<DeploymentJson>(['get', 'deployment', `${fn}-${version}`, '-n', ns]),
    async createFunction(fn, zip, extra = {}) {
      await client.send(
        new CreateFunctionCommand({
          FunctionName: fn,
          Runtime: 'nodejs22.x',
          Handler: 'index.handler',
          Role: 'arn:aws:iam::000000000000:role/lambda',
          MemorySize: 128,
          Timeout: 30,
          Code: { ZipFile: zip },
          ...extra,
        }),
      );
      await waitUntilFunctionActiveV2(
        { client, maxWaitTime: 120, minDelay: 1, maxDelay: 2 },
        { FunctionName: fn },
      );
    },
    stop,
  };
}
