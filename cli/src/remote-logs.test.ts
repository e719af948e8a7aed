import { describe, expect, it } from 'vitest';

import { FollowCursor } from './remote-logs.js';

describe('FollowCursor (lamina logs --follow against a gateway)', () => {
  it('prints each event once across polls that overlap at the newest millisecond', () => {
    const c = new FollowCursor();
    expect(c.since(undefined)).toBeUndefined();
    const first = c.fresh([
      { time: 1, message: 'a' },
      { time: 2, message: 'b', logStream: 's' },
    ]);
    expect(first.map((e) => e.message)).toEqual(['a', 'b']);
    expect(c.since(undefined)).toBe(2);
    // The next poll from time 2 sees b again, plus c at the same millisecond and d later.
    const second = c.fresh([
      { time: 2, message: 'b', logStream: 's' },
      { time: 2, message: 'c', logStream: 's' },
      { time: 3, message: 'd' },
    ]);
    expect(second.map((e) => e.message)).toEqual(['c', 'd']);
    expect(c.fresh([{ time: 3, message: 'd' }])).toEqual([]);
    expect(c.since(undefined)).toBe(3);
  });
});
