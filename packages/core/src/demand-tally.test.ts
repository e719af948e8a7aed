import { describe, expect, it } from 'vitest';

import { NO_DEMAND } from './demand-keys.js';
import { DemandTally } from './demand-tally.js';

const hello = { namespace: 'ns', functionName: 'hello', version: '$LATEST' };
const v2 = { ...hello, version: '2' };

describe('DemandTally', () => {
  it('counts running and waiting calls per version; releases take effect once', () => {
    const tally = new DemandTally();
    const a = tally.run(hello);
    const b = tally.run(hello);
    const w = tally.wait(v2);
    expect(tally.waiting(v2)).toBe(1);
    expect(tally.snapshot()).toEqual([
      [hello, { ...NO_DEMAND, inFlight: 2 }],
      [v2, { ...NO_DEMAND, waiting: 1 }],
    ]);
    a();
    a();
    w();
    expect(tally.snapshot()).toEqual([[hello, { ...NO_DEMAND, inFlight: 1 }]]);
    b();
    expect(tally.snapshot()).toEqual([]);
    expect(tally.waiting(v2)).toBe(0);
  });

  it('sets queued work and drops a version with none left', () => {
    const tally = new DemandTally();
    tally.setQueued(hello, 'asyncDepth', 7);
    tally.setQueued(hello, 'kafkaLag', 2);
    expect(tally.snapshot()).toEqual([[hello, { ...NO_DEMAND, asyncDepth: 7, kafkaLag: 2 }]]);
    tally.setQueued(hello, 'asyncDepth', 0);
    tally.setQueued(hello, 'kafkaLag', 0);
    expect(tally.snapshot()).toEqual([]);
    expect(() => {
      tally.setQueued(hello, 'asyncDepth', -1);
    }).toThrow(TypeError);
  });
});
