import type { KubernetesObject, V1Deployment, V1Secret } from '@kubernetes/client-node';
import type {
  FunctionResource,
  FunctionVersionResource,
  KubeLogger,
  RestartingInformer,
  WorkQueue,
} from '@lamina/kube';

export interface ControllerOptions {
  readonly functions: RestartingInformer<FunctionResource>;
  readonly versions: RestartingInformer<FunctionVersionResource>;
  readonly deployments: RestartingInformer<V1Deployment>;
  readonly secrets: RestartingInformer<V1Secret>;
  readonly queue: WorkQueue;
  /** FunctionVersions are reconciled on a queue of their own. */
  readonly versionQueue: WorkQueue;
  readonly logger: KubeLogger;
  readonly syncTimeoutMs?: number;
}

const keyOf = (namespace: string | undefined, name: string | undefined): string | undefined =>
  namespace === undefined || name === undefined ? undefined : `${namespace}/${name}`;

/** The controlling lamina.dev owner of an object (Function or FunctionVersion) and its key. */
export function ownerKey(obj: KubernetesObject): { kind: string; key: string } | undefined {
  const ref = obj.metadata?.ownerReferences?.find((r) => r.controller === true);
  if (!ref?.apiVersion.startsWith('lamina.dev/')) return undefined;
  const key = keyOf(obj.metadata?.namespace, ref.name);
  return key === undefined ? undefined : { kind: ref.kind, key };
}

/**
 * Wires informers to the work queue: a Function event queues that Function; an event on an
 * owned Deployment or Secret queues its owner; a FunctionVersion event queues its Function
 * (latestVersion). Starts the informers, waits for their caches, then starts the queue.
 */
export class Controller {
  readonly name = 'controller';
  private started = false;

  constructor(private readonly o: ControllerOptions) {
    const enqueue = (key: string | undefined): void => {
      if (key !== undefined) o.queue.add(key);
    };
    const enqueueOwner = (obj: KubernetesObject): void => {
      const owner = ownerKey(obj);
      if (owner?.kind === 'Function') o.queue.add(owner.key);
      if (owner?.kind === 'FunctionVersion') o.versionQueue.add(owner.key);
    };
    for (const ev of ['add', 'update', 'delete'] as const) {
      o.functions.on(ev, (f) => {
        enqueue(keyOf(f.metadata.namespace, f.metadata.name));
        // Versions of a (re)created Function get it as their owner.
        for (const v of o.versions.list(f.metadata.namespace)) {
          if (v.spec.functionName === f.metadata.name) {
            const key = keyOf(v.metadata.namespace, v.metadata.name);
            if (key !== undefined) o.versionQueue.add(key);
          }
        }
      });
      o.deployments.on(ev, enqueueOwner);
      o.secrets.on(ev, enqueueOwner);
      o.versions.on(ev, (v) => {
        enqueue(keyOf(v.metadata.namespace, v.spec.functionName));
        const key = keyOf(v.metadata.namespace, v.metadata.name);
        if (key !== undefined) o.versionQueue.add(key);
      });
    }
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const informers = [this.o.functions, this.o.versions, this.o.deployments, this.o.secrets];
    // A first start may fail (e.g. CRDs not installed yet); the informer restarts itself.
    await Promise.all(informers.map((i) => i.start().catch(() => undefined)));
    await Promise.all(informers.map((i) => i.waitForSync(this.o.syncTimeoutMs ?? 120_000)));
    this.o.logger.info({ functions: this.o.functions.list().length }, 'caches synced; reconciling');
    // Level-based: everything in the cache is reconciled once after a (re)start.
    for (const f of this.o.functions.list()) {
      const key = keyOf(f.metadata.namespace, f.metadata.name);
      if (key !== undefined) this.o.queue.add(key);
    }
    for (const v of this.o.versions.list()) {
      const key = keyOf(v.metadata.namespace, v.metadata.name);
      if (key !== undefined) this.o.versionQueue.add(key);
    }
    this.o.queue.start();
    this.o.versionQueue.start();
  }

  /** Stops taking work, waits for in-flight reconciles, then stops the informers. */
  async stop(): Promise<void> {
    await Promise.all([this.o.queue.stop(), this.o.versionQueue.stop()]);
    await Promise.all(
      [this.o.functions, this.o.versions, this.o.deployments, this.o.secrets].map((i) => i.stop()),
    );
  }
}
