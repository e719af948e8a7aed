import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The dispatcher's metrics, registered on the process' one Registry. */
export interface DispatcherMetrics {
  readonly received: Counter<'function'>;
  readonly eventAge: Histogram<'function'>;
  readonly completed: Counter<'function' | 'condition'>;
  readonly dropped: Counter<'function' | 'condition'>;
  readonly retried: Counter<'function' | 'reason'>;
  readonly deadLetterErrors: Counter<'function'>;
  readonly destinationFailures: Counter<'function' | 'destination'>;
  readonly queueDepth: Gauge<'function'>;
  readonly recalled: Counter<'function'>;
  readonly awaited: Counter<'function'>;
}

/** `depth` is read on each scrape (events waiting, delayed or running, per function). */
export function createMetrics(
  registry: Registry,
  depth?: () => Promise<ReadonlyMap<string, number>>,
): DispatcherMetrics {
  const registers = [registry];
  return {
    received: new Counter({
      name: 'lamina_async_events_received_total',
      help: 'Async events picked up for the first time.',
      labelNames: ['function'],
      registers,
    }),
    eventAge: new Histogram({
      name: 'lamina_async_event_age_seconds',
      help: 'Age of an async event when an attempt starts (AsyncEventAge).',
      labelNames: ['function'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60, 300, 1800, 3600, 21_600],
      registers,
    }),
    completed: new Counter({
      name: 'lamina_async_events_completed_total',
      help: 'Async events finished, by condition (Success, RetriesExhausted, EventAgeExceeded).',
      labelNames: ['function', 'condition'],
      registers,
    }),
    dropped: new Counter({
      name: 'lamina_async_events_dropped_total',
      help: 'Async events given up on (AsyncEventsDropped), by condition.',
      labelNames: ['function', 'condition'],
      registers,
    }),
    retried: new Counter({
      name: 'lamina_async_retries_total',
      help: 'Async attempts scheduled again, by reason (function error, throttle/system error).',
      labelNames: ['function', 'reason'],
      registers,
    }),
    deadLetterErrors: new Counter({
      name: 'lamina_async_dead_letter_errors_total',
      help: 'Dead-letter messages that could not be sent (DeadLetterErrors).',
      labelNames: ['function'],
      registers,
    }),
    destinationFailures: new Counter({
      name: 'lamina_async_destination_delivery_failures_total',
      help: 'Records that could not be sent to a destination (DestinationDeliveryFailures).',
      labelNames: ['function', 'destination'],
      registers,
    }),
    recalled: new Counter({
      name: 'lamina_async_runs_recalled_total',
      help: 'Attempts not run again: a dead dispatcher had run them to the end (run records).',
      labelNames: ['function'],
      registers,
    }),
    awaited: new Counter({
      name: 'lamina_async_runs_awaited_total',
      help: 'Pickups that found their attempt still running in the gateway and waited for its outcome.',
      labelNames: ['function'],
      registers,
    }),
    queueDepth: new Gauge({
      name: 'lamina_async_queue_depth',
      help: 'Async events waiting, delayed or running, per function (sampled).',
      labelNames: ['function'],
      registers,
      async collect() {
        if (depth === undefined) return;
        const counts = await depth();
        this.reset();
        for (const [fn, n] of counts) this.labels(fn).set(n);
      },
    }),
  };
}
