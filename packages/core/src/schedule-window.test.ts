import { describe, expect, it } from 'vitest';

import { dueTick } from './schedule-expression.js';
import { dueFirings, flexibleOffsetMs, type WindowedSchedule } from './schedule-window.js';

const T0 = Date.parse('2026-01-01T10:00:00Z');
const MIN = 60_000;

const schedule = (
  extra: Partial<WindowedSchedule> = {},
  window: number | 'OFF' = 15,
): WindowedSchedule => ({
  name: 'report',
  groupName: 'default',
  scheduleExpression: 'rate(5 minutes)',
  creationDate: T0,
  flexibleTimeWindow:
    window === 'OFF' ? { mode: 'OFF' } : { mode: 'FLEXIBLE', maximumWindowInMinutes: window },
  ...extra,
});

describe('flexible time windows', () => {
  it('offsets each tick deterministically within the window', () => {
    const s = schedule();
    const offsets = Array.from({ length: 200 }, (_, i) => flexibleOffsetMs(s, T0 + i * 5 * MIN));
    expect(offsets.every((o) => o >= 0 && o < 15 * MIN && Number.isInteger(o))).toBe(true);
    // Same inputs, same offset (every runner agrees); different ticks spread over the window.
    expect(flexibleOffsetMs(schedule(), T0)).toBe(offsets[0]);
    expect(new Set(offsets).size).toBeGreaterThan(190);
    expect(Math.min(...offsets)).toBeLessThan(3 * MIN);
    expect(Math.max(...offsets)).toBeGreaterThan(12 * MIN);
    // Another schedule's ticks land elsewhere.
    expect(flexibleOffsetMs(schedule({ name: 'other' }), T0)).not.toBe(offsets[0]);
  });

  it('is dueTick with Mode OFF', () => {
    const s = schedule({}, 'OFF');
    expect(flexibleOffsetMs(s, T0)).toBe(0);
    for (const now of [T0 - 1, T0, T0 + 30_000, T0 + 5 * MIN + 1]) {
      const tick = dueTick(s, now, MIN, T0 - 1);
      expect(dueFirings(s, now, MIN, T0 - 1)).toEqual(
        tick === undefined ? [] : [{ tick, fireAt: tick }],
      );
    }
  });

  it('fires every tick once, at its offset, when polled every second', () => {
    const s = schedule({ scheduleExpression: 'rate(1 minute)' }, 10);
    const fired = new Map<number, number>();
    for (let now = T0; now <= T0 + 120 * MIN; now += 1000) {
      for (const f of dueFirings(s, now, MIN, T0 - 1)) {
        if (!fired.has(f.tick)) fired.set(f.tick, now);
      }
    }
    // Ticks 10:00..11:50 have their whole window inside the two hours.
    for (let tick = T0; tick <= T0 + 110 * MIN; tick += MIN) {
      const at = fired.get(tick);
      expect(at, `tick ${new Date(tick).toISOString()}`).toBeDefined();
      const fireAt = tick + flexibleOffsetMs(s, tick);
      expect(at).toBe(Math.ceil(fireAt / 1000) * 1000);
      expect(at).toBeLessThan(tick + 10 * MIN + 1000);
    }
  });

  it('does not fire before the window opens nor ticks before the last change', () => {
    const s = schedule({ scheduleExpression: 'at(2026-01-01T10:00:00)' }, 30);
    const fireAt = T0 + flexibleOffsetMs(s, T0);
    expect(dueFirings(s, fireAt - 1, MIN, T0 - 1)).toEqual([]);
    expect(dueFirings(s, fireAt, MIN, T0 - 1)).toEqual([{ tick: T0, fireAt }]);
    expect(dueFirings(s, fireAt, MIN, T0)).toEqual([]);
    // A restart long after the firing time does not fire it.
    expect(dueFirings(s, fireAt + 2 * MIN, MIN, T0 - 1)).toEqual([]);
  });
});
