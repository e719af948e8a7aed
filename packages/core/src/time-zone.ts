/**
 * Wall clocks of IANA time zones without a library: the one conversion between instants and a
 * zone's local time that the schedule expressions need, on the runtime's own tz database (Intl).
 *
 * Invariants: pure apart from a per-zone formatter cache; a local time that a DST change skips
 * has no instant (`instantsOf` answers `[]`), one that it repeats has two, earliest first; a
 * local time is a number, the epoch milliseconds of the same wall clock read as UTC.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** True when the runtime knows `zone` (an IANA name such as `Europe/Berlin`, or `UTC`). */
export function isTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock of `instant` in `zone`, as a local time (whole seconds). */
export function localTimeOf(zone: string, instant: number): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const at = (k: string): number => parts[k] ?? 0;
  return Date.UTC(at('year'), at('month') - 1, at('day'), at('hour'), at('minute'), at('second'));
}

/** How far `zone`'s wall clock is ahead of UTC at `instant`, in ms. */
export function zoneOffsetMs(zone: string, instant: number): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return localTimeOf(zone, whole) - whole;
}

const DAY_MS = 86_400_000;

/**
 * The instants whose wall clock in `zone` is `local` (whole seconds): none (a DST change skips
 * it), one, or two (a DST change repeats it), earliest first.
 */
export function instantsOf(zone: string, local: number): number[] {
  if (zone === 'UTC') return [local];
  const offsets = new Set([zoneOffsetMs(zone, local - DAY_MS), zoneOffsetMs(zone, local + DAY_MS)]);
  const out: number[] = [];
  for (const offset of offsets) {
    const instant = local - offset;
    if (localTimeOf(zone, instant) === local && !out.includes(instant)) out.push(instant);
  }
  return out.sort((a, b) => a - b);
}
