import { Counter, Gauge, type Registry } from 'prom-client';

export type PollerMetrics = ReturnType<typeof createMetrics>;

/** The poller's metrics on the process' one registry (never the global default). */
export function createMetrics(registry: Registry) {
  const registers = [registry];
  return {
    batches: new Counter({
      name: 'lamina_poller_batches_total',
      help: 'Invocations with a batch of records, by outcome.',
      labelNames: ['mapping', 'outcome'] as const,
      registers,
    }),
    records: new Counter({
      name: 'lamina_poller_records_total',
      help: 'Records processed successfully (committed after success).',
      labelNames: ['mapping'] as const,
      registers,
    }),
    errors: new Counter({
      name: 'lamina_poller_errors_total',
      help: 'Failed invocations and consumer errors, by kind.',
      labelNames: ['mapping', 'kind'] as const,
      registers,
    }),
    failureRecords: new Counter({
      name: 'lamina_poller_failure_destination_records_total',
      help: 'Records given up on and handed to the on-failure destination (or dropped: none).',
      labelNames: ['mapping', 'delivered'] as const,
      registers,
    }),
    offsetLag: new Gauge({
      name: 'lamina_poller_offset_lag',
      help: 'High watermark minus the next offset to process, per partition.',
      labelNames: ['mapping', 'partition'] as const,
      registers,
    }),
    iteratorAge: new Gauge({
      name: 'lamina_poller_iterator_age_seconds',
      help: 'Age of the last record processed, per partition.',
      labelNames: ['mapping', 'partition'] as const,
      registers,
    }),
  };
}
