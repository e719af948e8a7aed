/**
 * The scaling loop (ADR 0017), run by the leader only: every tick it reads the reported demand,
 * adds one sample per function version, decides with `decideScale` and writes the replicas that
 * changed, with an Event on the Function or FunctionVersion and metrics. A `wake` (a gateway
 * holding a cold call) runs a tick at once.
 *
 * Invariants: ticks never overlap (a tick asked for while one runs follows it); a failed demand
 * read skips the tick, so nothing is scaled down on missing data; the account headroom is shared
 * out within a tick, so two versions never take the same free environments; replicas just
 * written count as current until the Deployment cache shows them (at most `settleMs`), so a
 * scale-up is neither repeated nor charged twice against the rate; `stop()` is idempotent and
 * waits for a running tick.
 */
import { type DemandCounts, NO_DEMAND, type Wake, encodeDemandTarget } from '@lamina/core';
import { type KubeLogger, realTimers, type Timers } from '@lamina/kube';

import type { EventSink } from '../kube/event-recorder.js';
import type { AutoscalerMetrics } from './autoscaler-metrics.js';
import {
  decideScale,
  type DemandSample,
  type PanicState,
  type ScaleDecision,
  type ScaleUp,
  type ScalingSettings,
} from './decide.js';
import type { DemandSource } from './demand-reader.js';
import type { ReplicaWriter } from './replica-writer.js';
import type { ScaleTarget } from './scale-targets.js';
import { ScalingObserver } from './scaling-observer.js';

export interface AutoscalerOptions {
  /** The versions that may be scaled, from the informer caches. */
  readonly targets: () => readonly ScaleTarget[];
  readonly demand: DemandSource;
  readonly replicas: ReplicaWriter;
  readonly events: EventSink;
  readonly metrics: AutoscalerMetrics;
  readonly settings: ScalingSettings;
  readonly tickMs: number;
  /** Environments the whole account may have. */
  readonly accountConcurrency: number;
  readonly logger: KubeLogger;
  /** How long written replicas win over a Deployment cache that has not caught up. */
  readonly settleMs?: number;
  readonly now?: () => number;
  readonly timers?: Timers;
}

interface VersionState {
  readonly samples: DemandSample[];
  panic: PanicState | undefined;
  written: { readonly replicas: number; readonly atMs: number } | undefined;
  readonly labels: { namespace: string; function: string; version: string };
}

export class Autoscaler {
  readonly name = 'autoscaler';
  private readonly now: () => number;
  private readonly timers: Timers;
  private readonly settleMs: number;
  private readonly states = new Map<string, VersionState>();
  /** Recent scale-ups per `namespace/function`: Lambda's rate is per function. */
  private readonly scaleUps = new Map<string, ScaleUp[]>();
  private readonly wakes = new Map<string, number>();
  private readonly observer: ScalingObserver;
  private timer: unknown;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private stopping: Promise<void> | undefined;

  constructor(private readonly o: AutoscalerOptions) {
    this.now = o.now ?? Date.now;
    this.timers = o.timers ?? realTimers;
    this.settleMs = o.settleMs ?? 10_000;
    this.observer = new ScalingObserver(o.metrics);
  }

  /** Runs a first tick at once, then one every `tickMs`. */
  start(): void {
    this.schedule(0);
  }

  /** A call is held with no environment: count it and decide now rather than at the next tick. */
  wake(w: Wake): void {
    if (this.stopped) return;
    const key = encodeDemandTarget(w.target);
    const { namespace, functionName, version } = w.target;
    this.observer.woken({ namespace, function: functionName, version });
    this.wakes.set(key, Math.max(this.wakes.get(key) ?? 0, w.waiting));
    this.schedule(0);
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped = true;
      if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
      this.timer = undefined;
      await this.running;
    })();
    return this.stopping;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      if (ms === 0) this.again = true;
      return;
    }
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.running = this.tick()
        .catch((err: unknown) => {
          this.o.logger.error({ err }, 'autoscaler tick failed');
        })
        .finally(() => {
          this.running = undefined;
          const soon = this.again;
          this.again = false;
          this.schedule(soon ? 0 : this.o.tickMs);
        });
    }, ms);
  }

  /** One pass over every version; exposed for tests. */
  async tick(): Promise<void> {
    let snapshot;
    try {
      snapshot = await this.o.demand.read();
    } catch (err) {
      this.o.metrics.errors.inc({ stage: 'read' });
      this.o.logger.warn({ err }, 'could not read demand; skipping this tick');
      return;
    }
    const now = this.now();
    const wakes = new Map(this.wakes);
    this.wakes.clear();
    const { settings } = this.o;
    const targets = this.o.targets().map((t) => ({ t, current: this.currentOf(t, now) }));
    let headroom = this.o.accountConcurrency - targets.reduce((n, x) => n + x.current, 0);
    const writes: Promise<void>[] = [];
    const seen = new Set<string>();

    for (const { t, current } of targets) {
      seen.add(t.key);
      const state = this.stateOf(t);
      const reported = snapshot.get(t.key);
      const woken = wakes.get(t.key);
      const counts: DemandCounts = {
        ...(reported?.counts ?? NO_DEMAND),
        waiting: Math.max(reported?.counts.waiting ?? 0, woken ?? 0),
      };
      state.samples.push({ ...counts, atMs: now });
      const from = state.samples.findIndex((s) => s.atMs > now - settings.stableWindowMs);
      state.samples.splice(0, from < 0 ? state.samples.length : from);
      const fnKey = `${t.target.namespace}/${t.target.functionName}`;
      const ups = (this.scaleUps.get(fnKey) ?? []).filter(
        (u) => u.atMs > now - settings.scaleUpPeriodMs,
      );
      this.scaleUps.set(fnKey, ups);
      const lastActive = woken === undefined ? reported?.lastActiveMs : now;

      const r = decideScale({
        samples: state.samples,
        current,
        ready: t.ready,
        provisioned: t.provisioned,
        reserved: t.reserved,
        accountHeadroom: Math.max(0, headroom),
        scaleUps: ups,
        lastActiveMs: lastActive,
        idleWindowMs: t.idleWindowMs,
        panic: state.panic,
        nowMs: now,
        settings,
      });
      state.panic = r.panic;
      headroom -= r.added;
      this.o.metrics.decisions.inc({ reason: r.reason });
      this.o.metrics.desired.set(state.labels, r.desired);
      this.o.metrics.ready.set(state.labels, t.ready);
      this.observer.observe(
        state.labels,
        { desired: r.desired, ready: t.ready, starting: t.starting ?? 0, counts },
        now,
      );
      if (r.desired === current) continue;
      const up = r.added > 0 ? { atMs: now, added: r.added } : undefined;
      if (up !== undefined) ups.push(up);
      writes.push(this.write(t, state, current, r, up, now));
    }
    for (const [key, state] of this.states) {
      if (seen.has(key)) continue;
      this.o.metrics.desired.remove(state.labels);
      this.o.metrics.ready.remove(state.labels);
      this.observer.forget(state.labels);
      this.states.delete(key);
    }
    await Promise.all(writes);
  }

  private currentOf(t: ScaleTarget, now: number): number {
    const w = this.states.get(t.key)?.written;
    if (w === undefined || w.replicas === t.current || now - w.atMs >= this.settleMs) {
      return t.current;
    }
    return w.replicas;
  }

  private stateOf(t: ScaleTarget): VersionState {
    let state = this.states.get(t.key);
    if (state === undefined) {
      const { namespace, functionName, version } = t.target;
      state = {
        samples: [],
        panic: undefined,
        written: undefined,
        labels: { namespace, function: functionName, version },
      };
      this.states.set(t.key, state);
    }
    return state;
  }

  private async write(
    t: ScaleTarget,
    state: VersionState,
    from: number,
    r: ScaleDecision,
    up: ScaleUp | undefined,
    now: number,
  ): Promise<void> {
    const direction = r.desired > from ? 'up' : 'down';
    try {
      await this.o.replicas.setReplicas(t.target.namespace, t.deploymentName, r.desired);
    } catch (err) {
      this.o.metrics.errors.inc({ stage: 'scale' });
      this.o.logger.warn({ err, deployment: t.deploymentName }, 'could not scale');
      const ups = this.scaleUps.get(`${t.target.namespace}/${t.target.functionName}`);
      const i = up === undefined || ups === undefined ? -1 : ups.indexOf(up);
      if (i >= 0) ups?.splice(i, 1);
      return;
    }
    state.written = { replicas: r.desired, atMs: now };
    if (r.desired > from) this.observer.started(state.labels, r.desired - from, now);
    this.o.metrics.scalings.inc({ direction, reason: r.reason });
    const { stableWindowMs, panicWindowMs } = this.o.settings;
    const d = r.demand;
    this.o.events.emit(
      t.owner,
      'Normal',
      direction === 'up' ? 'ScaledUp' : 'ScaledDown',
      `${t.deploymentName}: ${from} → ${r.desired} environments (${r.reason}; demand ${d.latest} ` +
        `now, ${d.stable.toFixed(1)} over ${stableWindowMs / 1000} s, ` +
        `${d.panic.toFixed(1)} over ${panicWindowMs / 1000} s)`,
    );
  }
}
