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
  readonly logger: KubeLogger;
  readonly syncTimeoutMs?: number;
}

const keyOf = (namespace: string | undefined, name: string | undefined): string | undefined =>
  namespace === undefined || name === undefined ? undefined : `${namespace}/${name}`;

/** The Function that controls an owned object (its controller owner reference), as a key. */
export function ownerKey(obj: KubernetesObject): string | undefined {
  const ref = obj.metadata?.ownerReferences?.find((r) => r.controller === true);
  if (ref?.kind !== 'Function' || !ref.apiVersion.startsWith('lamina.dev/')) return undefined;
  return keyOf(obj.metadata?.namespace, ref.name);
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
    for (const ev of ['add', 'update', 'delete'] as const) {
      o.functions.on(ev, (f) => {
        enqueue(keyOf(f.metadata.namespace, f.metadata.name));
      });
      o.deployments.on(ev, (d) => {
        enqueue(ownerKey(d));
      });
      o.secrets.on(ev, (s) => {
        enqueue(ownerKey(s));
      });
      o.versions.on(ev, (v) => {
        enqueue(keyOf(v.metadata.namespace, v.spec.functionName));
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
    this.o.queue.start();
  }

  /** Stops taking work, waits for in-flight reconciles, then stops the informers. */
  async stop(): Promise<void> {
    await this.o.queue.stop();
    await Promise.all(
      [this.o.functions, this.o.versions, this.o.deployments, this.o.secrets].map((i) => i.stop()),
    );
  }
}
