/**
 * EventBridge Scheduler's `ScheduleExpression`: `at(yyyy-mm-ddThh:mm:ss)`, `rate(value unit)`
 * and `cron(six fields)` (cron-expression.ts), each read in `ScheduleExpressionTimezone`.
 * The one place that says when a schedule runs: the API validates with it, the scheduler
 * runner asks it for the tick that is due.
 *
 * Invariants: pure and clock-free (every time is a parameter, epoch ms); a rate schedule runs at
 * `anchor + k·period` (anchor = StartDate, else the creation time); StartDate and EndDate bound
 * rate and cron schedules and are ignored for `at`, as in AWS; `dueTick` never answers a tick
 * older than the grace or not after `notBefore`, so a restart never replays missed ticks in a
 * burst — at most the latest one.
 */
import { type CronSpec, nextCron, parseCron } from './cron-expression.js';
import { schedulerValidation } from './scheduler-errors.js';
import { instantsOf, isTimeZone, zoneOffsetMs } from './time-zone.js';

export type ParsedExpression =
  | { readonly kind: 'at'; readonly local: number }
  | { readonly kind: 'rate'; readonly periodMs: number }
  | { readonly kind: 'cron'; readonly cron: CronSpec };

const UNIT_MS: Record<string, number> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

const invalid = (expr: string): Error =>
  schedulerValidation(`Invalid Schedule Expression ${expr}.`);

/** Parses a ScheduleExpression or throws Scheduler's ValidationException. */
export function parseScheduleExpression(expr: string): ParsedExpression {
  const m = /^(at|rate|cron)\((.*)\)$/.exec(expr.trim());
  if (m === null) throw invalid(expr);
  const body = m[2] ?? '';
  switch (m[1] ?? '') {
    case 'at': {
      const t = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
      if (t === null) throw invalid(expr);
      const [y, mo, d, h, mi, s] = t.slice(1).map(Number) as [
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      const local = Date.UTC(y, mo - 1, d, h, mi, s);
      const back = new Date(local);
      if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59)
        throw invalid(expr);
      return { kind: 'at', local };
    }
    case 'rate': {
      const r = /^\s*(\d+)\s+([a-z]+)\s*$/.exec(body);
      const unit = UNIT_MS[r?.[2] ?? ''];
      const n = Number(r?.[1]);
      if (r === null || unit === undefined || !Number.isSafeInteger(n) || n < 1)
        throw invalid(expr);
      return { kind: 'rate', periodMs: n * unit };
    }
    default:
      return { kind: 'cron', cron: parseCron(body, expr) };
  }
}

/** Throws ValidationException unless `zone` is a time zone the runtime knows. */
export function assertTimeZone(zone: string): void {
  if (!isTimeZone(zone)) throw schedulerValidation(`Invalid timezone ${zone}.`);
}

/** What decides when a schedule runs. Times are epoch ms. */
export interface ScheduleTiming {
  readonly scheduleExpression: string;
  /** IANA zone; default UTC. */
  readonly scheduleExpressionTimezone?: string;
  readonly startDate?: number;
  readonly endDate?: number;
  readonly creationDate: number;
}

/** The first run strictly after `after`, or undefined when the schedule will not run again. */
export function nextRun(
  s: ScheduleTiming,
  after: number,
  parsed?: ParsedExpression,
): number | undefined {
  const p = parsed ?? parseScheduleExpression(s.scheduleExpression);
  const zone = s.scheduleExpressionTimezone ?? 'UTC';
  if (p.kind === 'at') {
    const [instant] = instantsOf(zone, p.local);
    // A skipped local time runs at the same distance from UTC as just before the change.
    const at = instant ?? p.local - zoneOffsetMs(zone, p.local - 3 * 3_600_000);
    return at > after ? at : undefined;
  }
  const from = s.startDate === undefined ? after : Math.max(after, s.startDate - 1);
  let next: number | undefined;
  if (p.kind === 'rate') {
    const anchor = s.startDate ?? s.creationDate;
    next =
      from < anchor ? anchor : anchor + (Math.floor((from - anchor) / p.periodMs) + 1) * p.periodMs;
  } else {
    next = nextCron(p.cron, zone, from);
  }
  return next === undefined || (s.endDate !== undefined && next > s.endDate) ? undefined : next;
}

/**
 * The tick to fire at `now`: the latest run in (max(now − grace, notBefore), now], or undefined.
 * `notBefore` is the schedule's last modification: ticks before it belonged to the old definition.
 */
export function dueTick(
  s: ScheduleTiming,
  now: number,
  graceMs: number,
  notBefore: number,
): number | undefined {
  const parsed = parseScheduleExpression(s.scheduleExpression);
  let tick = nextRun(s, Math.max(now - graceMs, notBefore), parsed);
  if (tick === undefined || tick > now) return undefined;
  // Bounded: the grace is small against any period.
  for (let i = 0; i < 1000; i += 1) {
    const later = nextRun(s, tick, parsed);
    if (later === undefined || later > now) break;
    tick = later;
  }
  return tick;
}
