/**
 * The operator's warm pools (issue #15 item 3, ADR 0019): one generic pool Deployment per runtime
 * in use (a zip Function of that runtime) or configured (LAMINA_WARM_POOL_RUNTIMES), in every
 * namespace that has Functions, each of `size` generic pods. A pool whose runtime is no longer
 * used there is scaled to 0 (kept, so its pods' ReplicaSet history stays readable).
 *
 * Invariants: leader only (started after the caches synced); level-based — every run computes
 * the whole desired set from the Function cache and writes only Deployments whose spec hash
 * differs; runs never overlap, and a burst of Function events is one run; a failed write is
 * logged and retried after `retryMs`.
 */
import type { V1Deployment } from '@kubernetes/client-node';
import {
  type FunctionResource,
  type KubeLogger,
  POOL_GENERIC,
  POOL_LABEL,
  RUNTIME_LABEL,
} from '@lamina/kube';

import { ANNOTATIONS } from '../builders/deployment.js';
import { buildPoolDeployment } from '../builders/pool-deployment.js';
import type { WarmPoolConfig, WorkerConfig } from '../config.js';
import type { ClusterWriter } from '../kube/cluster-writer.js';

export interface WarmPoolsOptions {
  readonly functions: {
    list(namespace?: string): readonly FunctionResource[];
    on(event: 'add' | 'update' | 'delete', handler: (f: FunctionResource) => void): void;
  };
  readonly deployments: { list(namespace?: string): readonly V1Deployment[] };
  readonly writer: Pick<ClusterWriter, 'apply'>;
  readonly pool: WarmPoolConfig;
  readonly worker: WorkerConfig;
  readonly logger: KubeLogger;
  /** Coalesces a burst of Function events; default 200 ms. */
  readonly debounceMs?: number;
  readonly retryMs?: number;
}

export interface PoolTarget {
  readonly namespace: string;
  readonly runtime: string;
  readonly replicas: number;
}

/** The pools wanted: per namespace with Functions, its runtimes in use plus the configured. */
export function desiredPools(
  functions: readonly FunctionResource[],
  existing: readonly V1Deployment[],
  pool: WarmPoolConfig,
): PoolTarget[] {
  const wanted = new Map<string, PoolTarget>();
  const add = (namespace: string, runtime: string, replicas: number): void => {
    const key = `${namespace}\0${runtime}`;
    if (!wanted.has(key) || replicas > 0) wanted.set(key, { namespace, runtime, replicas });
  };
  for (const d of existing) {
    const namespace = d.metadata?.namespace;
    const runtime = d.metadata?.labels?.[RUNTIME_LABEL];
    if (namespace !== undefined && runtime !== undefined) add(namespace, runtime, 0);
  }
  for (const f of functions) {
    const namespace = f.metadata.namespace;
    if (namespace === undefined) continue;
    for (const r of pool.runtimes) add(namespace, r, pool.size);
    const { runtime, code } = f.spec;
    if (runtime !== undefined && code.sha256 !== undefined) add(namespace, runtime, pool.size);
  }
  return [...wanted.values()].sort((a, b) =>
    `${a.namespace}/${a.runtime}` < `${b.namespace}/${b.runtime}` ? -1 : 1,
  );
}

/** See the file comment. */
export class WarmPools {
  readonly name = 'warm pools';
  private readonly o: WarmPoolsOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(o: WarmPoolsOptions) {
    this.o = o;
    for (const ev of ['add', 'update', 'delete'] as const) {
      o.functions.on(ev, () => {
        this.schedule(o.debounceMs ?? 200);
      });
    }
  }

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass now (tests; `start` schedules them). */
  async sync(): Promise<void> {
    const pools = this.o.deployments
      .list()
      .filter((d) => d.metadata?.labels?.[POOL_LABEL] === POOL_GENERIC);
    const byKey = new Map(pools.map((d) => [`${d.metadata?.namespace}/${d.metadata?.name}`, d]));
    for (const t of desiredPools(this.o.functions.list(), pools, this.o.pool)) {
      const desired = buildPoolDeployment({ ...t, pool: this.o.pool, worker: this.o.worker });
      const key = `${t.namespace}/${desired.metadata?.name}`;
      const hash = desired.metadata?.annotations?.[ANNOTATIONS.specHash];
      if (byKey.get(key)?.metadata?.annotations?.[ANNOTATIONS.specHash] === hash) continue;
      await this.o.writer.apply(desired);
      this.o.logger.info(
        { namespace: t.namespace, runtime: t.runtime, replicas: t.replicas },
        'applied warm pool Deployment',
      );
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      let failed = false;
      this.running = this.sync()
        .catch((err: unknown) => {
          failed = true;
          this.o.logger.error({ err }, 'warm pools: apply failed; retrying');
        })
        .finally(() => {
          this.running = undefined;
          const again = this.again;
          this.again = false;
          if (failed) this.schedule(this.o.retryMs ?? 5000);
          else if (again) this.schedule(0);
        });
    }, delayMs);
    this.timer.unref();
  }
}
