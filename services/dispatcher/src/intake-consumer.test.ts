import { describe, expect, it } from 'vitest';

import { consumersOf, entriesOfRead, pendingOf } from './intake-consumer.js';
import { lastDeliveredOf } from './queue-depth.js';

describe('intake stream replies', () => {
  const entries = [['1-0', ['f', 'fn', 'j', '{}']]];
  it('reads XREADGROUP in either shape, and nothing from null', () => {
    expect(entriesOfRead([['k', entries]])).toEqual(entries);
    expect(entriesOfRead(['k', entries])).toEqual(entries);
    expect(entriesOfRead(null)).toEqual([]);
    expect(entriesOfRead([])).toEqual([]);
  });
  it('reads XPENDING entries and skips malformed rows', () => {
    expect(pendingOf([['1-0', 'c1', 3100, 2], ['x']])).toEqual([
      { id: '1-0', consumer: 'c1', idleMs: 3100, deliveries: 2 },
    ]);
    expect(pendingOf(null)).toEqual([]);
  });
  it('finds the group’s last delivered id, 0 without the group', () => {
    const groups = [
      ['name', 'other', 'last-delivered-id', '9-0'],
      ['name', 'dispatchers', 'consumers', 1, 'last-delivered-id', '5-1'],
    ];
    expect(lastDeliveredOf(groups, 'dispatchers')).toBe('5-1');
    expect(lastDeliveredOf([], 'dispatchers')).toBe('0');
    expect(lastDeliveredOf(null, 'dispatchers')).toBe('0');
  });
  it('reads XINFO CONSUMERS', () => {
    expect(
      consumersOf([
        ['name', 'a', 'pending', 0, 'idle', 70_000, 'inactive', 70_000],
        ['name', 'b', 'pending', 2, 'idle', 5],
        ['pending', 1],
      ]),
    ).toEqual([
      { name: 'a', pending: 0, idleMs: 70_000 },
      { name: 'b', pending: 2, idleMs: 5 },
    ]);
    expect(consumersOf(null)).toEqual([]);
  });
});
