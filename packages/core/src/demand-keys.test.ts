import { describe, expect, it } from 'vitest';

import {
  addDemand,
  decodeDemandCounts,
  decodeDemandTarget,
  decodeWake,
  demandKeys,
  demandReportCommands,
  demandTotal,
  encodeDemandCounts,
  encodeDemandTarget,
  encodeWake,
  NO_DEMAND,
} from './demand-keys.js';

const target = { namespace: 'team-a', functionName: 'hello', version: '$LATEST' };

describe('demandKeys', () => {
  it('versions and hash-tags every key', () => {
    const k = demandKeys('t1');
    for (const key of [k.reporter('gw-1'), k.reporters, k.active, k.wake]) {
      expect(key).toMatch(/^t1:v1:\{demand\}:/);
    }
    expect(k.reporter('gw-1')).toBe('t1:v1:{demand}:r:gw-1');
    expect(demandKeys().active).toBe('lamina:v1:{demand}:active');
  });
});

describe('targets', () => {
  it('round-trips versions and $LATEST', () => {
    for (const t of [target, { ...target, version: '12' }]) {
      expect(decodeDemandTarget(encodeDemandTarget(t))).toEqual(t);
    }
    expect(encodeDemandTarget(target)).toBe('team-a/hello/$LATEST');
  });

  it('refuses what cannot be told apart', () => {
    expect(() => encodeDemandTarget({ ...target, functionName: 'a/b' })).toThrow(TypeError);
    expect(() => encodeDemandTarget({ ...target, version: 'prod' })).toThrow(TypeError);
    expect(() => encodeDemandTarget({ ...target, namespace: '' })).toThrow(TypeError);
    for (const bad of ['a/b', 'a/b/c/d', 'a//1', 'a/b/0', 'a/b/alias', '']) {
      expect(decodeDemandTarget(bad)).toBeUndefined();
    }
  });
});

describe('counts', () => {
  const c = { inFlight: 3, waiting: 2, asyncDepth: 1, kafkaLag: 4 };

  it('round-trips and sums', () => {
    expect(encodeDemandCounts(c)).toBe('3 2 1 4');
    expect(decodeDemandCounts('3 2 1 4')).toEqual(c);
    expect(demandTotal(c)).toBe(10);
    expect(addDemand(c, c)).toEqual({ inFlight: 6, waiting: 4, asyncDepth: 2, kafkaLag: 8 });
    expect(demandTotal(NO_DEMAND)).toBe(0);
  });

  it('reads a newer writer with extra fields, refuses garbage', () => {
    expect(decodeDemandCounts('3 2 1 4 9')).toEqual(c);
    for (const bad of ['', '1 2 3', '1 -2 3 4', '1 x 3 4', '1.5 2 3 4']) {
      expect(decodeDemandCounts(bad)).toBeUndefined();
    }
    expect(() => encodeDemandCounts({ ...c, waiting: -1 })).toThrow(TypeError);
    expect(() => encodeDemandCounts({ ...c, inFlight: 0.5 })).toThrow(TypeError);
  });
});

describe('demandReportCommands', () => {
  const keys = demandKeys('t');

  it('replaces the hash, renews it, raises active and lists the reporter', () => {
    const v2 = { ...target, version: '2' };
    const cmds = demandReportCommands(
      keys,
      'gw-1',
      [
        [target, { ...NO_DEMAND, inFlight: 2 }],
        [v2, NO_DEMAND],
        [
          { ...target, functionName: 'cold' },
          { ...NO_DEMAND, waiting: 1 },
        ],
      ],
      1_000,
      5_000,
    );
    expect(cmds).toEqual([
      ['del', 't:v1:{demand}:r:gw-1'],
      [
        'hset',
        't:v1:{demand}:r:gw-1',
        'team-a/hello/$LATEST',
        '2 0 0 0',
        'team-a/cold/$LATEST',
        '0 1 0 0',
      ],
      ['pexpire', 't:v1:{demand}:r:gw-1', 5_000],
      [
        'zadd',
        't:v1:{demand}:active',
        'GT',
        1_000,
        'team-a/hello/$LATEST',
        1_000,
        'team-a/cold/$LATEST',
      ],
      ['zadd', 't:v1:{demand}:reporters', 1_000, 'gw-1'],
    ]);
  });

  it('an idle reporter only clears its hash and stays listed', () => {
    expect(demandReportCommands(keys, 'gw-1', [[target, NO_DEMAND]], 7)).toEqual([
      ['del', 't:v1:{demand}:r:gw-1'],
      ['zadd', 't:v1:{demand}:reporters', 7, 'gw-1'],
    ]);
    expect(() => demandReportCommands(keys, 'a b', [], 7)).toThrow(TypeError);
  });
});

describe('wake', () => {
  it('round-trips and refuses malformed messages', () => {
    const w = { target, waiting: 3 };
    expect(encodeWake(w)).toBe('team-a/hello/$LATEST 3');
    expect(decodeWake(encodeWake(w))).toEqual(w);
    expect(() => encodeWake({ target, waiting: 0 })).toThrow(TypeError);
    for (const bad of ['team-a/hello/$LATEST', 'team-a/hello/$LATEST 0', 'x 1', 'a/b/1 1 2']) {
      expect(decodeWake(bad)).toBeUndefined();
    }
  });
});
