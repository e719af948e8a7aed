/**
 * `FlexibleTimeWindow: {Mode: FLEXIBLE, MaximumWindowInMinutes}`: Scheduler may run each tick
 * anywhere in the window after it. Lamina fires tick `t` at `t + offset(t)`, the offset a hash of
 * the schedule's group, name and the tick, spread over [0, window).
 *
 * Invariants: pure (node:crypto only) and deterministic, so every runner computes the same
 * firing time for a tick and the per-tick claim (ADR 0022) still gives exactly one invocation;
 * a tick is due once its firing time has come and within `graceMs` of it, never before `t`
 * (the offset is in [0, window)); with Mode OFF the offset is 0 and this is `dueTick`.
 */
import { createHash } from 'node:crypto';

import {
  dueTick,
  nextRun,
  parseScheduleExpression,
  type ScheduleTiming,
} from './schedule-expression.js';

export interface WindowedSchedule extends ScheduleTiming {
  readonly name: string;
  readonly groupName: string;
  readonly flexibleTimeWindow: {
    readonly mode: 'OFF' | 'FLEXIBLE';
    readonly maximumWindowInMinutes?: number;
  };
}

/** A tick and when it fires (`fireAt` ≥ `tick`). */
export interface Firing {
  readonly tick: number;
  readonly fireAt: number;
}

/** Bounds the scan of a long window over a short period (24 h of 1-minute ticks is 1440). */
const MAX_TICKS_SCANNED = 5000;

const windowMs = (s: WindowedSchedule): number =>
  s.flexibleTimeWindow.mode === 'FLEXIBLE'
    ? (s.flexibleTimeWindow.maximumWindowInMinutes ?? 0) * 60_000
    : 0;

/** The tick's offset in the window, in ms: the same on every runner. */
export function flexibleOffsetMs(s: WindowedSchedule, tick: number): number {
  const w = windowMs(s);
  if (w <= 0) return 0;
  const h = createHash('sha256')
    .update(`${s.groupName}/${s.name}|${String(tick)}`)
    .digest();
  // 48 bits of the hash as a fraction of the window.
  return Math.floor((h.readUIntBE(0, 6) / 2 ** 48) * w);
}

/**
 * The ticks to fire at `now`, in firing order: with Mode OFF the latest tick in
 * (max(now − grace, notBefore), now] (`dueTick`); with FLEXIBLE every tick after `notBefore`
 * whose firing time is in (now − grace, now] — offsets may reorder ticks when the window is
 * longer than the period, so "the latest" would skip some.
 */
export function dueFirings(
  s: WindowedSchedule,
  now: number,
  graceMs: number,
  notBefore: number,
): Firing[] {
  const w = windowMs(s);
  if (w <= 0) {
    const tick = dueTick(s, now, graceMs, notBefore);
    return tick === undefined ? [] : [{ tick, fireAt: tick }];
  }
  const parsed = parseScheduleExpression(s.scheduleExpression);
  const due: Firing[] = [];
  let tick = nextRun(s, Math.max(now - graceMs - w, notBefore), parsed);
  for (let i = 0; tick !== undefined && tick <= now && i < MAX_TICKS_SCANNED; i += 1) {
    const fireAt = tick + flexibleOffsetMs(s, tick);
    if (fireAt <= now && fireAt > now - graceMs) due.push({ tick, fireAt });
    tick = nextRun(s, tick, parsed);
  }
  return due.sort(byFiring);
}

/** Firing order: by firing time, then tick. */
export const byFiring = (a: Firing, b: Firing): number => a.fireAt - b.fireAt || a.tick - b.tick;
