import { describe, expect, it } from 'vitest';

import { parsePlatformRecord, platformLog } from './platform-log.js';

const NOW = new Date('2026-12-07T05:00:00.000Z');
const now = (): Date => NOW;
const report = {
  requestId: 'r1',
  durationMs: 2.186,
  memorySizeMb: 128,
  maxMemoryUsedMb: 67.6,
  initDurationMs: 150.456,
  status: 'success' as const,
};

describe('platform log', () => {
  it('writes Lambda text lines with the Text format, whatever the status', () => {
    const p = platformLog(undefined, now);
    expect(p.start('r1', '$LATEST')).toBe('START RequestId: r1 Version: $LATEST\n');
    expect(p.end('r1', 'error')).toBe('END RequestId: r1\n');
    expect(p.report(report)).toBe(
      'REPORT RequestId: r1\tDuration: 2.19 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 68 MB\tInit Duration: 150.46 ms\t\n',
    );
  });

  it('writes JSON platform records with the JSON format at INFO', () => {
    const p = platformLog(
      { format: 'JSON', applicationLogLevel: 'INFO', systemLogLevel: 'INFO' },
      now,
    );
    expect(p.start('r1', '1')).toBe(
      '{"time":"2026-12-07T05:00:00.000Z","type":"platform.start","record":{"requestId":"r1","version":"1"}}\n',
    );
    expect(p.end('r1', 'success')).toBeUndefined();
    expect(
      JSON.parse(p.report({ ...report, status: 'timeout', errorType: 'Sandbox.Timedout' }) ?? ''),
    ).toEqual({
      time: '2026-12-07T05:00:00.000Z',
      type: 'platform.report',
      record: {
        requestId: 'r1',
        metrics: {
          durationMs: 2.19,
          billedDurationMs: 3,
          memorySizeMB: 128,
          maxMemoryUsedMB: 68,
          initDurationMs: 150.46,
        },
        status: 'timeout',
        errorType: 'Sandbox.Timedout',
      },
    });
  });

  it('filters by the system log level', () => {
    const debug = platformLog({ format: 'JSON', systemLogLevel: 'DEBUG' }, now);
    expect(debug.end('r1', 'success')).toContain('"type":"platform.runtimeDone"');
    const warn = platformLog({ format: 'JSON', systemLogLevel: 'WARN' }, now);
    expect([warn.start('r1', '1'), warn.end('r1', 'error'), warn.report(report)]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('reads a record back, and nothing else', () => {
    const line = platformLog({ format: 'JSON' }, now).start('r9', '$LATEST') ?? '';
    expect(parsePlatformRecord(line.trim())).toMatchObject({
      type: 'platform.start',
      requestId: 'r9',
    });
    expect(parsePlatformRecord('{"time":"x","type":"app"}')).toBeUndefined();
    expect(parsePlatformRecord('{"time": broken')).toBeUndefined();
    expect(parsePlatformRecord('START RequestId: r1')).toBeUndefined();
  });
});
