import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The autoscaler's metrics (ADR 0017), on the operator's one registry: desired against ready
 * environments per version, every decision by its reason, and the failures that make it skip a
 * tick or a write; and what `ScalingObserver` records: environments by state and demand by
 * signal per version, environments started, calls held for one, and how long a start took.
 * Gauges of a version that is gone are removed by the loop.
 */
export interface AutoscalerMetrics {
  readonly desired: Gauge<'namespace' | 'function' | 'version'>;
  readonly ready: Gauge<'namespace' | 'function' | 'version'>;
  readonly decisions: Counter<'reason'>;
  readonly scalings: Counter<'direction' | 'reason'>;
  readonly errors: Counter<'stage'>;
  readonly environments: Gauge<'namespace' | 'function' | 'version' | 'state'>;
  readonly demand: Gauge<'namespace' | 'function' | 'version' | 'signal'>;
  readonly environmentsStarted: Counter<'namespace' | 'function' | 'version'>;
  readonly coldCalls: Counter<'namespace' | 'function' | 'version'>;
  readonly environmentStart: Histogram<'namespace' | 'function'>;
}

export function createAutoscalerMetrics(registry: Registry): AutoscalerMetrics {
  const version = ['namespace', 'function', 'version'] as const;
  return {
    desired: new Gauge({
      name: 'lamina_autoscaler_desired_environments',
      help: 'Execution environments the autoscaler asks for, per function version.',
      labelNames: version,
      registers: [registry],
    }),
    ready: new Gauge({
      name: 'lamina_autoscaler_ready_environments',
      help: 'Execution environments ready to serve, per function version.',
      labelNames: version,
      registers: [registry],
    }),
    decisions: new Counter({
      name: 'lamina_autoscaler_decisions_total',
      help: 'Per-version decisions by the rule that set the result (stable, panic, in-use, ...).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    scalings: new Counter({
      name: 'lamina_autoscaler_scalings_total',
      help: 'Replica changes written, by direction (up, down) and reason.',
      labelNames: ['direction', 'reason'],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'lamina_autoscaler_errors_total',
      help: 'Failures by stage: read (demand, tick skipped), scale (one write).',
      labelNames: ['stage'],
      registers: [registry],
    }),
    environments: new Gauge({
      name: 'lamina_autoscaler_environments',
      help: 'Environments per version by state: starting (not ready), busy (running a call), idle.',
      labelNames: [...version, 'state'],
      registers: [registry],
    }),
    demand: new Gauge({
      name: 'lamina_autoscaler_demand',
      help: 'Reported demand per version by signal (inFlight, waiting, asyncDepth, kafkaLag).',
      labelNames: [...version, 'signal'],
      registers: [registry],
    }),
    environmentsStarted: new Counter({
      name: 'lamina_autoscaler_environments_started_total',
      help: 'Environments the autoscaler asked for (cold starts of environments), per version.',
      labelNames: version,
      registers: [registry],
    }),
    coldCalls: new Counter({
      name: 'lamina_autoscaler_cold_calls_total',
      help: 'Calls a gateway held for an environment (wake signals), per version.',
      labelNames: version,
      registers: [registry],
    }),
    environmentStart: new Histogram({
      name: 'lamina_autoscaler_environment_start_seconds',
      help: 'From the scale-up that asked for an environment to it turning ready (init included).',
      labelNames: ['namespace', 'function'],
      buckets: [0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 60, 120],
      registers: [registry],
    }),
  };
}
