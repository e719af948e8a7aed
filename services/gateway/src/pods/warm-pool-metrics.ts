/**
 * The warm pool's metrics (issue #15 item 7, ADR 0019): claims by outcome per runtime (`hit`: a
 * generic pod was specialised for a cold call; `miss`: none was free; `failed`: the
 * specialisation failed) and worker pods by pool state, read from the pod watch at each scrape.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

import type { ClaimOutcome } from './warm-pool.js';

export interface PoolPodCounts {
  /** Ready generic pods per runtime. */
  readonly generics: { perRuntime(): ReadonlyMap<string, number> };
  /** Ready specialised pods (all versions). */
  specializedCount(): number;
}

/** Registers the metrics; returns the claim counter's `inc` for the warm pool's `onClaim`. */
export function createWarmPoolMetrics(
  registry: Registry,
  pods: PoolPodCounts,
): (outcome: ClaimOutcome, runtime: string) => void {
  const registers = [registry];
  const claims = new Counter({
    name: 'lamina_gateway_warm_pool_claims_total',
    help: 'Cold calls that tried the warm pool, by outcome (hit, miss, failed) and runtime.',
    labelNames: ['outcome', 'runtime'] as const,
    registers,
  });
  new Gauge({
    name: 'lamina_gateway_pool_pods',
    help: 'Ready pre-warmed worker pods as the gateway sees them, by state (generic, specialized).',
    labelNames: ['state', 'runtime'] as const,
    registers,
    collect() {
      this.reset();
      for (const [runtime, n] of pods.generics.perRuntime()) {
        this.set({ state: 'generic', runtime }, n);
      }
      this.set({ state: 'specialized', runtime: 'all' }, pods.specializedCount());
    },
  });
  return (outcome, runtime) => {
    claims.inc({ outcome, runtime });
  };
}
