/**
 * How many execution environments one function version should have (ADR 0017): Knative KPA's
 * two windows over the demand the gateways, dispatcher and poller report, with Lambda's limits.
 * Pure: same input, same decision; the loop keeps the samples, the panic state and the scale-up
 * history between calls.
 *
 * Invariants of the result, in the order they are applied (a later one wins):
 * - never fewer than the calls in flight or waiting in the latest sample (one environment per
 *   concurrent call; scaling down never takes a busy environment's place);
 * - zero only when no demand was seen for the idle window (one stays warm until then), and a
 *   version never called has none;
 * - at least the provisioned concurrency;
 * - at most the reserved concurrency and what the account has left;
 * - a scale-up adds no more than the function's rate allows (`scaleUpLimit` per `scaleUpPeriodMs`).
 */
import { type DemandCounts, demandTotal } from '@lamina/core';

export interface DemandSample extends DemandCounts {
  readonly atMs: number;
}

export interface ScalingSettings {
  /** Demand averaged over this long decides out of panic (KPA: 60 s). */
  readonly stableWindowMs: number;
  /** The short window that detects a burst (KPA: 6 s). */
  readonly panicWindowMs: number;
  /** Panic when the panic window's demand ≥ this × ready environments (KPA: 2). */
  readonly panicThreshold: number;
  /** New environments per function per period (Lambda: 1,000 per 10 s). */
  readonly scaleUpLimit: number;
  readonly scaleUpPeriodMs: number;
}

export const DEFAULT_SCALING: ScalingSettings = Object.freeze({
  stableWindowMs: 60_000,
  panicWindowMs: 6_000,
  panicThreshold: 2,
  scaleUpLimit: 1000,
  scaleUpPeriodMs: 10_000,
});

/** While panicking: when the threshold was last reached, and the most asked for since. */
export interface PanicState {
  readonly lastOverMs: number;
  readonly hold: number;
}

/** Environments added to the function (any of its versions) at a time. */
export interface ScaleUp {
  readonly atMs: number;
  readonly added: number;
}

export interface ScaleInput {
  /** This version's demand, oldest first; at least the stable window's worth when known. */
  readonly samples: readonly DemandSample[];
  /** Environments asked for now (the Deployment's replicas). */
  readonly current: number;
  /** Environments ready to serve. */
  readonly ready: number;
  /** Provisioned concurrency (0 when none). */
  readonly provisioned: number;
  /** The function's reserved concurrency; undefined when it has none. */
  readonly reserved: number | undefined;
  /** Environments the account allows beyond `current` (Infinity when unlimited). */
  readonly accountHeadroom: number;
  /** The function's recent scale-ups, any order. */
  readonly scaleUps: readonly ScaleUp[];
  /** When demand was last seen for this version; undefined if never. */
  readonly lastActiveMs: number | undefined;
  /** No demand for this long and the version goes to zero. */
  readonly idleWindowMs: number;
  readonly panic: PanicState | undefined;
  readonly nowMs: number;
  readonly settings: ScalingSettings;
}

export type ScaleReason =
  | 'stable'
  | 'panic'
  | 'in-use'
  | 'keep-warm'
  | 'idle'
  | 'provisioned'
  | 'reserved-limit'
  | 'account-limit'
  | 'rate-limit';

export const SCALE_REASONS: readonly ScaleReason[] = [
  'stable',
  'panic',
  'in-use',
  'keep-warm',
  'idle',
  'provisioned',
  'reserved-limit',
  'account-limit',
  'rate-limit',
];

export interface ScaleDecision {
  readonly desired: number;
  /** The rule that set `desired` last. */
  readonly reason: ScaleReason;
  /** Environments this decision adds (to record as a ScaleUp when acted on). */
  readonly added: number;
  /** The panic state to pass to the next decision. */
  readonly panic: PanicState | undefined;
  /** What it was decided from: latest demand, and the two windows' means. */
  readonly demand: { readonly latest: number; readonly stable: number; readonly panic: number };
}

/** Whole environments for a demand; tolerates float noise (2.0000001 → 2). */
const environmentsFor = (demand: number): number => Math.max(0, Math.ceil(demand - 1e-9));

function meanOver(samples: readonly DemandSample[], nowMs: number, windowMs: number): number {
  let sum = 0;
  let n = 0;
  for (const s of samples) {
    if (s.atMs > nowMs - windowMs && s.atMs <= nowMs) {
      sum += demandTotal(s);
      n += 1;
    }
  }
  return n === 0 ? 0 : sum / n;
}

/** The desired environments of one version, and why. */
export function decideScale(input: ScaleInput): ScaleDecision {
  const { settings: cfg, nowMs } = input;
  const stable = meanOver(input.samples, nowMs, cfg.stableWindowMs);
  const panicMean = meanOver(input.samples, nowMs, cfg.panicWindowMs);
  const latestSample = input.samples.findLast(
    (s) => s.atMs <= nowMs && s.atMs > nowMs - cfg.panicWindowMs,
  );
  const latest = latestSample === undefined ? 0 : demandTotal(latestSample);

  let panic = input.panic;
  if (panicMean > 0 && panicMean >= cfg.panicThreshold * Math.max(input.ready, 1)) {
    panic = { lastOverMs: nowMs, hold: panic?.hold ?? 0 };
  } else if (panic !== undefined && nowMs - panic.lastOverMs >= cfg.stableWindowMs) {
    panic = undefined;
  }

  let desired: number;
  let reason: ScaleReason;
  if (panic === undefined) {
    desired = environmentsFor(stable);
    reason = 'stable';
  } else {
    desired = Math.max(environmentsFor(panicMean), panic.hold);
    reason = 'panic';
  }
  if (latest > desired) {
    desired = latest;
    reason = 'in-use';
  }
  if (panic !== undefined) panic = { ...panic, hold: Math.max(panic.hold, desired) };

  if (desired === 0) {
    const warm =
      input.lastActiveMs !== undefined && nowMs - input.lastActiveMs < input.idleWindowMs;
    desired = warm ? 1 : 0;
    reason = warm ? 'keep-warm' : 'idle';
  }
  if (desired < input.provisioned) {
    desired = input.provisioned;
    reason = 'provisioned';
  }
  if (input.reserved !== undefined && desired > input.reserved) {
    desired = input.reserved;
    reason = 'reserved-limit';
  }
  const accountCap = input.current + Math.max(0, input.accountHeadroom);
  if (desired > accountCap) {
    desired = accountCap;
    reason = 'account-limit';
  }
  if (desired > input.current) {
    const since = nowMs - cfg.scaleUpPeriodMs;
    const used = input.scaleUps.reduce((n, u) => (u.atMs > since ? n + u.added : n), 0);
    const allowed = Math.max(0, cfg.scaleUpLimit - used);
    if (desired - input.current > allowed) {
      desired = input.current + allowed;
      reason = 'rate-limit';
    }
  }
  return {
    desired,
    reason,
    added: Math.max(0, desired - input.current),
    panic,
    demand: { latest, stable, panic: panicMean },
  };
}
