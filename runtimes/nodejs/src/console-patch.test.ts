import { describe, expect, it } from 'vitest';
import { blockingWrites, formatLogLine, logSettingsOf, logWriter } from './console-patch.js';

describe('formatLogLine', () => {
  it("writes Lambda's Node.js text format, one line per event", () => {
    const line = formatLogLine('req-1', 'INFO', 'a\nb');
    expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\treq-1\tINFO\ta\rb\n$/);
  });
});

describe('JSON log format (LoggingConfig)', () => {
  const collect = (
    env: Record<string, string>,
  ): { lines: string[]; log: ReturnType<typeof logWriter> } => {
    const lines: string[] = [];
    const log = logWriter({ write: (t: string) => lines.push(t) }, { requestId: 'req-2' }, () =>
      logSettingsOf(env),
    );
    return { lines, log };
  };

  it('reads the format and level as the official client does', () => {
    expect(logSettingsOf({})).toEqual({ json: false, minLevel: 'TRACE' });
    expect(logSettingsOf({ AWS_LAMBDA_LOG_FORMAT: 'json', AWS_LAMBDA_LOG_LEVEL: 'warn' })).toEqual({
      json: true,
      minLevel: 'WARN',
    });
    expect(logSettingsOf({ AWS_LAMBDA_LOG_LEVEL: 'LOUD' }).minLevel).toBe('TRACE');
  });

  it('writes one JSON object per line and drops levels below the minimum', () => {
    const { lines, log } = collect({ AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'INFO' });
    log('DEBUG', ['hidden']);
    log('INFO', ['a\nb']);
    log('WARN', ['n=%d', 3]);
    log('ERROR', [new TypeError('bad')]);
    expect(lines).toHaveLength(3);
    const [info, warn, error] = lines.map((l) => {
      expect(l.endsWith('\n')).toBe(true);
      expect(l.slice(0, -1)).not.toContain('\n');
      return JSON.parse(l) as Record<string, unknown>;
    });
    expect(info).toMatchObject({ level: 'INFO', requestId: 'req-2', message: 'a\nb' });
    expect(warn).toMatchObject({ level: 'WARN', message: 'n=3' });
    expect(error).toMatchObject({
      level: 'ERROR',
      message: { errorType: 'TypeError', errorMessage: 'bad' },
    });
  });

  it('keeps the text format without JSON', () => {
    const { lines, log } = collect({});
    log('INFO', ['x', 1]);
    expect(lines[0]).toMatch(/\treq-2\tINFO\tx 1\n$/);
  });
});

describe('blockingWrites', () => {
  it('makes a pipe block on writes, and leaves a terminal alone', () => {
    const calls: boolean[] = [];
    const handle = { setBlocking: (on: boolean) => calls.push(on) };
    blockingWrites({ isTTY: false, _handle: handle } as unknown as NodeJS.WriteStream);
    expect(calls).toEqual([true]);
    blockingWrites({ isTTY: true, _handle: handle } as unknown as NodeJS.WriteStream);
    blockingWrites({} as unknown as NodeJS.WriteStream);
    expect(calls).toEqual([true]);
  });
});
