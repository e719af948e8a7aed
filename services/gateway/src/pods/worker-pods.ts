import { CoreV1Api, type KubeConfig, makeInformer, type V1Pod } from '@kubernetes/client-node';
import {
  type KubeLogger,
  LABELS,
  PROVISIONED_INITIALIZATION,
  POOL_GENERIC,
  POOL_LABEL,
  POOL_SPECIALIZED,
  RestartingInformer,
  SPECIALIZED_ANNOTATIONS,
  versionOfSlug,
  WORKER_CONTAINER,
  WORKER_ENV,
  WORKER_POD_SELECTOR,
  WORKER_PORT_NAME,
} from '@lamina/kube';

import { GenericPodIndex, genericPodOf, isSpent, restartsOf } from './generic-pods.js';

/** A worker pod that can take an invocation: Ready, with an IP, not being deleted. */
export interface WorkerPod {
  readonly name: string;
  readonly ip: string;
  /** The agent's port from the pod spec (container port `http`); absent: the configured one. */
  readonly port: number | undefined;
  readonly functionName: string;
  /** `$LATEST` or a version number, as FunctionVersionConfig spells it. */
  readonly version: string;
  /** Hex SHA-256 of the code the pod runs (LAMINA_CODE_SHA256); absent for image functions. */
  readonly codeSha256Hex: string | undefined;
  /** One of its version's provisioned environments (LAMINA_INITIALIZATION_TYPE). */
  readonly provisioned?: boolean;
  /** A generic pod specialised for this version (ADR 0019); regular pods are preferred. */
  readonly specialized?: boolean;
  /** Ready by its agent's word, not yet the kubelet's (agent-readiness.ts). */
  readonly early?: boolean;
}

/** The function version a worker pod runs, read as `workerPodOf` reads it; any pod state. */
export function podTarget(
  pod: V1Pod,
):
  | { functionName: string; version: string; env: ReadonlyMap<string, string | undefined> }
  | undefined {
  const container =
    pod.spec?.containers.find((c) => c.name === WORKER_CONTAINER) ?? pod.spec?.containers[0];
  const env = new Map((container?.env ?? []).map((e) => [e.name, e.value]));
  const labels = pod.metadata?.labels ?? {};
  const functionName = env.get(WORKER_ENV.functionName) ?? labels[LABELS.function];
  const version = env.get(WORKER_ENV.version) ?? versionOfSlug(labels[LABELS.version]);
  return functionName === undefined || version === undefined
    ? undefined
    : { functionName, version, env };
}

/**
 * What the pool needs of a pod, or undefined when the pod cannot take invocations. The
 * function and version come from the agent's own environment (exact, where a label value
 * may be shortened to 63 characters), falling back to the labels. `readyOrNot`: whatever its
 * Ready condition says (a starting pod whose agent is asked directly, agent-readiness.ts).
 */
export function workerPodOf(pod: V1Pod, readyOrNot = false): WorkerPod | undefined {
  const { metadata, spec, status } = pod;
  const name = metadata?.name;
  const ip = status?.podIP;
  if (name === undefined || ip === undefined || ip === '') return undefined;
  if (metadata?.deletionTimestamp !== undefined) return undefined;
  const ready = status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  if (ready !== true && !readyOrNot) return undefined;
  const container =
    spec?.containers.find((c) => c.name === WORKER_CONTAINER) ?? spec?.containers[0];
  const labels = metadata?.labels ?? {};
  const pool = labels[POOL_LABEL];
  if (pool === POOL_GENERIC) return undefined;
  if (pool === POOL_SPECIALIZED) {
    // Its environment is the generic pod's: the version is in the annotations it was given.
    const a = metadata?.annotations ?? {};
    const fn = a[SPECIALIZED_ANNOTATIONS.functionName];
    const v = a[SPECIALIZED_ANNOTATIONS.version];
    if (fn === undefined || v === undefined) return undefined;
    // A restarted container is generic again: it no longer serves the version.
    if (restartsOf(pod) > Number(a[SPECIALIZED_ANNOTATIONS.restarts] ?? '0')) return undefined;
    const port = container?.ports?.find((p) => p.name === WORKER_PORT_NAME)?.containerPort;
    const hex = a[SPECIALIZED_ANNOTATIONS.codeSha256];
    return { name, ip, port, functionName: fn, version: v, codeSha256Hex: hex, specialized: true };
  }
  const target = podTarget(pod);
  if (target === undefined) return undefined;
  const { functionName, version, env } = target;
  const sha = env.get(WORKER_ENV.codeSha256);
  const port = container?.ports?.find((p) => p.name === WORKER_PORT_NAME)?.containerPort;
  return {
    name,
    ip,
    port,
    functionName,
    version,
    codeSha256Hex: sha === undefined || sha === '' ? undefined : sha.toLowerCase(),
    ...(env.get(WORKER_ENV.initializationType) === PROVISIONED_INITIALIZATION
      ? { provisioned: true }
      : {}),
  };
}

/** The ready pods per function version, and a signal when they change. */
export interface WorkerPodSource {
  /** Ready pods of one function version, in name order. */
  ready(functionName: string, version: string): readonly WorkerPod[];
  /** Called after every change; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

const keyOf = (functionName: string, version: string): string => `${functionName}\0${version}`;

/**
 * The in-memory index of ready worker pods, keyed by pod name and grouped by function
 * version. The watch feeds it; unit tests feed it directly.
 */
export class WorkerPodIndex implements WorkerPodSource {
  private readonly byName = new Map<string, WorkerPod>();
  private readonly byTarget = new Map<string, Map<string, WorkerPod>>();
  private readonly listeners = new Set<() => void>();
  private readonly leaving = new Set<(pod: WorkerPod) => void>();

  ready(functionName: string, version: string): readonly WorkerPod[] {
    const pods = this.byTarget.get(keyOf(functionName, version));
    if (pods === undefined) return [];
    return [...pods.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Called with each pod that leaves the index (not ready, terminating, gone) or whose address
   * changed, after the change; returns the unsubscribe function.
   */
  onLeave(listener: (pod: WorkerPod) => void): () => void {
    this.leaving.add(listener);
    return () => {
      this.leaving.delete(listener);
    };
  }

  /** Adds, replaces or (when `pod` is undefined: not ready) removes the pod `name`. */
  set(name: string, pod: WorkerPod | undefined): void {
    const old = this.byName.get(name);
    this.drop(name);
    if (pod !== undefined) this.put(pod);
    this.changed();
    if (old !== undefined && !sameAddress(old, pod)) this.left([old]);
  }

  /** Replaces the whole index (a relist). */
  replaceAll(pods: readonly WorkerPod[]): void {
    const before = [...this.byName.values()];
    this.byName.clear();
    this.byTarget.clear();
    for (const pod of pods) this.put(pod);
    this.changed();
    this.left(before.filter((old) => !sameAddress(old, this.byName.get(old.name))));
  }

  /** Number of ready pods in the index. */
  get size(): number {
    return this.byName.size;
  }

  /** Ready pods per function name, all versions together (the gateway's gauge). */
  readyPerFunction(): ReadonlyMap<string, number> {
    const counts = new Map<string, number>();
    for (const pod of this.byName.values()) {
      counts.set(pod.functionName, (counts.get(pod.functionName) ?? 0) + 1);
    }
    return counts;
  }

  /** Ready specialised generic pods (ADR 0019). */
  specializedCount(): number {
    let n = 0;
    for (const pod of this.byName.values()) if (pod.specialized === true) n++;
    return n;
  }

  /** Names of the specialised pods serving a function (one version, or all when absent). */
  specializedOf(functionName: string, version?: string): string[] {
    return [...this.byName.values()]
      .filter(
        (p) =>
          p.specialized === true &&
          p.functionName === functionName &&
          (version === undefined || p.version === version),
      )
      .map((p) => p.name);
  }

  private put(pod: WorkerPod): void {
    this.byName.set(pod.name, pod);
    const key = keyOf(pod.functionName, pod.version);
    let group = this.byTarget.get(key);
    if (group === undefined) {
      group = new Map();
      this.byTarget.set(key, group);
    }
    group.set(pod.name, pod);
  }

  private drop(name: string): void {
    const old = this.byName.get(name);
    if (old === undefined) return;
    this.byName.delete(name);
    const key = keyOf(old.functionName, old.version);
    const group = this.byTarget.get(key);
    group?.delete(name);
    if (group?.size === 0) this.byTarget.delete(key);
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private left(pods: readonly WorkerPod[]): void {
    for (const pod of pods) for (const listener of [...this.leaving]) listener(pod);
  }
}

const sameAddress = (a: WorkerPod, b: WorkerPod | undefined): boolean =>
  a.ip === b?.ip && a.port === b.port;

/** A restarting client-node informer on the worker pods of one namespace. */
export function workerPodInformer(
  kc: KubeConfig,
  namespace: string,
  logger: KubeLogger,
): RestartingInformer<V1Pod> {
  const core = kc.makeApiClient(CoreV1Api);
  return new RestartingInformer<V1Pod>({
    name: 'gateway-worker-pods',
    informer: makeInformer<V1Pod>(
      kc,
      `/api/v1/namespaces/${namespace}/pods`,
      () => core.listNamespacedPod({ namespace, labelSelector: WORKER_POD_SELECTOR }),
      WORKER_POD_SELECTOR,
    ),
    logger,
  });
}

/** Readiness confirmed by a starting pod's own agent (agent-readiness.ts). */
export interface EarlyReadiness {
  /** Told of every pod the watch sees; returns it as ready when its agent confirmed it. */
  seen(pod: V1Pod): WorkerPod | undefined;
  gone(name: string): void;
  stop(): void;
}

/** The narrow informer surface the watch uses (RestartingInformer; a fake in tests). */
export interface PodInformer {
  on(event: 'add' | 'update' | 'delete', handler: (pod: V1Pod) => void): void;
  start(): Promise<void>;
  waitForSync(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
  list(): readonly V1Pod[];
}

/**
 * The gateway's view of the worker pods in its namespace: an informer on the pods the
 * operator runs, kept as the ready pods per function version (`WorkerPodIndex`). Also usable
 * on its own, e.g. by a test waiting for a function's pods: `new WorkerPodWatch({ informer:
 * workerPodInformer(kc, ns, logger) })`, `start()`, then `ready(fn, version)`.
 */
export class WorkerPodWatch implements WorkerPodSource {
  readonly index = new WorkerPodIndex();
  /** Ready generic pods per runtime (ADR 0019), for the warm pool to claim. */
  readonly generics = new GenericPodIndex();
  private readonly informer: PodInformer;
  private readonly onSpent: ((name: string) => void) | undefined;
  private readonly early: EarlyReadiness | undefined;
  private stopping: Promise<void> | undefined;

  private readonly syncTimeoutMs: number;

  constructor(o: {
    readonly informer: PodInformer;
    readonly syncTimeoutMs?: number;
    /** Told about each specialised pod that can no longer serve (the reaper deletes it). */
    readonly onSpent?: (name: string) => void;
    /** Pods whose agent says ready before the kubelet does join the index at once. */
    readonly early?: EarlyReadiness;
  }) {
    this.informer = o.informer;
    this.early = o.early;
    this.onSpent = o.onSpent;
    this.syncTimeoutMs = o.syncTimeoutMs ?? 60_000;
    const upsert = (pod: V1Pod): void => {
      const name = pod.metadata?.name;
      if (name === undefined) return;
      this.generics.set(name, genericPodOf(pod));
      const confirmed = this.early?.seen(pod);
      this.index.set(name, workerPodOf(pod) ?? confirmed);
      if (isSpent(pod)) this.onSpent?.(name);
    };
    this.informer.on('add', upsert);
    this.informer.on('update', upsert);
    this.informer.on('delete', (pod) => {
      const name = pod.metadata?.name;
      if (name === undefined) return;
      this.generics.set(name, undefined);
      this.index.set(name, undefined);
      this.early?.gone(name);
    });
  }

  /** Lists the pods and starts watching; resolves once the index holds the first list. */
  async start(): Promise<void> {
    // A failed first list is retried by the informer; wait for one that worked (bounded).
    await this.informer.start().catch(() => undefined);
    await this.informer.waitForSync(this.syncTimeoutMs);
    // Events of the first list arrive through the handlers too; this makes the index exact
    // at once (a relist after a restart is reconciled by the informer's own events).
    const listed = this.informer.list();
    this.generics.replaceAll(
      listed.flatMap((pod) => {
        const g = genericPodOf(pod);
        return g === undefined ? [] : [g];
      }),
    );
    for (const pod of listed) {
      if (isSpent(pod) && pod.metadata?.name !== undefined) this.onSpent?.(pod.metadata.name);
    }
    this.index.replaceAll(
      listed.flatMap((pod) => {
        const p = workerPodOf(pod);
        return p === undefined ? [] : [p];
      }),
    );
  }

  ready(functionName: string, version: string): readonly WorkerPod[] {
    return this.index.ready(functionName, version);
  }

  onChange(listener: () => void): () => void {
    return this.index.onChange(listener);
  }

  readyPerFunction(): ReadonlyMap<string, number> {
    return this.index.readyPerFunction();
  }

  /** Every worker pod the watch sees, ready or not (why a version's pods do not start). */
  all(): readonly V1Pod[] {
    return this.informer.list();
  }

  specializedCount(): number {
    return this.index.specializedCount();
  }

  specializedOf(functionName: string, version?: string): string[] {
    return this.index.specializedOf(functionName, version);
  }

  /** Stops the informer; idempotent. */
  stop(): Promise<void> {
    this.early?.stop();
    this.stopping ??= this.informer.stop();
    return this.stopping;
  }
}
