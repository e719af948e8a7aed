import { describe, expect, it } from 'vitest';

import { SchedulerError } from './scheduler-errors.js';
import {
  assertTimeZone,
  dueTick,
  nextRun,
  parseScheduleExpression,
  type ScheduleTiming,
} from './schedule-expression.js';

const t = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();
const timing = (expr: string, extra: Partial<ScheduleTiming> = {}): ScheduleTiming => ({
  scheduleExpression: expr,
  creationDate: t('2025-12-01T00:00:00Z'),
  ...extra,
});
const next = (expr: string, after: string, extra: Partial<ScheduleTiming> = {}) =>
  iso(nextRun(timing(expr, extra), t(after)));

describe('cron expressions (UTC)', () => {
  it.each([
    ['cron(0 12 * * ? *)', '2026-01-01T00:00:00Z', '2026-01-01T12:00:00.000Z'],
    ['cron(0 12 * * ? *)', '2026-01-01T12:00:00Z', '2026-01-02T12:00:00.000Z'],
    ['cron(0/15 * * * ? *)', '2026-01-01T10:07:00Z', '2026-01-01T10:15:00.000Z'],
    ['cron(* * * * ? *)', '2026-01-01T10:07:30Z', '2026-01-01T10:08:00.000Z'],
    ['cron(0 8 ? * MON-FRI *)', '2026-01-03T00:00:00Z', '2026-01-05T08:00:00.000Z'],
    ['cron(0 10 ? * 6L 2026)', '2026-01-01T00:00:00Z', '2026-01-30T10:00:00.000Z'],
    ['cron(15 10 ? * 2#1 *)', '2026-01-01T00:00:00Z', '2026-01-05T10:15:00.000Z'],
    ['cron(0 0 L * ? *)', '2026-02-01T00:00:00Z', '2026-02-28T00:00:00.000Z'],
    ['cron(0 9 15W * ? *)', '2026-02-01T00:00:00Z', '2026-02-16T09:00:00.000Z'],
    ['cron(0 9 1W * ? *)', '2026-02-28T00:00:00Z', '2026-03-02T09:00:00.000Z'],
    ['cron(0 9 LW * ? *)', '2026-01-02T00:00:00Z', '2026-01-30T09:00:00.000Z'],
    ['cron(0 0 1 JAN ? 2027)', '2026-03-01T00:00:00Z', '2027-01-01T00:00:00.000Z'],
    ['cron(0 0 29 2 ? *)', '2026-03-01T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['cron(0 0 ? * L *)', '2026-01-01T00:00:00Z', '2026-01-03T00:00:00.000Z'],
  ])('%s after %s is %s', (expr, after, expected) => {
    expect(next(expr, after)).toBe(expected);
  });

  it('ends after the last year of the year field', () => {
    expect(next('cron(0 0 1 1 ? 2025)', '2026-01-01T00:00:00Z')).toBeUndefined();
  });
});

describe('time zones and DST', () => {
  const berlin = { scheduleExpressionTimezone: 'Europe/Berlin' };
  it('keeps the local time across the spring change (Europe/Berlin, 2026-03-29)', () => {
    expect(next('cron(0 9 * * ? *)', '2026-03-28T07:00:00Z', berlin)).toBe(
      '2026-03-28T08:00:00.000Z',
    );
    expect(next('cron(0 9 * * ? *)', '2026-03-28T09:00:00Z', berlin)).toBe(
      '2026-03-29T07:00:00.000Z',
    );
  });

  it('skips a local time the spring change removes', () => {
    expect(next('cron(30 2 * * ? *)', '2026-03-28T12:00:00Z', berlin)).toBe(
      '2026-03-30T00:30:00.000Z',
    );
  });

  it('runs a repeated local time once at the autumn change (2026-10-25)', () => {
    const first = next('cron(30 2 * * ? *)', '2026-10-24T12:00:00Z', berlin);
    expect(first).toBe('2026-10-25T00:30:00.000Z');
    expect(next('cron(30 2 * * ? *)', first ?? '', berlin)).toBe('2026-10-26T01:30:00.000Z');
  });

  it('follows America/New_York across 2026-03-08', () => {
    const ny = { scheduleExpressionTimezone: 'America/New_York' };
    expect(next('cron(0 12 * * ? *)', '2026-03-07T00:00:00Z', ny)).toBe('2026-03-07T17:00:00.000Z');
    expect(next('cron(0 12 * * ? *)', '2026-03-07T18:00:00Z', ny)).toBe('2026-03-08T16:00:00.000Z');
  });

  it('reads at() in the zone and runs it once', () => {
    expect(next('at(2026-06-01T10:00:00)', '2026-01-01T00:00:00Z', berlin)).toBe(
      '2026-06-01T08:00:00.000Z',
    );
    expect(next('at(2026-06-01T10:00:00)', '2026-06-01T08:00:00Z', berlin)).toBeUndefined();
    expect(next('at(2026-03-29T02:30:00)', '2026-01-01T00:00:00Z', berlin)).toBe(
      '2026-03-29T01:30:00.000Z',
    );
  });

  it('refuses unknown zones', () => {
    expect(() => {
      assertTimeZone('Mars/Olympus');
    }).toThrow(SchedulerError);
    assertTimeZone('Asia/Kolkata');
  });
});

describe('rate expressions and bounds', () => {
  const created = { creationDate: t('2026-01-01T00:00:00Z') };
  it('runs every period after creation', () => {
    expect(next('rate(5 minutes)', '2026-01-01T00:00:00Z', created)).toBe(
      '2026-01-01T00:05:00.000Z',
    );
    expect(next('rate(1 hour)', '2026-01-01T02:30:00Z', created)).toBe('2026-01-01T03:00:00.000Z');
  });

  it('starts at StartDate and stops after EndDate', () => {
    const bounded = {
      ...created,
      startDate: t('2026-02-01T00:00:00Z'),
      endDate: t('2026-02-01T00:10:00Z'),
    };
    expect(next('rate(10 minutes)', '2026-01-01T00:00:00Z', bounded)).toBe(
      '2026-02-01T00:00:00.000Z',
    );
    expect(next('rate(10 minutes)', '2026-02-01T00:00:00Z', bounded)).toBe(
      '2026-02-01T00:10:00.000Z',
    );
    expect(next('rate(10 minutes)', '2026-02-01T00:10:00Z', bounded)).toBeUndefined();
    expect(next('cron(0 0 * * ? *)', '2026-01-01T00:00:00Z', bounded)).toBe(
      '2026-02-01T00:00:00.000Z',
    );
  });
});

describe('due ticks', () => {
  const every = timing('cron(* * * * ? *)');
  it('answers the latest tick within the grace, never a burst', () => {
    expect(iso(dueTick(every, t('2026-01-01T10:00:30Z'), 60_000, 0))).toBe(
      '2026-01-01T10:00:00.000Z',
    );
    expect(iso(dueTick(every, t('2026-01-01T10:05:10Z'), 600_000, 0))).toBe(
      '2026-01-01T10:05:00.000Z',
    );
    expect(dueTick(every, t('2026-01-01T10:00:30Z'), 20_000, 0)).toBeUndefined();
  });

  it('ignores ticks before the last modification', () => {
    expect(
      dueTick(every, t('2026-01-01T10:00:30Z'), 60_000, t('2026-01-01T10:00:10Z')),
    ).toBeUndefined();
  });
});

describe('validation', () => {
  it.each([
    'cron(* * * * * *)',
    'cron(* * * * ?)',
    'cron(0 24 * * ? *)',
    'cron(0 0 ? * 2#6 *)',
    'cron(0 0 ? * FOO *)',
    'cron(5-1 * * * ? *)',
    'rate(0 minutes)',
    'rate(5 weeks)',
    'at(2026-02-30T00:00:00)',
    'at(2026-01-01 00:00:00)',
    'every(5 minutes)',
  ])('refuses %s', (expr) => {
    expect(() => parseScheduleExpression(expr)).toThrow(/Invalid Schedule Expression/);
  });

  it('accepts names, ranges, steps and lists', () => {
    expect(parseScheduleExpression('cron(0,30 8-17/2 ? JAN-MAR,DEC MON#2 2026-2030)').kind).toBe(
      'cron',
    );
    expect(parseScheduleExpression('rate(1 day)')).toEqual({ kind: 'rate', periodMs: 86_400_000 });
  });
});
