import type { InvocationResult } from '@lamina/core';
import { Counter, Histogram, Registry } from 'prom-client';

/** The worker agent's metrics (`GET /metrics`), in their own registry. */
export interface AgentMetrics {
  readonly registry: Registry;
  /** Invocations the agent ran (or tried to), by outcome. */
  readonly invocations: Counter<'outcome'>;
  /** Invocations refused before they ran, by refusal. */
  readonly refusals: Counter<'refusal'>;
  /** Handler duration as the execution environment measured it. */
  readonly duration: Histogram;
  readonly coldStarts: Counter;
}

/** Creates the agent's metrics in a new registry (one per agent; never the global one). */
export function createAgentMetrics(): AgentMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    invocations: new Counter({
      name: 'lamina_worker_invocations_total',
      help: 'Invocations run by this worker agent, by outcome (success, function_error, platform_error).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    refusals: new Counter({
      name: 'lamina_worker_refusals_total',
      help: 'Invocations this worker agent refused before running them (busy, draining, wrong-target).',
      labelNames: ['refusal'] as const,
      registers,
    }),
    duration: new Histogram({
      name: 'lamina_worker_invocation_duration_seconds',
      help: 'Handler duration as the execution environment measured it.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
      registers,
    }),
    coldStarts: new Counter({
      name: 'lamina_worker_cold_starts_total',
      help: 'Invocations that had to start the execution environment.',
      registers,
    }),
  };
}

/** Counts an invocation that ran: a result (function errors included). */
export function countResult(m: AgentMetrics | undefined, result: InvocationResult): void {
  if (m === undefined) return;
  m.invocations.inc({ outcome: result.functionError === undefined ? 'success' : 'function_error' });
  m.duration.observe(result.durationMs / 1000);
  if (result.coldStart) m.coldStarts.inc();
}
