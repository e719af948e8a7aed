import { describe, expect, it } from 'vitest';

import {
  type LogEvent,
  parseReport,
  parseStampedLine,
  selectEvents,
  withRequestIds,
} from './function-log-events.js';

const A = '11111111-2222-4333-8444-555555555555';
const B = '99999999-2222-4333-8444-555555555555';

describe('function log events', () => {
  it('attaches each line to the invocation between START and REPORT of its stream', () => {
    const events: LogEvent[] = [
      { time: 1, message: 'init line', logStream: 's1' },
      { time: 2, message: `START RequestId: ${A} Version: $LATEST`, logStream: 's1' },
      { time: 3, message: `START RequestId: ${B} Version: 1`, logStream: 's2' },
      { time: 4, message: 'plain stdout of A', logStream: 's1' },
      { time: 5, message: 'plain stdout of B', logStream: 's2' },
      { time: 6, message: `END RequestId: ${A}`, logStream: 's1' },
      { time: 7, message: `REPORT RequestId: ${A}\tDuration: 1.00 ms`, logStream: 's1' },
      { time: 8, message: 'after A', logStream: 's1' },
    ];
    expect(withRequestIds(events).map((e) => e.requestId)).toEqual([
      undefined,
      A,
      B,
      A,
      B,
      A,
      A,
      undefined,
    ]);
  });

  it("prefers the id a runtime's own line format names (local mode's file has no streams)", () => {
    const events = withRequestIds([
      { time: 1, message: `START RequestId: ${A} Version: $LATEST` },
      { time: 2, message: `START RequestId: ${B} Version: $LATEST` },
      { time: 3, message: `2026-12-07T01:00:00.000Z\t${A}\tINFO\tfrom A` },
      { time: 4, message: `[INFO]\t2026-12-07T01:00:00.000Z\t${B}\tfrom B (python)` },
    ]);
    expect(events.map((e) => e.requestId)).toEqual([A, B, A, B]);
  });

  it('selects by time, request id and filter, sorted, the newest `limit`', () => {
    const events: LogEvent[] = [
      { time: 30, message: 'c', requestId: A },
      { time: 10, message: 'a', requestId: A },
      { time: 20, message: 'b', requestId: B },
      { time: 30, message: 'd', requestId: A },
    ];
    expect(selectEvents(events, { limit: 10 }).map((e) => e.message)).toEqual(['a', 'b', 'c', 'd']);
    expect(selectEvents(events, { limit: 2 }).map((e) => e.message)).toEqual(['c', 'd']);
    expect(selectEvents(events, { since: 20, limit: 10 }).map((e) => e.message)).toEqual([
      'b',
      'c',
      'd',
    ]);
    expect(selectEvents(events, { requestId: A, limit: 10 }).map((e) => e.message)).toEqual([
      'a',
      'c',
      'd',
    ]);
    expect(selectEvents(events, { filter: /^[bd]$/, limit: 10 }).map((e) => e.message)).toEqual([
      'b',
      'd',
    ]);
  });

  it('reads stamped file lines and REPORT lines', () => {
    expect(parseStampedLine('2026-12-07T01:02:03.004Z\thello')).toEqual({
      time: Date.parse('2026-12-07T01:02:03.004Z'),
      text: 'hello',
    });
    expect(parseStampedLine('old')).toEqual({ time: undefined, text: 'old' });
    const report = parseReport({
      time: 5,
      message: `REPORT RequestId: ${A}\tDuration: 12.50 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 49 MB\tInit Duration: 80.25 ms\t`,
    });
    expect(report).toEqual({
      requestId: A,
      time: 5,
      durationMs: 12.5,
      initDurationMs: 80.25,
      maxMemoryUsedMb: 49,
    });
    expect(parseReport({ time: 1, message: 'START RequestId: x' })).toBeUndefined();
  });

  it('follows JSON platform records and JSON application lines (LogFormat JSON)', () => {
    const rec = (type: string, id: string, extra = ''): string =>
      `{"time":"2026-12-07T05:00:00.000Z","type":"${type}","record":{"requestId":"${id}"${extra}}}`;
    const events: LogEvent[] = [
      { time: 1, message: rec('platform.start', A), logStream: 's1' },
      { time: 2, message: 'plain stdout', logStream: 's1' },
      {
        time: 3,
        message: `{"timestamp":"2026-12-07T05:00:00.001Z","level":"INFO","requestId":"${B}","message":"m"}`,
      },
      {
        time: 4,
        message: rec(
          'platform.report',
          A,
          ',"metrics":{"durationMs":1.5,"billedDurationMs":2,"memorySizeMB":128,"maxMemoryUsedMB":40},"status":"error"',
        ),
        logStream: 's1',
      },
      { time: 5, message: 'after', logStream: 's1' },
    ];
    const withIds = withRequestIds(events);
    expect(withIds.map((e) => e.requestId)).toEqual([A, A, B, A, undefined]);
    expect(parseReport(withIds[3] ?? { time: 0, message: '' })).toEqual({
      requestId: A,
      time: 4,
      durationMs: 1.5,
      maxMemoryUsedMb: 40,
      status: 'error',
    });
  });
});
