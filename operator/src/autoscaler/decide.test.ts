import { NO_DEMAND } from '@lamina/core';
import { describe, expect, it } from 'vitest';

import {
  decideScale,
  DEFAULT_SCALING,
  type DemandSample,
  type ScaleDecision,
  type ScaleInput,
} from './decide.js';

const TICK = 2_000;
const T0 = 1_000_000;

/** Samples every tick up to `nowMs`, demand from `f(atMs)` as calls in flight. */
function history(nowMs: number, f: (atMs: number) => number, spanMs = 60_000): DemandSample[] {
  const out: DemandSample[] = [];
  for (let at = nowMs - spanMs + TICK; at <= nowMs; at += TICK) {
    out.push({ ...NO_DEMAND, atMs: at, inFlight: f(at) });
  }
  return out;
}

function input(over: Partial<ScaleInput> = {}): ScaleInput {
  return {
    samples: [],
    current: 0,
    ready: 0,
    provisioned: 0,
    reserved: undefined,
    accountHeadroom: Infinity,
    scaleUps: [],
    lastActiveMs: undefined,
    idleWindowMs: 600_000,
    panic: undefined,
    nowMs: T0,
    settings: DEFAULT_SCALING,
    ...over,
  };
}

/** Runs the decision every tick from `from` to `to`, feeding its state and replicas back. */
function run(
  from: number,
  to: number,
  demand: (atMs: number) => { inFlight?: number; waiting?: number },
  base: Partial<ScaleInput> = {},
): ScaleDecision[] {
  const samples: DemandSample[] = [];
  const out: ScaleDecision[] = [];
  let current = base.current ?? 0;
  let panic = base.panic;
  let lastActiveMs = base.lastActiveMs;
  for (let now = from; now <= to; now += TICK) {
    const d = { ...NO_DEMAND, ...demand(now), atMs: now };
    samples.push(d);
    if (d.inFlight + d.waiting > 0) lastActiveMs = now;
    const r = decideScale(
      input({ ...base, samples, current, ready: current, panic, lastActiveMs, nowMs: now }),
    );
    out.push(r);
    current = r.desired;
    panic = r.panic;
  }
  return out;
}

describe('decideScale', () => {
  it('a version never called has no environment', () => {
    expect(decideScale(input())).toMatchObject({ desired: 0, reason: 'idle', added: 0 });
  });

  it('a burst of 20 from zero gets 20 environments at once', () => {
    const samples = [...history(T0 - TICK, () => 0), { ...NO_DEMAND, atMs: T0, waiting: 20 }];
    const r = decideScale(input({ samples }));
    expect(r).toMatchObject({ desired: 20, added: 20 });
    expect(r.panic).toBeDefined();
  });

  it('the scale-up rate bounds a burst, counting the function’s recent scale-ups', () => {
    const samples = [{ ...NO_DEMAND, atMs: T0, waiting: 20 }];
    const settings = { ...DEFAULT_SCALING, scaleUpLimit: 12 };
    expect(decideScale(input({ samples, settings }))).toMatchObject({
      desired: 12,
      reason: 'rate-limit',
      added: 12,
    });
    const scaleUps = [
      { atMs: T0 - 3_000, added: 5 },
      { atMs: T0 - 10_000, added: 12 }, // left the period
    ];
    expect(decideScale(input({ samples, settings, scaleUps, current: 2 }))).toMatchObject({
      desired: 9,
      reason: 'rate-limit',
      added: 7,
    });
    const spent = [{ atMs: T0 - 1, added: 12 }];
    expect(decideScale(input({ samples, settings, scaleUps: spent, current: 4 }))).toMatchObject({
      desired: 4,
      reason: 'rate-limit',
      added: 0,
    });
  });

  it('reserved concurrency 5 caps a burst at 5', () => {
    const samples = [{ ...NO_DEMAND, atMs: T0, inFlight: 5, waiting: 15 }];
    expect(decideScale(input({ samples, reserved: 5 }))).toMatchObject({
      desired: 5,
      reason: 'reserved-limit',
    });
    expect(decideScale(input({ samples, reserved: 0 }))).toMatchObject({ desired: 0 });
  });

  it('the account headroom caps growth but never shrinks what runs', () => {
    const samples = [{ ...NO_DEMAND, atMs: T0, waiting: 20 }];
    expect(decideScale(input({ samples, current: 4, accountHeadroom: 3 }))).toMatchObject({
      desired: 7,
      reason: 'account-limit',
    });
    expect(decideScale(input({ samples, current: 4, accountHeadroom: 0 }))).toMatchObject({
      desired: 4,
      reason: 'account-limit',
    });
  });

  it('provisioned 2 is a floor with no demand, and demand above it still scales', () => {
    expect(decideScale(input({ provisioned: 2 }))).toMatchObject({
      desired: 2,
      reason: 'provisioned',
    });
    const samples = [{ ...NO_DEMAND, atMs: T0, inFlight: 6 }];
    expect(decideScale(input({ samples, provisioned: 2, current: 2, ready: 2 }))).toMatchObject({
      desired: 6,
    });
  });

  it('caps win over the floor', () => {
    expect(decideScale(input({ provisioned: 4, reserved: 3 }))).toMatchObject({
      desired: 3,
      reason: 'reserved-limit',
    });
  });

  it('keeps one environment warm until the idle window passes, then goes to zero', () => {
    const idleWindowMs = 120_000;
    const lastActiveMs = T0 - 119_000;
    expect(decideScale(input({ current: 1, ready: 1, lastActiveMs, idleWindowMs }))).toMatchObject({
      desired: 1,
      reason: 'keep-warm',
    });
    expect(
      decideScale(input({ current: 1, ready: 1, lastActiveMs, idleWindowMs, nowMs: T0 + 1_000 })),
    ).toMatchObject({ desired: 0, reason: 'idle' });
    expect(decideScale(input({ current: 1, lastActiveMs: T0, idleWindowMs: 0 }))).toMatchObject({
      desired: 0,
      reason: 'idle',
    });
  });

  it('follows the stable mean and never drops below the calls in flight', () => {
    const samples = history(T0, (at) => (at > T0 - 30_000 ? 4 : 0));
    const r = decideScale(input({ samples, current: 4, ready: 4, lastActiveMs: T0 }));
    expect(r).toMatchObject({ desired: 4, reason: 'in-use', panic: undefined });
    expect(r.demand.stable).toBe(2);

    const ended = [...samples.slice(0, -1), { ...NO_DEMAND, atMs: T0 }];
    expect(decideScale(input({ samples: ended, current: 4, ready: 4 }))).toMatchObject({
      desired: 2,
      reason: 'stable',
    });
  });

  it('panic holds the burst’s size until a stable window passes without a burst', () => {
    // 20 calls for 4 s, then nothing.
    const end = T0 + 80_000;
    const rs = run(T0, end, (at) => (at < T0 + 4_000 ? { waiting: 20 } : {}));
    const at = (ms: number): ScaleDecision => {
      const r = rs[(ms - T0) / TICK];
      if (r === undefined) throw new Error(`no decision at ${ms}`);
      return r;
    };
    expect(at(T0)).toMatchObject({ desired: 20 });
    expect(at(T0 + 10_000)).toMatchObject({ desired: 20, reason: 'panic' });
    expect(at(T0 + 58_000)).toMatchObject({ desired: 20, reason: 'panic' });
    // The threshold was reached only at T0 (then 20 were ready); panic ends 60 s later.
    const after = at(T0 + 60_000);
    expect(after.panic).toBeUndefined();
    expect(after.reason).not.toBe('panic');
    expect(after.desired).toBeLessThan(20);
    expect(at(end)).toMatchObject({ desired: 1, reason: 'keep-warm' });
  });

  it('a steady load matched by ready environments does not panic', () => {
    const rs = run(T0, T0 + 20_000, () => ({ inFlight: 3 }), { current: 3 });
    for (const r of rs) expect(r).toMatchObject({ desired: 3, panic: undefined });
  });

  it('a load doubling on ready environments enters panic and scales to it', () => {
    const samples = [
      ...history(T0 - 4_000, () => 2),
      { ...NO_DEMAND, atMs: T0 - 2_000, inFlight: 6 },
      { ...NO_DEMAND, atMs: T0, inFlight: 6 },
    ];
    const r = decideScale(input({ samples, current: 2, ready: 2, lastActiveMs: T0 }));
    expect(r.panic).toEqual({ lastOverMs: T0, hold: 6 });
    expect(r).toMatchObject({ desired: 6, added: 4 });
  });
});
