/**
 * What the scaling loop shows beyond its decisions (issue #15 item 7, ADR 0017): per version the
 * environments by state (`starting`: created, not ready; `busy`: ready and running a call, from
 * the reported calls in flight; `idle`: the rest of the ready ones), the demand signals as
 * reported, the environments the autoscaler started (cold starts of environments), the calls
 * held for an environment (wakes: cold calls), and how long an environment it asked for took to
 * turn ready (scheduling, image, code fetch and init at start), observed at tick resolution.
 *
 * Invariants: `starting + busy + idle` equals the version's pods that are not terminating; an
 * environment start is timed from the write that asked for it to the tick that first sees one
 * more ready environment, first asked first served; asked-for starts beyond what the version
 * still wants (a scale-down before they turned ready) are dropped, newest first, never timed;
 * `forget` removes every per-version series of a version that is gone.
 */
import type { DemandCounts } from '@lamina/core';

import type { AutoscalerMetrics } from './autoscaler-metrics.js';

export interface VersionLabels {
  readonly namespace: string;
  readonly function: string;
  readonly version: string;
}

/** A version as one tick saw it. */
export interface VersionView {
  /** Replicas the Deployment asks for (after this tick's write, if any). */
  readonly desired: number;
  readonly ready: number;
  /** Pods created and not ready yet. */
  readonly starting: number;
  readonly counts: DemandCounts;
}

const SIGNALS = ['inFlight', 'waiting', 'asyncDepth', 'kafkaLag'] as const;

export class ScalingObserver {
  /** Per version: when each asked-for, not yet ready environment was asked for, oldest first. */
  private readonly pending = new Map<string, { asked: number[]; lastReady: number }>();

  constructor(private readonly metrics: AutoscalerMetrics) {}

  /** The autoscaler wrote `added` more environments for the version at `atMs`. */
  started(labels: VersionLabels, added: number, atMs: number): void {
    if (added <= 0) return;
    this.metrics.environmentsStarted.inc(labels, added);
    const p = this.stateOf(labels);
    for (let i = 0; i < added; i++) p.asked.push(atMs);
  }

  /** A gateway holds a call for an environment of the version. */
  woken(labels: VersionLabels): void {
    this.metrics.coldCalls.inc(labels);
  }

  /** One tick's view of a version at `nowMs`. */
  observe(labels: VersionLabels, v: VersionView, nowMs: number): void {
    const busy = Math.min(v.ready, v.counts.inFlight);
    this.metrics.environments.set({ ...labels, state: 'starting' }, Math.max(0, v.starting));
    this.metrics.environments.set({ ...labels, state: 'busy' }, busy);
    this.metrics.environments.set({ ...labels, state: 'idle' }, v.ready - busy);
    for (const signal of SIGNALS) {
      this.metrics.demand.set({ ...labels, signal }, v.counts[signal]);
    }
    const p = this.stateOf(labels);
    const turnedReady = Math.max(0, v.ready - p.lastReady);
    p.lastReady = v.ready;
    for (const asked of p.asked.splice(0, turnedReady)) {
      this.metrics.environmentStart.observe(
        { namespace: labels.namespace, function: labels.function },
        Math.max(0, nowMs - asked) / 1000,
      );
    }
    // Asked-for starts the version no longer wants will never turn ready for it.
    const stillWanted = Math.max(0, v.desired - v.ready);
    if (p.asked.length > stillWanted) p.asked.length = stillWanted;
  }

  forget(labels: VersionLabels): void {
    this.pending.delete(keyOf(labels));
    for (const state of ['starting', 'busy', 'idle']) {
      this.metrics.environments.remove({ ...labels, state });
    }
    for (const signal of SIGNALS) this.metrics.demand.remove({ ...labels, signal });
    this.metrics.environmentsStarted.remove(labels);
    this.metrics.coldCalls.remove(labels);
  }

  private stateOf(labels: VersionLabels): { asked: number[]; lastReady: number } {
    const key = keyOf(labels);
    let p = this.pending.get(key);
    if (p === undefined) {
      p = { asked: [], lastReady: 0 };
      this.pending.set(key, p);
    }
    return p;
  }
}

const keyOf = (l: VersionLabels): string => `${l.namespace}/${l.function}/${l.version}`;
