/**
 * Cluster mode's backend: Function, FunctionVersion, Alias and LayerVersion custom resources
 * (informer caches for reads, the API server for writes), the code store on the volume shared with the worker
 * pods, and the pod pool (ClusterPool on a watch of the worker pods, ADR 0012), which reports
 * its calls running and waiting per version as scaling demand (ADR 0017). Provisioned
 * concurrency lives on the resources too: configs as annotations on FunctionVersion and Alias,
 * each version's sum in its `spec.provisionedConcurrency` (the operator's floor).
 *
 * Invariants: the informers have synced before the factory resolves, so the first request and
 * the first reservation sync see every resource; every component is in the lifecycle.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';

import type { KubeConfig } from '@kubernetes/client-node';
import { type ArnContext, codeToken, functionUrlKeys, KNOWN_RUNTIMES, LIMITS } from '@lamina/core';
import {
  type AliasResource,
  type EventSourceMappingResource,
  type FunctionResource,
  type FunctionVersionResource,
  type LayerVersionResource,
  PLURALS,
} from '@lamina/kube';

import { DiskCodeStore } from '../code/disk-code-store.js';
import { RedisUrlStore } from '../function-urls/redis-url-store.js';
import { HostEndpoints } from '../function-urls/url-endpoints.js';
import type { BackendContext, BackendFactory, GatewayBackend } from '../gateway-backend.js';
import { HttpAgentClient } from '../pods/agent-client.js';
import { ClusterPool } from '../pods/cluster-pool.js';
import { createClusterPoolMetrics } from '../pods/cluster-pool-metrics.js';
import { KubePodLabeler } from '../pods/pod-labeler.js';
import { GatewayDemand } from '../pods/pool-demand.js';
import { HttpSpecializeClient } from '../pods/specialize-client.js';
import { WarmPool } from '../pods/warm-pool.js';
import { createWarmPoolMetrics } from '../pods/warm-pool-metrics.js';
import { AgentReadiness } from '../pods/agent-readiness.js';
import { WorkerPodWatch, workerPodInformer } from '../pods/worker-pods.js';
import type { ClusterConfig } from '../cluster-config.js';
import { customInformer, KubeCustomObjects } from './custom-objects.js';
import { EnvironmentSecrets } from './environment-secrets.js';
import { ANNOTATIONS, foreignRefs } from './function-mapping.js';
import { KubeFunctionStore } from './kube-function-store.js';
import { KubeLayerStore } from './kube-layer-store.js';
import { KubeMappingStore } from './kube-mapping-store.js';
import { KubeProvisionedStore } from './kube-provisioned-store.js';
import { KubeProvisioning } from './kube-provisioning.js';
import { KubeVersionStore } from './kube-version-store.js';
import { followSecretKeys } from './secret-keys.js';
import { imageTailOf, kubePodLogApi, PodLogSource } from '../logs/pod-log-source.js';

export interface ClusterBackendOptions {
  readonly kubeConfig: KubeConfig;
  /** Where the resources and worker pods live. */
  readonly namespace: string;
  readonly arnContext: ArnContext;
  /** The content-addressed code store (a volume shared with the worker pods). Absolute. */
  readonly codeDir: string;
  /** How invocations reach worker pods. */
  readonly workers: ClusterConfig['workers'];
  /** The code route's token secret: a specialised generic pod gets its code's token. */
  readonly codeTokenSecret?: string | undefined;
  /** Host-based routing of function URLs (their records live in the gateway's Redis). */
  readonly functionUrls: ClusterConfig['functionUrls'];
  /** Every call must be signed with a key of the labelled Secrets (secret-keys.ts). */
  readonly authSecrets?: boolean;
}

function definitionStores(o: ClusterBackendOptions, ctx: BackendContext) {
  const { kubeConfig: kc, namespace, arnContext } = o;
  const { logger } = ctx;
  const locateCode = (hex: string): string => join(o.codeDir, hex);
  const objects = new KubeCustomObjects(kc, namespace);
  const versionInformer = customInformer<FunctionVersionResource>(
    kc,
    namespace,
    PLURALS.FunctionVersion,
    logger,
  );
  const aliasInformer = customInformer<AliasResource>(kc, namespace, PLURALS.Alias, logger);
  const functionInformer = customInformer<FunctionResource>(
    kc,
    namespace,
    PLURALS.Function,
    logger,
  );
  // The variables' Secrets (ADR 0039): named by the Function and its versions.
  const envSecrets = new EnvironmentSecrets({
    kubeConfig: kc,
    namespace,
    logger,
    referenced: (name) => {
      const named = [functionInformer.get(name, namespace)?.metadata.annotations];
      for (const v of versionInformer.list(namespace))
        if (v.spec.functionName === name) named.push(v.metadata.annotations);
      return new Set(
        named.map((a) => a?.[ANNOTATIONS.environmentSecret]).filter((n) => n !== undefined),
      );
    },
  });
  ctx.lifecycle.add({ name: 'variables Secrets', stop: () => envSecrets.stop() });
  const functions = new KubeFunctionStore({
    namespace,
    informer: functionInformer,
    envSecrets,
    objects,
    locateCode,
    arnContext,
    logger,
  });
  ctx.lifecycle.add({ name: 'function store', stop: () => functions.close() });
  const versions = new KubeVersionStore({
    namespace,
    envSecrets,
    versions: versionInformer,
    aliases: aliasInformer,
    objects,
    locateCode,
    arnContext,
    logger,
  });
  ctx.lifecycle.add({ name: 'version store', stop: () => versions.close() });
  // EventSourceMapping resources are the pollers' source of truth (the operator mirrors them).
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
  ctx.lifecycle.add({ name: 'mapping store', stop: () => mappings.close() });
  // Provisioned concurrency configs: annotations on the FunctionVersion and Alias resources.
  const provisioned = new KubeProvisionedStore({
    namespace,
    versions: versionInformer,
    aliases: aliasInformer,
    objects,
    arnContext,
  });
  const provisioning = (pods: WorkerPodWatch): KubeProvisioning =>
    new KubeProvisioning({
      namespace,
      versions: versionInformer,
      objects,
      pods,
      allPods: () => pods.all(),
      logger,
    });
  // Variables from Secrets of one's own (kubectl) are not in the gateway's view: such functions
  // are not specialised. Those the API set are (environment-secrets.ts).
  const usesSecretVariables = (name: string): boolean => {
    const fn = functionInformer.get(name, namespace);
    return (
      fn !== undefined &&
      foreignRefs(fn.spec, fn.metadata.annotations?.[ANNOTATIONS.environmentSecret]) !== undefined
    );
  };
  const layers = new KubeLayerStore({
    namespace,
    informer: customInformer<LayerVersionResource>(kc, namespace, PLURALS.LayerVersion, logger),
    objects,
    logger,
  });
  ctx.lifecycle.add({ name: 'layer store', stop: () => layers.close() });
  return {
    functions,
    versions,
    envSecrets,
    mappings,
    layers,
    provisioned,
    provisioning,
    usesSecretVariables,
  };
}

/**
 * Scaling demand (ADR 0017): calls running and waiting per version, reported on the gateway's
 * Redis under its prefix; stopped after the pool (lifecycle order), with a last empty report.
 */
function poolDemand(o: ClusterBackendOptions, ctx: BackendContext): GatewayDemand {
  const demand = new GatewayDemand({
    redis: ctx.redis,
    redisPrefix: ctx.redisPrefix,
    namespace: o.namespace,
    reporterId: `gateway-${hostname()}-${String(process.pid)}-${randomBytes(3).toString('hex')}`,
    logger: ctx.logger,
  });
  demand.start();
  ctx.lifecycle.add(demand);
  return demand;
}

function podPool(
  o: ClusterBackendOptions,
  ctx: BackendContext,
  provisioning: (pods: WorkerPodWatch) => KubeProvisioning,
  usesSecretVariables: (name: string) => boolean,
) {
  const demand = poolDemand(o, ctx);
  const labeler = new KubePodLabeler(o.kubeConfig, o.namespace, ctx.logger);
  // A starting pod joins the index when its own agent says ready, not a probe period later.
  const early = new AgentReadiness({
    port: o.workers.port,
    onConfirmed: (pod) => {
      workerPods.index.set(pod.name, pod);
    },
  });
  const workerPods: WorkerPodWatch = new WorkerPodWatch({
    informer: workerPodInformer(o.kubeConfig, o.namespace, ctx.logger),
    onSpent: (name) => void labeler.remove(name),
    early,
  });
  const provisioned = provisioning(workerPods);
  const secret = o.codeTokenSecret;
  const warmPool = o.workers.warmPool
    ? new WarmPool({
        generics: workerPods.generics,
        client: new HttpSpecializeClient(),
        labeler,
        specialized: workerPods,
        codeToken: (hex) => (secret === undefined ? undefined : codeToken(secret, hex)),
        // Layers reach a pod at start (/opt), not with a specialise request: such versions wait.
        // An image function runs its own image (ADR 0028): a generic pod cannot become it.
        specializable: (fn) =>
          !usesSecretVariables(fn.name) && (fn.layers ?? []).length === 0 && fn.image === undefined,
        port: o.workers.port,
        logger: ctx.logger,
        onClaim: createWarmPoolMetrics(ctx.registry, workerPods),
      })
    : undefined;
  const client = new HttpAgentClient({
    connectTimeoutMs: o.workers.connectTimeoutMs,
    // One byte over the limit is enough for the invoke route to answer "too large".
    maxResponseBytes: LIMITS.syncResponseMaxBytes + 1,
  });
  // A pod that leaves the pool gets its idle connections closed: its agent, if stopping,
  // exits once its gateways let go (ADR 0060).
  workerPods.index.onLeave((pod) => {
    client.forget(pod.ip, pod.port ?? o.workers.port);
  });
  const pool = new ClusterPool({
    pods: workerPods,
    stopPods: () => workerPods.stop(),
    client,
    port: o.workers.port,
    coldStartWaitMs: o.workers.coldStartWaitMs,
    busyWaitMs: o.workers.busyWaitMs,
    metrics: createClusterPoolMetrics(ctx.registry, () => workerPods.readyPerFunction()),
    demand,
    provisioning: provisioned,
    ...(warmPool === undefined ? {} : { warmPool }),
    // An image function's own lines for its Tail: its container's log (ADR 0028).
    imageTail: imageTailOf(kubePodLogApi(o.kubeConfig, o.namespace)),
    logger: ctx.logger,
  });
  ctx.lifecycle.add({ name: 'worker pool', stop: () => pool.close() });
  return { workerPods, pool, provisioned };
}

/** The cluster backend's factory, for `startGateway`. */
export function clusterBackend(o: ClusterBackendOptions): BackendFactory {
  return async (ctx: BackendContext): Promise<GatewayBackend> => {
    const {
      functions,
      versions,
      envSecrets,
      mappings,
      layers,
      provisioned,
      provisioning,
      usesSecretVariables,
    } = definitionStores(o, ctx);
    const {
      workerPods,
      pool,
      provisioned: floors,
    } = podPool(o, ctx, provisioning, usesSecretVariables);
    await Promise.all([
      envSecrets.start(),
      functions.start(),
      versions.start(),
      mappings.start(),
      layers.start(),
      workerPods.start(),
    ]);
    floors.sweep(provisioned.all(), (fn, alias) => versions.getAlias(fn, alias)?.functionVersion);
    // The routes hold uploads to Lambda's 50 MB; a zip from S3 may be as big as its contents.
    const code = new DiskCodeStore({ root: o.codeDir, maxZipBytes: LIMITS.unzippedMaxBytes });
    return {
      mode: 'cluster',
      functions,
      versions,
      code,
      codeSpoolDir: code.spoolDir,
      collectable: [code],
      mappings,
      provisioned,
      layers,
      pool,
      sealedEnvironments: envSecrets,
      // Read from the worker pods through the API server (ADR 0038): nothing stored.
      logs: new PodLogSource({ api: kubePodLogApi(o.kubeConfig, o.namespace) }),
      functionUrls: {
        store: new RedisUrlStore(ctx.redis, functionUrlKeys(ctx.redisPrefix)),
        endpoints: new HostEndpoints({ region: o.arnContext.region, ...o.functionUrls }),
      },
      runtimes: [...KNOWN_RUNTIMES],
      poolWaitMs: o.workers.coldStartWaitMs + o.workers.busyWaitMs,
      ...(o.authSecrets === true
        ? {
            accessKeys: (ring) =>
              followSecretKeys(
                {
                  kubeConfig: o.kubeConfig,
                  namespace: o.namespace,
                  accountId: o.arnContext.accountId,
                  logger: ctx.logger,
                  onStop: (stop) => {
                    ctx.lifecycle.add({ name: 'access keys', stop });
                  },
                },
                ring,
              ),
          }
        : {}),
    };
  };
}
