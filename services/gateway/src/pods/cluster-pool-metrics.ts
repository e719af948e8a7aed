import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** How a wait for a worker pod ended. */
export type PoolWaitOutcome = 'served' | 'cold_start_timeout' | 'busy_timeout';

/** Cluster mode's pod choice (ADR 0012): waits, refusals, unreachable pods, ready pods. */
export interface ClusterPoolMetrics {
  /** Waits for a pod that ended: a pod was picked, or the cold-start or busy wait ran out. */
  readonly waits: Counter<'outcome'>;
  /** Time an invocation waited before a pod was picked (only invocations that waited). */
  readonly waitDuration: Histogram;
  /** Agent refusals (the invocation did not run; another pod is tried). */
  readonly refusals: Counter<'refusal'>;
  /** Pods whose connection never opened (the invocation did not run; another pod is tried). */
  readonly unreachable: Counter;
}

/**
 * Creates the pool's metrics in the given registry. `readyPods` (function name → ready worker
 * pods, all versions) is read at each scrape; the gauge is labelled by function only.
 */
export function createClusterPoolMetrics(
  registry: Registry,
  readyPods: () => ReadonlyMap<string, number>,
): ClusterPoolMetrics {
  const registers = [registry];
  new Gauge({
    name: 'lamina_gateway_ready_worker_pods',
    help: 'Ready worker pods per function, as the gateway sees them.',
    labelNames: ['function'] as const,
    registers,
    collect() {
      // Functions without pods disappear instead of staying at their last value.
      this.reset();
      for (const [fn, n] of readyPods()) this.set({ function: fn }, n);
    },
  });
  return {
    waits: new Counter({
      name: 'lamina_gateway_worker_waits_total',
      help: 'Waits for a worker pod that ended, by outcome (served, cold_start_timeout, busy_timeout).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    waitDuration: new Histogram({
      name: 'lamina_gateway_worker_wait_seconds',
      help: 'Time an invocation waited for a worker pod before one was picked.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    refusals: new Counter({
      name: 'lamina_gateway_worker_refusals_total',
      help: 'Invocations a worker agent refused (busy, draining, wrong-target); tried elsewhere.',
      labelNames: ['refusal'] as const,
      registers,
    }),
    unreachable: new Counter({
      name: 'lamina_gateway_worker_unreachable_total',
      help: 'Worker pods whose connection never opened; the invocation did not run and was retried.',
      registers,
    }),
  };
}

/** A wait that ended with a pod picked after `waitedMs`. */
export function countServedWait(metrics: ClusterPoolMetrics | undefined, waitedMs: number): void {
  metrics?.waits.inc({ outcome: 'served' });
  metrics?.waitDuration.observe(waitedMs / 1000);
}
