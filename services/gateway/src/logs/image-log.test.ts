import { describe, expect, it } from 'vitest';

import { mergeTail, podEventsWithImageLines, readImageLines, stampedLines } from './image-log.js';

const T0 = Date.parse('2026-12-07T05:00:00.000Z');
const stamp = (ms: number, text: string): string =>
  `${new Date(T0 + ms).toISOString().replace('Z', '123456Z')} ${text}`;

describe('image function lines', () => {
  it('reads the container runtime stamps (nanoseconds, offsets) and skips unstamped lines', () => {
    const log = [
      '2026-12-07T05:00:00.123456789Z hello world',
      '2026-12-07T06:00:01+01:00 no fraction',
      'unstamped',
      '2026-12-07T05:00:02.5Z \ttabbed',
      '',
    ].join('\n');
    expect(stampedLines(log)).toEqual([
      { time: T0 + 123, text: 'hello world' },
      { time: T0 + 1000, text: 'no fraction' },
      { time: T0 + 2500, text: '\ttabbed' },
    ]);
  });

  it("puts the function's lines between the agent's START and END", () => {
    const agent =
      'START RequestId: r1 Version: $LATEST\nEND RequestId: r1\nREPORT RequestId: r1\tDuration: 2.00 ms\n';
    expect(mergeTail(agent, ['one', 'two'])).toBe(
      'START RequestId: r1 Version: $LATEST\none\ntwo\nEND RequestId: r1\nREPORT RequestId: r1\tDuration: 2.00 ms\n',
    );
    expect(mergeTail(agent, [])).toBe(agent);
    expect(mergeTail('START RequestId: r1 Version: $LATEST\n', ['x'])).toBe(
      'START RequestId: r1 Version: $LATEST\nx\n',
    );
  });

  it("reads until the log settles, keeping the lines from the call's start", async () => {
    const logs = [
      [stamp(-5, 'before the call'), stamp(10, 'first')],
      [stamp(-5, 'before the call'), stamp(10, 'first'), stamp(12, 'late')],
      [stamp(-5, 'before the call'), stamp(10, 'first'), stamp(12, 'late')],
    ];
    const asked: number[] = [];
    let clock = T0 + 100;
    const lines = await readImageLines({
      pod: 'p',
      sinceMs: T0,
      now: () => clock,
      pollMs: 1,
      read: (o) => {
        asked.push(o.sinceSeconds);
        clock += 10;
        return Promise.resolve((logs.shift() ?? []).join('\n'));
      },
    });
    expect(lines).toEqual(['first', 'late']);
    expect(asked).toHaveLength(3);
    expect(asked.every((s) => s >= 1)).toBe(true);
  });

  it('gives no lines when the log cannot be read, and stops waiting at maxWaitMs', async () => {
    expect(
      await readImageLines({
        pod: 'p',
        sinceMs: T0,
        read: () => Promise.reject(new Error('gone')),
      }),
    ).toEqual([]);
    let n = 0;
    let clock = T0;
    const lines = await readImageLines({
      pod: 'p',
      sinceMs: T0,
      now: () => clock,
      maxWaitMs: 50,
      pollMs: 1,
      read: () => {
        n += 1;
        clock += 20;
        return Promise.resolve(
          Array.from({ length: n }, (_, i) => stamp(i, `l${String(i)}`)).join('\n'),
        );
      },
    });
    expect(n).toBeLessThanOrEqual(4);
    expect(lines.length).toBe(n);
  });

  it('gives each function line the log stream of the agent record before it', () => {
    const events = podEventsWithImageLines(
      [
        { time: 10, message: 'START RequestId: r1 Version: $LATEST', logStream: 's1' },
        { time: 20, message: 'END RequestId: r1', logStream: 's1' },
        { time: 20, message: 'REPORT RequestId: r1', logStream: 's1' },
      ],
      [
        { time: 5, text: 'init line' },
        { time: 10, text: 'same ms as START' },
        { time: 15, text: 'during' },
      ],
    );
    expect(events).toEqual([
      { time: 5, message: 'init line' },
      { time: 10, message: 'START RequestId: r1 Version: $LATEST', logStream: 's1' },
      { time: 10, message: 'same ms as START', logStream: 's1' },
      { time: 15, message: 'during', logStream: 's1' },
      { time: 20, message: 'END RequestId: r1', logStream: 's1' },
      { time: 20, message: 'REPORT RequestId: r1', logStream: 's1' },
    ]);
  });
});
