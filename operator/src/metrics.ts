import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface OperatorMetrics {
  readonly reconciles: Counter<'kind' | 'result'>;
  readonly reconcileSeconds: Histogram<'kind'>;
  readonly leader: Gauge;
  readonly queueDepth: Gauge<'kind'>;
  readonly informerRestarts: Counter<'informer'>;
}

/** The operator's metrics, registered on the process's one registry. */
export function createMetrics(registry: Registry): OperatorMetrics {
  return {
    reconciles: new Counter({
      name: 'lamina_operator_reconciles_total',
      help: 'Reconciles by kind and result (ok, error).',
      labelNames: ['kind', 'result'],
      registers: [registry],
    }),
    reconcileSeconds: new Histogram({
      name: 'lamina_operator_reconcile_duration_seconds',
      help: 'Time of one reconcile.',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10],
      registers: [registry],
    }),
    leader: new Gauge({
      name: 'lamina_operator_leader',
      help: '1 while this replica holds the leader lease.',
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'lamina_operator_queue_depth',
      help: 'Objects waiting to be reconciled, by kind.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    informerRestarts: new Counter({
      name: 'lamina_operator_informer_restarts_total',
      help: 'Informer restarts after a watch error.',
      labelNames: ['informer'],
      registers: [registry],
    }),
  };
}
