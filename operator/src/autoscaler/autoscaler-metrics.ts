import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * The autoscaler's metrics (ADR 0017), on the operator's one registry: desired against ready
 * environments per version, every decision by its reason, and the failures that make it skip a
 * tick or a write. Gauges of a version that is gone are removed by the loop.
 */
export interface AutoscalerMetrics {
  readonly desired: Gauge<'namespace' | 'function' | 'version'>;
  readonly ready: Gauge<'namespace' | 'function' | 'version'>;
  readonly decisions: Counter<'reason'>;
  readonly scalings: Counter<'direction' | 'reason'>;
  readonly errors: Counter<'stage'>;
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
  };
}
