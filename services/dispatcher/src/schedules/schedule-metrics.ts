/**
 * The scheduler runner's metrics: ticks fired, how late they were enqueued, ticks given up.
 * Labelled by the target function, never by schedule (names are unbounded).
 */
import { Counter, Histogram, type Registry } from 'prom-client';

export interface ScheduleMetrics {
  readonly ticks: Counter<'function'>;
  readonly lateness: Histogram<'function'>;
  readonly failures: Counter<'function'>;
}

export function createScheduleMetrics(registry: Registry): ScheduleMetrics {
  const registers = [registry];
  return {
    ticks: new Counter({
      name: 'lamina_scheduler_ticks_total',
      help: 'Schedule ticks enqueued as async invocations (once per tick across runners).',
      labelNames: ['function'],
      registers,
    }),
    lateness: new Histogram({
      name: 'lamina_scheduler_tick_lateness_seconds',
      help: 'Time from a tick to its async invocation being queued.',
      labelNames: ['function'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers,
    }),
    failures: new Counter({
      name: 'lamina_scheduler_tick_failures_total',
      help: "Ticks that could not be enqueued within the schedule's RetryPolicy.",
      labelNames: ['function'],
      registers,
    }),
  };
}
