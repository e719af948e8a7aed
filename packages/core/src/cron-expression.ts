/**
 * AWS's six-field cron (`minutes hours day-of-month month day-of-week year`) as EventBridge
 * Scheduler reads it: `, - * /` everywhere, `?` in exactly one of the two day fields, `L` and `W`
 * in day-of-month (`L`, `LW`, `15W`), `L` and `#` in day-of-week (`L`, `6L`, `2#1`), names for
 * months (JAN–DEC) and weekdays (SUN–SAT, 1 = Sunday), years 1970–2199.
 *
 * Invariants: pure; `nextCron` returns the first instant strictly after `after` whose wall clock
 * in the zone matches; a local time a DST change skips is not run, one it repeats runs once (the
 * earlier instant), as Scheduler documents; no match before the year 2200 is `undefined`.
 */
import { schedulerValidation } from './scheduler-errors.js';
import { instantsOf, localTimeOf } from './time-zone.js';

type DayOfMonth =
  | { readonly kind: 'any' }
  | { readonly kind: 'values'; readonly set: ReadonlySet<number> }
  | { readonly kind: 'last' }
  | { readonly kind: 'nearest-weekday'; readonly day: number }
  | { readonly kind: 'last-weekday' };

type DayOfWeek =
  | { readonly kind: 'any' }
  | { readonly kind: 'values'; readonly set: ReadonlySet<number> }
  | { readonly kind: 'last-of'; readonly day: number }
  | { readonly kind: 'nth'; readonly day: number; readonly n: number };

export interface CronSpec {
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly dayOfMonth: DayOfMonth;
  readonly months: ReadonlySet<number>;
  readonly dayOfWeek: DayOfWeek;
  readonly years: ReadonlySet<number> | undefined;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
export const CRON_YEARS = { min: 1970, max: 2199 } as const;

const invalid = (expr: string): Error =>
  schedulerValidation(`Invalid Schedule Expression ${expr}.`);

interface Range {
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

/** One value: a number in range or a name (1-based position in `names`). */
function value(text: string, r: Range, expr: string): number {
  const upper = text.toUpperCase();
  const named = r.names?.indexOf(upper) ?? -1;
  const n = named >= 0 ? named + 1 : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < r.min || n > r.max) throw invalid(expr);
  return n;
}

/** `*`, `a`, `a-b`, with an optional `/step`, comma-separated. */
function values(field: string, r: Range, expr: string): Set<number> {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const [base = '', stepText, extra] = part.split('/');
    if (extra !== undefined || base === '') throw invalid(expr);
    const step = stepText === undefined ? 1 : value(stepText, { min: 1, max: r.max }, expr);
    let lo: number;
    let hi: number;
    if (base === '*') [lo, hi] = [r.min, r.max];
    else if (base.includes('-')) {
      const [a = '', b = ''] = base.split('-');
      [lo, hi] = [value(a, r, expr), value(b, r, expr)];
      if (lo > hi) throw invalid(expr);
    } else {
      lo = value(base, r, expr);
      hi = stepText === undefined ? lo : r.max;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

function dayOfMonth(field: string, expr: string): DayOfMonth {
  if (field === '?') return { kind: 'any' };
  if (field === 'L') return { kind: 'last' };
  if (field === 'LW') return { kind: 'last-weekday' };
  const w = /^(\d{1,2})W$/.exec(field);
  if (w !== null)
    return { kind: 'nearest-weekday', day: value(w[1] ?? '', { min: 1, max: 31 }, expr) };
  return { kind: 'values', set: values(field, { min: 1, max: 31 }, expr) };
}

function dayOfWeek(field: string, expr: string): DayOfWeek {
  const r = { min: 1, max: 7, names: DAYS };
  if (field === '?') return { kind: 'any' };
  if (field === 'L') return { kind: 'values', set: new Set([7]) };
  const last = /^(\w+)L$/.exec(field);
  if (last !== null) return { kind: 'last-of', day: value(last[1] ?? '', r, expr) };
  const nth = /^(\w+)#(\d)$/.exec(field);
  if (nth !== null) {
    const n = value(nth[2] ?? '', { min: 1, max: 5 }, expr);
    return { kind: 'nth', day: value(nth[1] ?? '', r, expr), n };
  }
  return { kind: 'values', set: values(field, r, expr) };
}

/** Parses the inside of `cron(…)`; `expr` is the whole expression, for the error message. */
export function parseCron(fields: string, expr: string): CronSpec {
  const parts = fields.trim().split(/\s+/);
  if (parts.length !== 6) throw invalid(expr);
  const [min = '', hour = '', dom = '', month = '', dow = '', year = ''] = parts;
  // Exactly one of the day fields is `?`: the other one decides.
  if ((dom === '?') === (dow === '?')) throw invalid(expr);
  return {
    minutes: [...values(min, { min: 0, max: 59 }, expr)].sort((a, b) => a - b),
    hours: [...values(hour, { min: 0, max: 23 }, expr)].sort((a, b) => a - b),
    dayOfMonth: dayOfMonth(dom, expr),
    months: values(month, { min: 1, max: 12, names: MONTHS }, expr),
    dayOfWeek: dayOfWeek(dow, expr),
    years: year === '*' ? undefined : values(year, { ...CRON_YEARS }, expr),
  };
}

const DAY_MS = 86_400_000;
const daysIn = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();
/** 1 = Sunday … 7 = Saturday. */
const weekday = (y: number, m: number, d: number): number =>
  new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 1;

function nearestWeekday(y: number, m: number, day: number): number {
  const dim = daysIn(y, m);
  const d = Math.min(day, dim);
  const wd = weekday(y, m, d);
  if (wd === 7) return d === 1 ? 3 : d - 1;
  if (wd === 1) return d === dim ? d - 2 : d + 1;
  return d;
}

function dayMatches(c: CronSpec, y: number, m: number, d: number): boolean {
  const dom = c.dayOfMonth;
  const dow = c.dayOfWeek;
  const dim = daysIn(y, m);
  switch (dom.kind) {
    case 'values':
      return dom.set.has(d);
    case 'last':
      return d === dim;
    case 'nearest-weekday':
      return d === nearestWeekday(y, m, dom.day);
    case 'last-weekday':
      return d === nearestWeekday(y, m, dim);
    case 'any':
      break;
  }
  const wd = weekday(y, m, d);
  switch (dow.kind) {
    case 'values':
      return dow.set.has(wd);
    case 'last-of':
      return wd === dow.day && d + 7 > dim;
    case 'nth':
      return wd === dow.day && Math.ceil(d / 7) === dow.n;
    case 'any':
      return true;
  }
}

/** The first instant after `after` (epoch ms) at which `c` fires in `zone`. */
export function nextCron(c: CronSpec, zone: string, after: number): number | undefined {
  const lastYear = c.years === undefined ? CRON_YEARS.max : Math.max(...c.years);
  const start = localTimeOf(zone, after);
  // From the local day before (a repeated hour may map back across midnight).
  for (let day = Math.floor(start / DAY_MS) * DAY_MS - DAY_MS; ; day += DAY_MS) {
    const date = new Date(day);
    const y = date.getUTCFullYear();
    if (y > lastYear) return undefined;
    const m = date.getUTCMonth() + 1;
    const d = date.getUTCDate();
    if (c.years !== undefined && !c.years.has(y)) continue;
    if (!c.months.has(m) || !dayMatches(c, y, m, d)) continue;
    for (const h of c.hours) {
      for (const min of c.minutes) {
        const local = day + h * 3_600_000 + min * 60_000;
        // Wall clocks move by at most two hours at a DST change: earlier ones cannot be after.
        if (local < start - 2 * 3_600_000) continue;
        const [first] = instantsOf(zone, local);
        if (first !== undefined && first > after) return first;
      }
    }
  }
}
